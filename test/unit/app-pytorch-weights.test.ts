// File → Export PyTorch project…'s choice of weights, the sentence the dialog and the notice show:
// a finished (or paused) run's, else the project's stored ones, else none (PyTorch's init).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyze, resolveWeights, storeWeights } from '../../engine/index.ts';
import { pytorchWeightsChoice } from '../../renderer/app/pytorchFlows.ts';
import { idleRun, type TrainingRun } from '../../renderer/training/trainingState.ts';
import { loadTemplate } from '../helpers/templates.ts';

const lenet = loadTemplate('lenet5');
const analysis = analyze(lenet.graph);
const withWeights = { ...lenet, weights: storeWeights(resolveWeights(analysis, undefined, 1), analysis) };
const epoch = (n: number, testAccuracy: number) => ({
  epoch: n,
  trainLoss: 1,
  trainAccuracy: 0.5,
  testLoss: 1,
  testAccuracy,
  gradNorms: {},
  weightNorms: {},
  updateRatios: {},
});
const run = (over: Partial<TrainingRun>): TrainingRun => ({ ...idleRun, runId: 'run-1', ...over });

describe('The weights a PyTorch export takes', () => {
  it('are a finished run’s, named with its last epoch and test accuracy, before the project’s', () => {
    const done = run({ status: 'completed', epochs: [epoch(0, 0.1), epoch(1, 0.8), epoch(2, 0.912)] });
    assert.deepEqual(pytorchWeightsChoice(done, withWeights), {
      source: 'run',
      runId: 'run-1',
      text: 'The weights of the last finished run after epoch 2, test accuracy 91.2%.',
    });
    const paused = pytorchWeightsChoice(run({ status: 'paused', epochs: [epoch(0, 0.1)] }), lenet);
    assert.equal(paused.text, 'The weights of the last paused run.');
  });

  it('are the project’s while a run is under way or gone, and none without either', () => {
    for (const r of [run({ status: 'running' }), run({ status: 'completed', gone: true }), idleRun]) {
      assert.equal(pytorchWeightsChoice(r, withWeights).source, 'project');
      const none = pytorchWeightsChoice(r, lenet);
      assert.equal(none.source, 'none');
      assert.match(none.text, /PyTorch’s default initialisation/);
      // An imported ResNet-50's weights stay on the host: the document names them, holds none.
      const held = pytorchWeightsChoice(r, { ...lenet, weightsRef: 'held-1' });
      assert.equal(held.source, 'project');
      assert.match(held.text, /stored in the project \(the Netwright host holds them\)/);
    }
  });
});
