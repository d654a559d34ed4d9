// Training over the HostApi: what the protocol accepts and refuses, the pushed event stream, and a
// real run on a small 2-D set through the real host (start, events, stop, predict, export).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import type { ProjectDocument } from '../../engine/index.ts';
import { analyze, decodeFloat32, GraphBuilder, newDocument, resolveWeights } from '../../engine/index.ts';
import type { HostEvent } from '../../protocol/hostApi.ts';
import { HostError, parseHostEvent } from '../../protocol/hostApi.ts';
import { connectRpc, dispatch, memoryPortPair } from '../../protocol/rpc.ts';
import type { TrainingConfig, TrainingDataset, TrainingEvent } from '../../protocol/training.ts';
import { connectedHost, readOffered } from '../helpers/host.ts';

function mlp(inputs: number[], classes: number): ProjectDocument {
  const b = new GraphBuilder();
  b.chain(b.input(inputs), [
    ['Linear', { out_features: 16 }],
    ['ReLU'],
    ['Linear', { out_features: classes }],
  ]);
  return newDocument('Tiny 2-D MLP', b.graph);
}

const blobs: TrainingDataset = { kind: 'synthetic', generator: 'blobs', n: 300, classes: 3, seed: 1 };
const config: TrainingConfig = {
  epochs: 3,
  batchSize: 16,
  loss: 'cross-entropy',
  optimizer: { kind: 'momentum', momentum: 0.9 },
  lr: 0.05,
  seed: 1,
};

const rejectsWith = (p: Promise<unknown>, code: string, pattern?: RegExp) =>
  assert.rejects(p, (e: HostError) => {
    assert.equal(e.code, code, e.message);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });

describe('When the page asks the host to train', () => {
  const { service } = connectedHost();
  const call = (method: string, ...args: unknown[]) => dispatch(service, method, args);
  const refused = async (method: string, args: unknown[], pattern: RegExp) => {
    const r = await call(method, ...args);
    assert.equal(r.ok, false, `${method} should be refused`);
    assert.equal(!r.ok && r.error.code, 'bad-request');
    assert.match(!r.ok ? r.error.message : '', pattern);
  };
  const doc = mlp([2], 3);

  it('refuses datasets that name files, unknown options and out-of-range sizes', async () => {
    await refused(
      'startTraining',
      [{ document: doc, dataset: { kind: 'csv', path: '/etc/passwd' }, config }],
      /kind/,
    );
    await refused(
      'startTraining',
      [{ document: doc, dataset: { ...blobs, path: '/tmp/x' }, config }],
      /path|unrecognized/i,
    );
    await refused(
      'startTraining',
      [{ document: doc, dataset: { kind: 'mnist', limit: 0 }, config }],
      /limit/,
    );
    await refused(
      'startTraining',
      [{ document: doc, dataset: { kind: 'mnist', limit: 70_000 }, config }],
      /limit/,
    );
    await refused('datasetPreview', [blobs, 0], /argument 1/);
    await refused('datasetPreview', [{ ...blobs, generator: 'swirl' }, 10], /generator/);
  });

  it('refuses bad configurations: zero epochs, a negative rate, an unknown optimizer or loss', async () => {
    const start = (c: unknown) => [{ document: doc, dataset: blobs, config: c }];
    await refused('startTraining', start({ ...config, epochs: 0 }), /epochs/);
    await refused('startTraining', start({ ...config, lr: -1 }), /lr/);
    await refused('startTraining', start({ ...config, optimizer: { kind: 'lion' } }), /optimizer\.kind/);
    await refused('startTraining', start({ ...config, loss: 'hinge' }), /loss/);
    await refused('startTraining', start({ ...config, momentum: 0.9 }), /momentum|unrecognized/i);
  });

  it('validates the document with the engine and refuses malformed run ids and inputs', async () => {
    const broken = { ...doc, graph: { nodes: [{ id: 'a', type: 'Conv9d', name: 'a' }], edges: [] } };
    const r = await call('startTraining', { document: broken, dataset: blobs, config });
    assert.equal(!r.ok && r.error.code, 'bad-request');
    assert.match(!r.ok ? r.error.message : '', /Conv9d/);
    await refused('stopTraining', ['../../etc'], /run id/);
    await refused('exportTrainedOnnx', ['run-abc', { fp16: 'yes' }], /fp16/);
    await refused('predict', [{ runId: 'run-abc' }, { data: [] }], /data/);
    await refused('predict', [{ runId: 'run-abc' }, { data: new Array(3 * 224 * 224 + 1).fill(0) }], /data/);
    await refused(
      'predict',
      [{ runId: 'run-abc', document: doc }, { data: [1, 2] }],
      /source|unrecognized|argument 0/i,
    );
  });

  it('says plainly when the network does not fit the data', async () => {
    const { client } = connectedHost();
    await rejectsWith(
      client.startTraining({ document: mlp([1, 28, 28], 3), dataset: blobs, config }),
      'cannot-train',
      /input takes \[1, 28, 28\] \(784 values\) but each blobs \(train\) sample is \[2\] \(2 values\); set its shape to \[2\]/,
    );
    await rejectsWith(
      client.startTraining({ document: mlp([2], 10), dataset: blobs, config }),
      'cannot-train',
      /10 outputs per sample but .* has 3 classes/,
    );
    await rejectsWith(
      client.startTraining({ document: doc, dataset: blobs, config: { ...config, batchSize: 1000 } }),
      'cannot-train',
      /fewer than one batch/,
    );
    await rejectsWith(client.exportTrainedOnnx('run-000000000000'), 'not-found');
  });
});

describe('When the host pushes events', () => {
  it('the client passes on valid training events and drops unknown or malformed ones', async () => {
    const [hostSide, clientSide] = memoryPortPair();
    const got: HostEvent[] = [];
    connectRpc(clientSide, { onEvent: (e) => got.push(e) });
    const failed = { event: 'failed', message: 'x' };
    const ok = { runId: 'run-1a', events: [failed] };
    hostSide.send({ type: 'event', name: 'training', payload: ok });
    hostSide.send({ type: 'event', name: 'shutdown', payload: {} });
    // The old one-event form, an unknown event in a batch, a bad run id, an empty batch, NaN as text.
    hostSide.send({ type: 'event', name: 'training', payload: { runId: 'run-1a', event: failed } });
    hostSide.send({
      type: 'event',
      name: 'training',
      payload: { runId: 'run-1a', events: [failed, { event: 'boom' }] },
    });
    hostSide.send({ type: 'event', name: 'training', payload: { runId: '../x', events: [failed] } });
    hostSide.send({ type: 'event', name: 'training', payload: { runId: 'run-1a', events: [] } });
    hostSide.send({
      type: 'event',
      name: 'training',
      payload: {
        runId: 'run-1a',
        events: [{ event: 'step', epoch: 0, step: 1, loss: 'NaN', samplesPerSecond: 1 }],
      },
    });
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(got, [{ name: 'training', payload: ok }]);
    assert.equal(parseHostEvent({ name: 'toString', payload: {} }), null);
    assert.equal(parseHostEvent(null), null);
  });
});

describe('When a small network trains on a 2-D set through the host', () => {
  it('streams baseline, start, steps and epochs, learns, then predicts and exports what it learned', async () => {
    const { client, finished: runEvents } = connectedHost();
    const doc = mlp([2], 3);
    const started = await client.startTraining({ document: doc, dataset: blobs, config });
    assert.match(started.runId, /^run-[0-9a-f]{12}$/);
    assert.equal(started.trainSamples, 240);
    assert.equal(started.testSamples, 60);
    assert.equal(started.stepsPerEpoch, 15);
    const events = await runEvents(started.runId);

    const kinds = events.map((e) => e.event);
    // The baseline is measured beside the first steps: once, before the first epoch ends.
    assert.equal(kinds.filter((k) => k === 'baseline').length, 1);
    assert.ok(kinds.indexOf('baseline') < kinds.indexOf('epoch'));
    assert.equal(kinds.filter((k) => k !== 'baseline')[0], 'start');
    assert.equal(kinds.at(-1), 'finished');
    assert.ok(kinds.filter((k) => k === 'step').length >= 10);
    const epochs = events.filter((e) => e.event === 'epoch');
    assert.deepEqual(
      epochs.map((e) => e.epoch),
      [1, 2, 3],
    );
    const baseline = events.find((e) => e.event === 'baseline') as Extract<
      TrainingEvent,
      { event: 'baseline' }
    >;
    const last = epochs[2];
    assert.ok(last.testLoss! < baseline.testLoss!, `test loss ${baseline.testLoss} -> ${last.testLoss}`);
    assert.ok(last.testAccuracy! > 0.9, `test accuracy ${last.testAccuracy}`);
    assert.deepEqual(Object.keys(last.gradNorms).sort(), ['linear_1', 'linear_2']);
    for (const id of ['linear_1', 'linear_2']) {
      assert.ok(last.gradNorms[id]! > 0);
      assert.ok(last.updateRatios[id]! > 0 && last.updateRatios[id]! < 1, `${id}: ${last.updateRatios[id]}`);
    }
    const finished = events.at(-1) as Extract<TrainingEvent, { event: 'finished' }>;
    assert.equal(finished.reason, 'completed');
    assert.match(finished.message, /Trained 3 epochs/);

    // Blob centres sit on a circle of radius 3 at angles 0, 120 and 240 degrees.
    const p = await client.predict({ runId: started.runId }, { data: [3, 0] });
    assert.equal(p.probabilities.length, 3);
    assert.ok(Math.abs(p.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-5);
    assert.equal(p.predicted, 0);
    assert.match(p.weights, /trained 3 epochs/);
    await rejectsWith(
      client.predict({ runId: started.runId }, { data: [1, 2, 3] }),
      'bad-request',
      /2 values/,
    );

    // The exported file gives the same answer in onnxruntime.
    const file = await client.exportTrainedOnnx(started.runId);
    assert.equal(file.fileName, 'tiny-2-d-mlp-trained.onnx');
    const session = await ort.InferenceSession.create(await readOffered(client, file.transfer));
    const out = await session.run({
      [session.inputNames[0]]: new ort.Tensor('float32', Float32Array.from([3, 0]), [1, 2]),
    });
    const logits = Array.from(out[session.outputNames[0]].data as Float32Array);
    assert.equal(logits.indexOf(Math.max(...logits)), 0);
    await session.release();

    const weights = await client.trainedWeights(started.runId);
    assert.deepEqual(weights.linear_1.weight.shape, [16, 2]);
    assert.deepEqual(weights.linear_2.bias.shape, [3]);

    const untrained = await client.predict({ document: doc }, { data: [3, 0] });
    assert.equal(untrained.weights, 'untrained');

    // File → Export ONNX with the run's weights writes the same network as the run's own export.
    const withRun = await client.exportOnnx(doc, { runId: started.runId });
    assert.ok(withRun.ok);
    const again = await ort.InferenceSession.create(await readOffered(client, withRun.transfer));
    const out2 = await again.run({
      [again.inputNames[0]]: new ort.Tensor('float32', Float32Array.from([3, 0]), [1, 2]),
    });
    assert.deepEqual(Array.from(out2[again.outputNames[0]].data as Float32Array), logits);
    await again.release();

    // A reloaded page meets the run again: its settings, its events, its network.
    const attached = await client.attachRun(started.runId);
    assert.deepEqual(attached.info, started);
    assert.deepEqual(attached.config, config);
    // Every event, but of the decision boundaries only the newest.
    const boundaries = events.filter((e) => e.event === 'boundary');
    assert.ok(boundaries.length >= 2);
    assert.deepEqual(
      attached.events,
      events.filter((e) => e.event !== 'boundary' || e === boundaries.at(-1)),
    );
    assert.deepEqual(attached.document.graph, doc.graph);
    assert.ok(attached.secondsTraining > 0 && attached.secondsTraining === finished.seconds);
    await rejectsWith(client.attachRun('run-000000000000'), 'not-found', /no longer holds/);
  });

  it('runs one at a time, and a stop ends the run with its weights kept', async () => {
    const { client, finished: runEvents } = connectedHost();
    const doc = mlp([2], 3);
    const long = { ...config, epochs: 400, batchSize: 4 };
    const { runId } = await client.startTraining({ document: doc, dataset: blobs, config: long });
    await rejectsWith(client.startTraining({ document: doc, dataset: blobs, config }), 'busy');
    await rejectsWith(client.exportTrainedOnnx(runId), 'busy', /still training/);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await client.stopTraining(runId), null);
    const events = await runEvents(runId);
    const finished = events.at(-1) as Extract<TrainingEvent, { event: 'finished' }>;
    assert.equal(finished.reason, 'cancelled');
    assert.match(finished.message, /stopped/);
    const p = await client.predict({ runId }, { data: [0, 3] });
    assert.equal(p.probabilities.length, 3);
    // A new run may start once the old one has stopped.
    const next = await client.startTraining({
      document: doc,
      dataset: blobs,
      config: { ...config, epochs: 1 },
    });
    const epoch = (await runEvents(next.runId)).find((e) => e.event === 'epoch')!;
    // The update ratio is |W_after - W_before| / |W_after| over the epoch, from the seeded start.
    const before = resolveWeights(analyze(doc.graph), undefined, config.seed);
    const after = await client.trainedWeights(next.runId);
    for (const id of ['linear_1', 'linear_2']) {
      let diff = 0;
      let size = 0;
      for (const p of ['weight', 'bias']) {
        const a = decodeFloat32(after[id][p].data);
        const b = before.get(id)!.get(p)!;
        a.forEach((v, i) => ((diff += (v - b[i]) ** 2), (size += v * v)));
      }
      assert.ok(epoch.event === 'epoch');
      assert.ok(Math.abs(epoch.updateRatios[id]! - Math.sqrt(diff / size)) < 1e-6, id);
    }
  });

  it('races optimizers from the same start: equal settings give equal weights, others differ', async () => {
    const { client, finished: runEvents } = connectedHost();
    const doc = mlp([2], 3);
    const sgd = { optimizer: { kind: 'sgd' as const }, lr: 0.05 };
    const race = await client.startRace({
      document: doc,
      dataset: blobs,
      config: { ...config, epochs: 2 },
      entries: [
        { label: 'SGD', ...sgd },
        { label: 'SGD again', ...sgd },
        { label: 'Adam', optimizer: { kind: 'adam' }, lr: 0.01 },
      ],
    });
    assert.deepEqual(
      race.runs.map((r) => r.label),
      ['SGD', 'SGD again', 'Adam'],
    );
    assert.equal(race.stepsPerEpoch, 15);
    const events = await Promise.all(race.runs.map((r) => runEvents(r.runId)));
    for (const e of events) assert.equal(e.at(-1)?.event, 'finished');
    assert.deepEqual(events[0][0], events[2][0]); // one baseline: the same initial weights
    const [a, b, c] = await Promise.all(race.runs.map((r) => client.trainedWeights(r.runId)));
    assert.deepEqual(a, b); // same start, same batches, same optimizer: the same run
    assert.notDeepEqual(a, c);
    await rejectsWith(
      client.startRace({ document: doc, dataset: blobs, config, entries: [{ label: 'x', ...sgd }] }),
      'bad-request',
      /entries/,
    );
  });

  it('reports a run that fails after starting as a failed event', async () => {
    const {
      client,
      events: got,
      finished: runEvents,
    } = connectedHost({
      train: async () => {
        throw new Error('onnxruntime ran out of patience');
      },
    });
    const { runId } = await client.startTraining({ document: mlp([2], 3), dataset: blobs, config });
    await runEvents(runId);
    const failed = got.find((e) => e.payload.event.event === 'failed')!;
    assert.equal(failed.payload.runId, runId);
    assert.deepEqual(failed.payload.event, { event: 'failed', message: 'onnxruntime ran out of patience' });
    await rejectsWith(client.predict({ runId }, { data: [0, 0] }), 'busy', /failed/);
  });
});

describe('When the page previews a dataset', () => {
  it('gets the first MNIST digits as pixels in 0..1 with their labels', async () => {
    const { client } = connectedHost();
    const p = await client.datasetPreview({ kind: 'mnist', limit: 2000, seed: 3 }, 6);
    assert.deepEqual(p.inputShape, [1, 28, 28]);
    assert.equal(p.numClasses, 10);
    assert.equal(p.trainSize, 2000);
    assert.equal(p.samples.length, 6);
    assert.deepEqual(
      p.samples.map((s) => s.label),
      [5, 0, 4, 1, 9, 2], // the first six training labels of MNIST
    );
    for (const s of p.samples) {
      assert.equal(s.values.length, 784);
      assert.ok(s.values.every((v) => v >= 0 && v <= 1));
    }
  });

  it('gets a 2-D set as points with balanced classes', async () => {
    const { client } = connectedHost();
    const p = await client.datasetPreview(
      { kind: 'synthetic', generator: 'spiral', n: 1000, classes: 3 },
      300,
    );
    assert.deepEqual(p.inputShape, [2]);
    assert.equal(p.samples.length, 300);
    assert.equal(p.trainSize, 800);
    assert.deepEqual(
      [0, 1, 2].map((c) => p.samples.filter((s) => s.label === c).length),
      [100, 100, 100],
    );
  });
});
