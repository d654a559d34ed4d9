// MNIST denoising: the data set (noisy digits in, clean digits out), how the CLI and the app ask
// for it, and the U-Net denoiser template learning it to well below the baselines that need no
// model: the noisy input itself, and the mean clean digit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeDataset, noisyPictures } from '../../engine/data/index.ts';
import { loadTrainTest, parseDatasetSpec } from '../../host/data/index.ts';
import { trainingDatasetSchema } from '../../protocol/training.ts';
import { parseDataFlag } from '../../cli/train.ts';
import { analyze } from '../../engine/index.ts';
import { checkFit } from '../../host/training/fit.ts';
import { predictFromDocument } from '../../host/training/predictor.ts';
import { loadTemplate, trainTemplateCli } from '../helpers/templates.ts';

const mse = (a: Float32Array, b: Float32Array) => {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += (a[k] - b[k]) ** 2;
  return s / a.length;
};

test('noisyPictures: inputs are the pixels plus seeded Gaussian noise, clipped to [0, 1]; targets the clean pixels', () => {
  const n = 50;
  const clean = makeDataset({
    name: 'grey',
    inputShape: [1, 8, 8],
    numClasses: 2,
    x: new Float32Array(n * 64).fill(0.5),
    y: new Int32Array(n),
  });
  const d = noisyPictures(clean, { noise: 0.1, seed: 3 });
  assert.equal(d.numClasses, 0);
  assert.deepEqual(d.y, clean.x);
  assert.ok(d.x.every((v) => v >= 0 && v <= 1));
  // 0.5 ± 0.1 is five standard deviations from either clip, so the spread is the noise's.
  assert.ok(Math.abs(Math.sqrt(mse(d.x, clean.x)) - 0.1) < 0.005, `std ${Math.sqrt(mse(d.x, clean.x))}`);
  assert.deepEqual(noisyPictures(clean, { noise: 0.1, seed: 3 }).x, d.x, 'same seed, same noise');
  assert.notDeepEqual(noisyPictures(clean, { noise: 0.1, seed: 4 }).x, d.x);
  const strong = noisyPictures(clean, { noise: 5, seed: 3 });
  assert.ok(strong.x.some((v) => v === 0) && strong.x.some((v) => v === 1), 'clipped at both ends');
  assert.throws(() => noisyPictures(clean, { noise: -1 }), /noise is the standard deviation/);
});

test('mnist:denoise from the CLI and the app both load noisy digits with the clean ones as targets', async () => {
  const fromCli = parseDataFlag('mnist:denoise:0.3', { limit: 40, testLimit: 20, seed: 2 });
  const fromApp = parseDatasetSpec(
    trainingDatasetSchema.parse({
      kind: 'mnist',
      task: 'denoise',
      noise: 0.3,
      limit: 40,
      testLimit: 20,
      seed: 2,
    }),
  );
  const a = await loadTrainTest(fromCli);
  const b = await loadTrainTest(fromApp);
  assert.deepEqual(a.train.x, b.train.x);
  assert.deepEqual(a.test.y, b.test.y);
  assert.equal(a.train.y.length, 40 * 784);
  assert.ok(a.train.y instanceof Float32Array && a.train.numClasses === 0);
  assert.ok(mse(a.test.x, a.test.y as Float32Array) > 0.03, 'the test inputs are noisy too');
  assert.throws(() => parseDataFlag('mnist:blur', {}), /mnist:denoise/);
  assert.throws(() => parseDataFlag('mnist:denoise:loud', {}), /standard deviation from 0 to 10/);
});

test('a network whose output is not picture-sized stops before the run, naming the layer and the size', () => {
  const doc = loadTemplate('lenet5');
  const data = noisyPictures(
    makeDataset({
      name: 'digits',
      inputShape: [1, 28, 28],
      numClasses: 0,
      x: new Float32Array(8 * 784),
      y: new Float32Array(8),
    }),
  );
  assert.throws(
    () => checkFit(doc, analyze(doc.graph), data, 'mse', 4),
    /gives \[10\] \(10 values\) per sample but each digits denoising \(noise 0\.5\) target has 784 values/,
  );
});

test('the U-Net denoiser trained with netwright train beats the noisy input and the mean digit by far', async () => {
  const flags = ['--loss', 'mse', '--limit', '1000', '--test-limit', '500', '--seed', '1'];
  const epochs = trainTemplateCli('unet-denoiser', 'mnist:denoise', 2, 0.003, flags);
  // The same test set the CLI used: same spec, same seed.
  const { train, test: held } = await loadTrainTest(
    parseDataFlag('mnist:denoise', { limit: 1000, testLimit: 500, seed: 1 }),
  );
  const clean = held.y as Float32Array;
  const noisy = mse(held.x, clean);
  const mean = new Float32Array(784);
  for (let k = 0; k < train.y.length; k++) mean[k % 784] += train.y[k] / train.length;
  const meanDigit = mse(
    Float32Array.from(clean, (_, k) => mean[k % 784]),
    clean,
  );
  const last = epochs[epochs.length - 1].testLoss;
  assert.ok(
    last < 0.5 * Math.min(noisy, meanDigit),
    `test MSE ${last} vs noisy input ${noisy.toFixed(4)} and mean digit ${meanDigit.toFixed(4)}`,
  );
  console.log(
    `U-Net denoiser test MSE ${last.toFixed(4)}; noisy input ${noisy.toFixed(4)}; mean digit ${meanDigit.toFixed(4)}`,
  );
});

test('Try it: a network with a picture output answers with the picture, a classifier with probabilities', async () => {
  const digit = new Array<number>(784).fill(0).map((_, k) => (k % 28 > 10 && k % 28 < 16 ? 1 : 0));
  const unet = await predictFromDocument({ document: loadTemplate('unet-denoiser'), seed: 1 }, digit);
  assert.deepEqual(unet.probabilities, []);
  assert.deepEqual(unet.picture?.shape, [1, 28, 28]);
  assert.equal(unet.picture?.values.length, 784);
  assert.ok(unet.picture!.values.every(Number.isFinite));
  const lenet = await predictFromDocument({ document: loadTemplate('lenet5'), seed: 1 }, digit);
  assert.equal(lenet.picture, undefined);
  assert.ok(Math.abs(lenet.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-5);
});
