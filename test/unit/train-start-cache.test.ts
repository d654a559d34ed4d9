// What makes a second run start at once: the data set decoded once and held in shared memory, the
// train step compiled once per graph and settings, and a training thread loaded beforehand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SYNTHETIC } from '../../engine/data/index.ts';
import type { TrainTest } from '../../host/data/index.ts';
import { TrainingDataCache } from '../../host/training/dataCache.ts';
import { compileTraining } from '../../host/training/prepare.ts';
import type { TrainEvent } from '../../host/training/trainer.ts';
import { startTrainingWorker, warmTrainingWorker } from '../../host/training/worker.ts';
import { loadTemplate } from '../helpers/templates.ts';

const spiral = (n: number): TrainTest => {
  const all = SYNTHETIC.spiral({ n, seed: 3 });
  return { train: all, test: all };
};

test('the data cache decodes a spec once, in shared memory, and forgets a failed load', async () => {
  let loads = 0;
  let fail = true;
  const cache = new TrainingDataCache(async (d) => {
    loads++;
    if (d.kind === 'synthetic' && d.n === 99 && fail) throw new Error('no such file');
    return spiral(d.kind === 'synthetic' ? d.n : 10);
  });
  const spec = { kind: 'synthetic', generator: 'spiral', n: 200 } as const;
  const a = await cache.get(spec);
  const b = await cache.get({ ...spec });
  assert.equal(a, b);
  assert.equal(loads, 1);
  assert.ok(a.train.x.buffer instanceof SharedArrayBuffer);
  assert.ok(a.train.y.buffer instanceof SharedArrayBuffer);
  assert.equal(a.train.length, 200);
  await assert.rejects(cache.get({ ...spec, n: 99 }), /no such file/);
  fail = false;
  assert.equal((await cache.get({ ...spec, n: 99 })).train.length, 99);
  assert.equal(loads, 3);
});

test('the train step is compiled once per graph and settings', () => {
  const doc = loadTemplate('mlp');
  const settings = { batchSize: 16, loss: 'cross-entropy', optimizer: { kind: 'adam' } } as const;
  const a = compileTraining(doc, settings);
  assert.equal(compileTraining(structuredClone(doc), { ...settings }), a);
  assert.notEqual(compileTraining(doc, { ...settings, batchSize: 8 }), a);
  const edited = structuredClone(doc);
  edited.graph.nodes[0].position = { x: 1, y: 2 };
  assert.notEqual(compileTraining(edited, settings), a, 'any change to the graph compiles again');
});

test('a warm worker trains on data in shared memory', async () => {
  warmTrainingWorker();
  const cache = new TrainingDataCache(async () => spiral(256));
  const data = await cache.get({ kind: 'synthetic', generator: 'spiral', n: 256 });
  const events: TrainEvent[] = [];
  const job = startTrainingWorker(
    {
      doc: loadTemplate('spiral-mlp'),
      data,
      config: {
        epochs: 2,
        batchSize: 32,
        loss: 'cross-entropy',
        optimizer: { kind: 'adam' },
        lr: 0.01,
        threads: 1,
      },
    },
    (e) => events.push(e),
  );
  const { result } = await job.result;
  assert.equal(result.history.length, 2);
  assert.ok(Number.isFinite(result.history[1].testLoss!));
  assert.deepEqual(
    events.filter((e) => e.event === 'epoch').map((e) => e.event === 'epoch' && e.epoch),
    [1, 2],
  );
});
