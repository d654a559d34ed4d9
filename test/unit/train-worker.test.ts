// Training in a worker thread: events come back, cancel stops it with the weights so far, and the
// main thread keeps running meanwhile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SYNTHETIC } from '../../engine/data/index.ts';
import { GraphBuilder, newDocument } from '../../engine/index.ts';
import type { TrainEvent } from '../../host/training/trainer.ts';
import { startTrainingWorker, trainInWorker } from '../../host/training/worker.ts';
import { loadTemplate } from '../helpers/templates.ts';

test('a worker trains a few steps on MNIST, reports them, and cancels with the weights so far', async () => {
  const doc = loadTemplate('mlp');
  const events: TrainEvent[] = [];
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  const job = startTrainingWorker(
    {
      doc,
      data: { kind: 'mnist', limit: 2000, testLimit: 200, seed: 1 },
      config: {
        epochs: 5,
        batchSize: 32,
        loss: 'cross-entropy',
        optimizer: { kind: 'momentum' },
        lr: 0.01,
        threads: 1,
        stepEvery: 2,
      },
      init: 'kaiming',
    },
    (e) => {
      events.push(e);
      if (e.event === 'step' && e.step === 6) job.cancel();
    },
  );
  const { result } = await job.result;
  clearInterval(timer);
  assert.equal(result.stopped, 'cancelled');
  assert.match(result.message!, /stopped at epoch 1/);
  assert.equal(events[0].event, 'start');
  const steps = events.filter((e) => e.event === 'step');
  // Cancel acts between onnxruntime calls, each of `k` steps (4 for this MLP): the call holding
  // step 6 finishes, and the next may have started before the cancel reached the worker.
  const k = events[0].event === 'start' ? events[0].stepsPerCall : 1;
  const lastStep = Math.ceil(6 / k) * k + Math.max(k, 2);
  assert.ok(
    steps.length >= 3 && steps.length <= lastStep / 2,
    `${steps.length} step events (${k} steps per call)`,
  );
  assert.equal(events.at(-1)!.event, 'stopped');
  assert.ok(!events.some((e) => e.event === 'epoch'), 'no epoch finished');
  assert.deepEqual([...result.weights.keys()], ['linear_1', 'linear_2', 'linear_3']);
  assert.equal(result.weights.get('linear_1')!.get('weight')!.length, 784 * 512);
  assert.ok(ticks > 5, `the main thread ran its timer ${ticks} times meanwhile`);
});

test('trainInWorker has train()’s signature: datasets in, history and weights out, abort signal', async () => {
  const b = new GraphBuilder();
  b.chain(b.input([2]), [['Linear', { out_features: 16 }], ['ReLU'], ['Linear', { out_features: 2 }]]);
  const doc = newDocument('moons', b.graph);
  const data = SYNTHETIC.moons({ n: 400, seed: 1 });
  const epochs: number[] = [];
  const checkpoints: number[] = [];
  const r = await trainInWorker({
    doc,
    data: { train: data, test: data },
    config: {
      epochs: 3,
      batchSize: 20,
      loss: 'cross-entropy',
      optimizer: { kind: 'adam' },
      lr: 0.01,
      threads: 1,
    },
    onEvent: (e) => {
      if (e.event === 'epoch') epochs.push(e.epoch);
    },
    onEpochEnd: (c) => void checkpoints.push(c.state.step),
  });
  assert.deepEqual(epochs, [1, 2, 3]);
  assert.deepEqual(checkpoints, [20, 40, 60]);
  assert.equal(r.history.length, 3);
  assert.ok(r.history[2].trainAccuracy! > 0.8, `accuracy ${r.history[2].trainAccuracy}`);

  const aborted = new AbortController();
  aborted.abort();
  const stopped = await trainInWorker({
    doc,
    data: { train: data },
    config: {
      epochs: 3,
      batchSize: 20,
      loss: 'cross-entropy',
      optimizer: { kind: 'sgd' },
      lr: 0.01,
      threads: 1,
    },
    signal: aborted.signal,
  });
  assert.equal(stopped.stopped, 'cancelled');

  await assert.rejects(
    trainInWorker({
      doc,
      data: { kind: 'mnist', limit: 100 },
      config: {
        epochs: 1,
        batchSize: 20,
        loss: 'cross-entropy',
        optimizer: { kind: 'sgd' },
        lr: 0.01,
      },
    }),
    /input takes \[2\] \(2 values\) but each mnist-train sample is \[1, 28, 28\]/,
    'a model that does not fit the data fails with the fit check’s sentence',
  );
});

test('LeNet-5 at batch 128 on two threads trains in the worker with its batch split across a partner thread, and learns', async () => {
  const events: TrainEvent[] = [];
  const job = startTrainingWorker(
    {
      doc: loadTemplate('lenet5'),
      data: { kind: 'mnist', limit: 2560, testLimit: 256, seed: 1 },
      config: {
        epochs: 1,
        batchSize: 128,
        loss: 'cross-entropy',
        optimizer: { kind: 'momentum' },
        lr: 0.05,
        threads: 2,
        stepEvery: 1,
      },
      init: 'kaiming',
    },
    (e) => events.push(e),
  );
  const { result } = await job.result;
  const start = events[0];
  assert.ok(start.event === 'start' && start.parts === 2, `start event: ${JSON.stringify(start)}`);
  const losses = events.flatMap((e) => (e.event === 'step' ? [e.loss] : []));
  assert.equal(losses.length, 20);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(
    mean(losses.slice(-5)) < mean(losses.slice(0, 5)) * 0.8,
    `losses ${losses.map((l) => l.toFixed(3))}`,
  );
  const epoch = result.history[0];
  assert.ok(epoch.testAccuracy! > 0.5, `test accuracy ${epoch.testAccuracy} after 20 steps`);
});
