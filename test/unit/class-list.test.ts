// "Only classes" from the page to the loader: the class-list text both the CLI and the Training
// panel read, and a page's MNIST dataset with keepClasses loading only those digits, relabelled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatClassList, parseClassList } from '../../engine/data/index.ts';
import { trainingDatasetSchema } from '../../protocol/training.ts';
import { loadTrainTestFor } from '../../host/data/uploads.ts';
import { loadMnist } from '../../host/data/idx.ts';

test('class lists: ranges and single classes in order, written back in the shortest form', () => {
  assert.deepEqual(parseClassList('5-9'), [5, 6, 7, 8, 9]);
  assert.deepEqual(parseClassList(' 0, 2 ,4-5'), [0, 2, 4, 5]);
  for (const bad of ['', '9-5', 'a', '1,,2', '0-5000']) assert.equal(parseClassList(bad), null, bad);
  assert.equal(formatClassList([5, 6, 7, 8, 9]), '5-9');
  assert.equal(formatClassList([0, 2, 4, 5]), '0,2,4,5');
  assert.equal(formatClassList([1, 2, 3, 7]), '1-3,7');
});

test('a page’s MNIST with keepClasses trains on 100 digits 5-9 as classes 0-4 and tests on every test 5-9', async () => {
  const page = trainingDatasetSchema.parse({
    kind: 'mnist',
    limit: 100,
    testLimit: 10_000,
    seed: 1,
    keepClasses: [5, 6, 7, 8, 9],
  });
  const { train, test: held } = await loadTrainTestFor(page);
  assert.equal(train.length, 100);
  assert.equal(train.numClasses, 5);
  // The count comes from the test file itself, not from this test.
  const raw = await loadMnist({ split: 'test' });
  const fives = (raw.y as Int32Array).filter((c) => c >= 5).length;
  assert.equal(held.length, fives);
  assert.ok([...(train.y as Int32Array)].every((c) => c >= 0 && c < 5));
  assert.ok(new Set(train.y).size === 5, 'all five digits among the 100');
  assert.throws(() => trainingDatasetSchema.parse({ ...page, keepClasses: [] }));
});
