// The generated sequence tasks (adding, copy, parity, noisy sine): what each sample holds is checked
// against the task's definition from the sample itself, the seed fixes the data, and every set
// loads through the spec the app and the CLI send.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addingProblem, copyTask, COPY_VOCABULARY, noisySine, parityTask } from '../../engine/data/index.ts';
import { loadDataset } from '../../host/data/load.ts';
import { parseDatasetSpec } from '../../host/data/index.ts';
import { SYNTHETIC_SETS, trainingDatasetSchema } from '../../protocol/training.ts';
import { analyze } from '../../engine/index.ts';
import { checkFit } from '../../host/training/fit.ts';
import { loadTemplate, trainTemplateCli } from '../helpers/templates.ts';

const steps = (x: Float32Array, i: number, per: number) => x.subarray(i * per, (i + 1) * per);

test('adding: two marked steps, one in each half; the target is the sum of their values', () => {
  const d = addingProblem({ n: 200, length: 12, seed: 4 });
  assert.deepEqual(d.inputShape, [12, 2]);
  assert.equal(d.numClasses, 0);
  for (let i = 0; i < d.length; i++) {
    const s = steps(d.x, i, 24);
    const marked = [...Array(12).keys()].filter((t) => s[2 * t + 1] === 1);
    assert.equal(marked.length, 2, `sample ${i} has two markers`);
    assert.ok(marked[0] < 6 && marked[1] >= 6, `sample ${i}: one marker per half`);
    assert.ok([...Array(12).keys()].every((t) => s[2 * t] >= 0 && s[2 * t] < 1));
    assert.ok(Math.abs(d.y[i] - (s[2 * marked[0]] + s[2 * marked[1]])) < 1e-6);
  }
  assert.deepEqual(addingProblem({ n: 200, length: 12, seed: 4 }).x, d.x, 'same seed, same data');
  assert.notDeepEqual(addingProblem({ n: 200, length: 12, seed: 5 }).x, d.x);
});

test('copy: three symbols, blanks, the signal last; the label is the first symbol', () => {
  const d = copyTask({ n: 300, seed: 2 });
  assert.deepEqual(d.inputShape, [16]);
  const counts = new Array<number>(8).fill(0);
  for (let i = 0; i < d.length; i++) {
    const s = steps(d.x, i, 16);
    assert.ok([0, 1, 2].every((t) => s[t] >= 1 && s[t] <= 8));
    assert.ok(
      s.subarray(3, 15).every((v) => v === 0),
      'blanks',
    );
    assert.equal(s[15], COPY_VOCABULARY.length - 1, 'the signal');
    assert.equal(d.y[i], s[0] - 1);
    counts[d.y[i]]++;
  }
  assert.ok(Math.min(...counts) > 15, `every symbol is a label: ${counts.join(' ')}`);
});

test('parity: the label is the count of ones modulo 2, and both classes occur', () => {
  const d = parityTask({ n: 300, length: 9, seed: 1 });
  assert.deepEqual(d.inputShape, [9, 1]);
  let odd = 0;
  for (let i = 0; i < d.length; i++) {
    const s = steps(d.x, i, 9);
    assert.ok(s.every((v) => v === 0 || v === 1));
    assert.equal(d.y[i], s.reduce((a, v) => a + v, 0) % 2);
    odd += d.y[i];
  }
  assert.ok(odd > 100 && odd < 200, `${odd} odd of 300`);
});

test('noisy sine: without noise each window is a sinusoid (x[t+1] = 2 cos ω x[t] - x[t-1]) and the target continues it', () => {
  const d = noisySine({ n: 50, length: 10, noise: 0, seed: 3 });
  assert.deepEqual(d.inputShape, [10, 1]);
  for (let i = 0; i < d.length; i++) {
    const s = steps(d.x, i, 10);
    // 2 cos ω from the step with the largest |x[t]| (the best-conditioned estimate).
    let t = 1;
    for (let k = 2; k < 9; k++) if (Math.abs(s[k]) > Math.abs(s[t])) t = k;
    const twoCos = (s[t + 1] + s[t - 1]) / s[t];
    assert.ok(twoCos > 2 * Math.cos(0.6) - 1e-4 && twoCos < 2 * Math.cos(0.2) + 1e-4, 'ω in [0.2, 0.6]');
    assert.ok(Math.abs(d.y[i] - (twoCos * s[9] - s[8])) < 1e-4, `sample ${i}`);
  }
  const noisy = noisySine({ n: 2000, noise: 0.1, seed: 3 });
  const clean = noisySine({ n: 2000, noise: 0, seed: 3 });
  let sq = 0;
  for (let k = 0; k < noisy.x.length; k++) sq += (noisy.x[k] - clean.x[k]) ** 2;
  assert.ok(Math.abs(Math.sqrt(sq / noisy.x.length) - 0.1) < 0.005, 'noise standard deviation 0.1');
});

test('the app offers the sequence sets, and each loads through the spec the app and the CLI send', async () => {
  for (const generator of ['chars', 'adding', 'copy', 'parity', 'sine'] as const) {
    assert.ok(SYNTHETIC_SETS.includes(generator), generator);
    // What the Training panel's picker sends (TrainingDataset.tsx datasetFor), validated by the host.
    const sent = trainingDatasetSchema.parse({ kind: 'synthetic', generator, n: 30, seed: 1 });
    const d = await loadDataset(parseDatasetSpec(sent));
    assert.equal(d.length, 30, generator);
  }
});

test('gru-forecaster trains on synthetic:sine with netwright train --json to well under repeating the last value', () => {
  const n = 3000;
  const epochs = trainTemplateCli('gru-forecaster', `synthetic:sine:${n}`, 5, 0.005);
  // Persistence, the forecast that needs no model: the next value is the last one seen.
  const d = noisySine({ n, seed: 0 });
  let persistence = 0;
  for (let i = 0; i < n; i++) persistence += (d.x[i * 24 + 23] - d.y[i]) ** 2;
  persistence /= n;
  const best = Math.min(...epochs.map((e) => e.testLoss));
  const last = epochs[epochs.length - 1].testLoss;
  assert.ok(
    last < 0.3 * persistence,
    `test MSE ${last} (best ${best}) vs persistence ${persistence.toFixed(4)}`,
  );
});

test('a regression set with a classification loss stops before the run, saying which loss to choose', () => {
  const doc = loadTemplate('gru-forecaster');
  const analysis = analyze(doc.graph);
  const data = noisySine({ n: 40, seed: 1 });
  checkFit(doc, analysis, data, 'mse', 8);
  for (const loss of ['cross-entropy', 'nll'] as const)
    assert.throws(
      () => checkFit(doc, analysis, data, loss, 8),
      new RegExp(
        `sine has numeric targets, not classes, so ${loss} cannot compare them; choose mean squared error`,
      ),
    );
});
