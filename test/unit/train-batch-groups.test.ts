// The trainer's batches (host/training/batchData.ts batchGroups): the batches and order of
// engine/data's batches() with dropLast, gathered into buffers reused from call to call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batches, makeDataset } from '../../engine/data/index.ts';
import { batchGroups } from '../../host/training/batchData.ts';

const ds = makeDataset({
  name: 'ramp',
  inputShape: [2, 3],
  numClasses: 4,
  x: Float32Array.from({ length: 23 * 6 }, (_, i) => i * 0.5 - 7),
  y: Int32Array.from({ length: 23 }, (_, i) => i % 4),
});

for (const seed of [undefined, 11])
  test(`batchGroups gives batches()'s batches in order, ${seed === undefined ? 'unshuffled' : 'shuffled'}`, () => {
    const expected = [...batches(ds, 5, { seed, dropLast: true })];
    const got: { x: Float32Array; indices: Int32Array; size: number }[] = [];
    const groupSizes: number[] = [];
    let firstBuffer: Float32Array | null = null;
    for (const group of batchGroups(ds, 5, 3, seed)) {
      groupSizes.push(group.length);
      firstBuffer ??= group[0].x;
      // Reused: every group's first batch lives in the same buffer.
      assert.equal(group[0].x, firstBuffer);
      for (const b of group) got.push({ x: b.x.slice(), indices: b.indices.slice(), size: b.size });
    }
    assert.deepEqual(groupSizes, [3, 1]);
    assert.equal(got.length, expected.length);
    got.forEach((b, i) => {
      assert.deepEqual(b.indices, expected[i].indices);
      assert.deepEqual(b.x, expected[i].x);
      assert.equal(b.size, expected[i].size);
    });
  });
