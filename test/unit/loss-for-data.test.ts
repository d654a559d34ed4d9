// The Training drawer's loss follows the data set unless the user chose it (lossForData.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REGRESSION_KINDS, SYNTHETIC, SYNTHETIC_KINDS } from '../../engine/data/index.ts';
import { isRegression, lossNote, withDataset } from '../../renderer/training/lossForData.ts';
import { defaultSetup, type TrainingSetup } from '../../renderer/training/trainingState.ts';
import type { TrainingDataset } from '../../protocol/training.ts';

const sine: TrainingDataset = { kind: 'synthetic', generator: 'sine', n: 100, seed: 1 };
const spiral: TrainingDataset = { kind: 'synthetic', generator: 'spiral', n: 100, seed: 1 };
const denoise: TrainingDataset = { kind: 'mnist', task: 'denoise', limit: 100, seed: 1 };

test('REGRESSION_KINDS are exactly the generated sets whose targets are numbers', () => {
  for (const kind of SYNTHETIC_KINDS) {
    const d = SYNTHETIC[kind]({ n: 40, seed: 1 });
    assert.equal(REGRESSION_KINDS.includes(kind), d.numClasses === 0, kind);
  }
  assert.equal(isRegression(denoise), true);
  assert.equal(isRegression(defaultSetup.dataset), false);
  assert.equal(isRegression({ kind: 'file', id: 'upload-1' }), null, 'an upload the page knows nothing of');
  assert.equal(isRegression({ kind: 'file', id: 'upload-1' }, 0), true);
});

test('a regression set switches the loss to MSE and a classification set back, saying so', () => {
  const toSine = withDataset(defaultSetup, sine, true);
  assert.equal(toSine.config.loss, 'mse');
  assert.match(lossNote(toSine)!, /Switched to mean squared error/);
  const back = withDataset(toSine, spiral, false);
  assert.equal(back.config.loss, 'cross-entropy');
  assert.match(lossNote(back)!, /Switched back to cross-entropy/);
  assert.equal(withDataset(back, denoise, true).config.loss, 'mse');
});

test('a loss the user chose stays, unless it cannot learn numbers at all', () => {
  const chose = (loss: TrainingSetup['config']['loss']): TrainingSetup => ({
    ...defaultSetup,
    config: { ...defaultSetup.config, loss },
    lossSource: 'user',
  });
  const bce = withDataset(chose('bce-with-logits'), denoise, true);
  assert.equal(bce.config.loss, 'bce-with-logits');
  assert.equal(lossNote(bce), null);
  assert.equal(withDataset(chose('mse'), spiral, false).config.loss, 'mse', 'MSE on classes, as chosen');
  assert.equal(withDataset(chose('cross-entropy'), sine, true).config.loss, 'mse');
  // A lesson's MSE on MNIST (not the drawer's doing) stays when the data changes.
  const lesson = { ...defaultSetup, config: { ...defaultSetup.config, loss: 'mse' as const } };
  assert.equal(withDataset(lesson, spiral, false).config.loss, 'mse');
});
