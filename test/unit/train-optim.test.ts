// The trainer's guarantees on small runs: initializers, the two momentum forms giving one sequence,
// divergence handling, exported models agreeing with the trainer, checkpoints that resume exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import type { WeightMap } from '../../engine/index.ts';
import {
  analyze,
  compileTrainStep,
  exportInference,
  GraphBuilder,
  newDocument,
  oneHotTargets,
  predictions,
  resolveWeights,
  withBatch,
} from '../../engine/index.ts';
import { createRng } from '../../engine/data/random.ts';
import { encodeModel } from '../../engine/onnx/proto.ts';
import { loadTrainTest } from '../../host/data/index.ts';
import { StepSession } from '../../host/training/session.ts';
import type { EpochEvent, TrainConfig } from '../../host/training/trainer.ts';
import { evaluate, train } from '../../host/training/trainer.ts';
import { applyInit, fans, initialWeights, parseInit } from '../../engine/index.ts';
import {
  checkResumable,
  decodeCheckpoint,
  encodeCheckpoint,
  stepFingerprint,
  type Checkpoint,
} from '../../host/training/checkpoint.ts';
import type { SessionState } from '../../host/training/session.ts';
import { loadTemplate } from '../helpers/templates.ts';

const cfg = (over: Partial<TrainConfig> = {}): TrainConfig => ({
  epochs: 1,
  batchSize: 32,
  loss: 'cross-entropy',
  optimizer: { kind: 'momentum', momentum: 0.9 },
  lr: 0.05,
  seed: 0,
  threads: 1,
  ...over,
});

const small = () =>
  loadTrainTest({ kind: 'mnist', limit: 1024, testLimit: 500, seed: 5, normalize: 'standardize' });

function stats(v: Float32Array) {
  let mean = 0;
  for (const x of v) mean += x;
  mean /= v.length;
  let sq = 0;
  let max = 0;
  for (const x of v) {
    sq += (x - mean) ** 2;
    max = Math.max(max, Math.abs(x));
  }
  return { mean, std: Math.sqrt(sq / v.length), max };
}

test('initializers: fans, distributions, biases, norms and buffers', () => {
  assert.deepEqual(fans([64, 3, 3, 3]), { fanIn: 27, fanOut: 576 });
  assert.deepEqual(fans([10, 512]), { fanIn: 512, fanOut: 10 });
  assert.equal(fans([5]), null);
  for (const bad of ['normal', 'normal:-1', 'uniform:x', 'constant', 'zeros:1', 'he', 'xavier:2'])
    assert.throws(() => parseInit(bad), /init/);
  assert.deepEqual(parseInit('constant:0.5'), { kind: 'constant', value: 0.5 });

  const b = new GraphBuilder();
  b.chain(b.input([3, 16, 16]), [
    ['Conv2d', { out_channels: 64, kernel_size: 3 }],
    ['BatchNorm2d'],
    ['ReLU'],
    ['Flatten'],
    ['Linear', { out_features: 10 }],
  ]);
  const doc = newDocument('init', b.graph);
  const analysis = analyze(doc.graph);
  const conv = doc.graph.nodes.find((n) => n.type === 'Conv2d')!.id;
  const bn = doc.graph.nodes.find((n) => n.type === 'BatchNorm2d')!.id;
  const fc = doc.graph.nodes.find((n) => n.type === 'Linear')!.id;
  const get = (w: WeightMap, id: string, p: string) => w.get(id)!.get(p)!;

  const kaiming = initialWeights(analysis, doc, parseInit('kaiming'), 1);
  const k = stats(get(kaiming, conv, 'weight'));
  assert.ok(Math.abs(k.std - Math.sqrt(2 / 27)) < 0.02, `kaiming std ${k.std}`);
  assert.equal(stats(get(kaiming, conv, 'bias')).max, 0);
  assert.ok(
    get(kaiming, bn, 'weight').every((x) => x === 1),
    'BatchNorm scale keeps 1',
  );
  assert.ok(
    get(kaiming, bn, 'running_var').every((x) => x === 1),
    'running variance keeps 1',
  );

  const xavier = initialWeights(analysis, doc, parseInit('xavier'), 1);
  const bound = Math.sqrt(6 / (27 + 576));
  const x = stats(get(xavier, conv, 'weight'));
  assert.ok(x.max <= bound && x.max > 0.95 * bound, `xavier max ${x.max}, bound ${bound}`);
  assert.ok(Math.abs(x.std - bound / Math.sqrt(3)) < 0.01, `xavier std ${x.std}`);

  const normal = stats(get(initialWeights(analysis, doc, parseInit('normal:0.05'), 1), fc, 'weight'));
  assert.ok(
    Math.abs(normal.std - 0.05) < 0.002 && Math.abs(normal.mean) < 0.002,
    `normal ${JSON.stringify(normal)}`,
  );
  const uniform = initialWeights(analysis, doc, parseInit('uniform:0.3'), 1);
  assert.ok(stats(get(uniform, fc, 'bias')).max <= 0.3, 'uniform bias within ±0.3');
  const constant = initialWeights(analysis, doc, parseInit('constant:0.25'), 1);
  assert.ok(
    get(constant, conv, 'weight').every((v) => v === 0.25),
    'constant weights',
  );
  assert.ok(
    get(constant, conv, 'bias').every((v) => v === 0.25),
    'constant biases',
  );
  assert.ok(
    get(constant, bn, 'bias').every((v) => v === 0),
    "a norm's shift keeps 0",
  );
  const zeros = initialWeights(analysis, doc, parseInit('zeros'), 1);
  assert.ok(
    get(zeros, fc, 'weight').every((v) => v === 0),
    'zeros',
  );

  // PyTorch's default: U(±1/sqrt(fan_in)), and the same as the engine's own resolveWeights.
  const def = initialWeights(analysis, doc, parseInit('default'), 4);
  assert.deepEqual(def, resolveWeights(analysis, undefined, 4));
  assert.ok(stats(get(def, conv, 'weight')).max <= 1 / Math.sqrt(27), 'default bound 1/sqrt(fan_in)');
  // Same seed, same weights; applyInit copies, never aliases the input.
  assert.deepEqual(
    applyInit(analysis, def, parseInit('kaiming'), 9),
    applyInit(analysis, def, parseInit('kaiming'), 9),
  );
  assert.notEqual(
    applyInit(analysis, def, parseInit('default'), 9).get(bn)!.get('weight'),
    def.get(bn)!.get('weight'),
  );
});

test('momentum in velocity form and heavy-ball form give the same parameters, step by step', async () => {
  const b = new GraphBuilder();
  b.chain(b.input([20]), [['Linear', { out_features: 32 }], ['Tanh'], ['Linear', { out_features: 4 }]]);
  const graph = b.graph;
  const batch = 16;
  const weights = resolveWeights(analyze(withBatch(graph, batch)), undefined, 3);
  const make = (kind: 'momentum' | 'heavy-ball') =>
    StepSession.create(
      compileTrainStep(graph, {
        batchSize: batch,
        loss: 'cross-entropy',
        optimizer: { kind, momentum: 0.9, weightDecay: 1e-3 },
      }),
      weights,
    );
  const [velocity, heavy] = await Promise.all([make('momentum'), make('heavy-ball')]);
  const rng = createRng(11);
  const inputId = velocity.step.dataInputs[0].nodeId;
  let worst = 0;
  for (let k = 0; k < 20; k++) {
    const x = Float32Array.from({ length: batch * 20 }, () => rng.normal());
    const t = oneHotTargets(
      Int32Array.from({ length: batch }, () => rng.int(4)),
      4,
    );
    const data = new Map([[inputId, x]]);
    await velocity.run(data, t, { lr: 0.1 });
    await heavy.run(data, t, { lr: 0.1 });
    for (const [id, params] of velocity.weights())
      for (const [p, v] of params) {
        const h = heavy.weights().get(id)!.get(p)!;
        for (let i = 0; i < v.length; i++) {
          const diff = Math.abs(v[i] - h[i]) / Math.max(1, Math.abs(v[i]));
          worst = Math.max(worst, diff);
          assert.ok(diff < 2e-5, `step ${k + 1}, ${id}.${p}[${i}]: ${v[i]} vs ${h[i]}`);
        }
      }
  }
  console.log(`velocity vs heavy-ball over 20 steps: max relative difference ${worst.toExponential(2)}`);
  // And they did move: the parameters are not where they started.
  assert.notDeepEqual(velocity.weights(), weights);
  await Promise.all([velocity.release(), heavy.release()]);
});

test('divergence stops with a message naming the learning rate and returns finite last-good weights', async () => {
  const doc = loadTemplate('mlp');
  const data = await small();
  const events: string[] = [];
  const r = await train({
    doc,
    data,
    config: cfg({ optimizer: { kind: 'sgd' }, lr: 1e6 }),
    onEvent: (e) => {
      if (e.event === 'stopped') events.push(e.message);
    },
  });
  assert.equal(r.stopped, 'diverged');
  assert.match(r.message!, /learning rate \(1000000\)/);
  assert.match(r.message!, /NaN|Infinity/);
  assert.equal(events.length, 1);
  for (const [id, params] of r.weights)
    for (const [p, v] of params) assert.ok(v.every(Number.isFinite), `${id}.${p} is finite`);
  // The kept weights are the ones the last finite loss came from: they evaluate to a finite loss.
  const ev = await evaluate(doc, r.weights, data.test, 'cross-entropy');
  assert.ok(Number.isFinite(ev.loss), `evaluation loss ${ev.loss}`);
});

test('the exported inference ONNX gives the trainer’s own evaluation: same accuracy, same outputs', async () => {
  const doc = loadTemplate('lenet5');
  const data = await small();
  const r = await train({ doc, data, config: cfg({ optimizer: { kind: 'adam' }, lr: 2e-3 }) });
  const own = await evaluate(doc, r.weights, data.test, 'cross-entropy');
  assert.equal(own.accuracy, r.history[0].testAccuracy);
  assert.ok(own.accuracy > 0.6, `accuracy ${own.accuracy}`);

  const session = await ort.InferenceSession.create(
    encodeModel(exportInference(doc, { weights: r.weights })),
  );
  const n = data.test.length;
  const out = await session.run({
    [session.inputNames[0]]: new ort.Tensor('float32', data.test.x, [n, ...data.test.inputShape]),
  });
  const y = out[session.outputNames[0]].data as Float32Array;
  await session.release();
  const p = predictions(y, n);
  assert.deepEqual(p, own.predictions);
  const correct = p.reduce((s, c, i) => s + (c === (data.test.y as Int32Array)[i] ? 1 : 0), 0);
  assert.equal(correct / n, own.accuracy);

  // The evaluation graph (weights as inputs) and the exported one (initializers) agree elementwise.
  const asInputs = exportInference(doc, { weightsAsInputs: true });
  const evalSession = await ort.InferenceSession.create(encodeModel(asInputs));
  const analysis = analyze(doc.graph);
  const feeds: Record<string, ort.Tensor> = {
    [asInputs.graph.inputs[0].name]: new ort.Tensor('float32', data.test.x, [n, ...data.test.inputShape]),
  };
  for (const node of doc.graph.nodes)
    for (const spec of analysis.nodes.get(node.id)!.parameters)
      feeds[`${node.name}.${spec.name}`] = new ort.Tensor(
        'float32',
        r.weights.get(node.id)!.get(spec.name)!,
        spec.shape,
      );
  const y2 = (await evalSession.run(feeds))[asInputs.graph.outputs[0].name].data as Float32Array;
  await evalSession.release();
  let maxDiff = 0;
  for (let i = 0; i < y.length; i++) maxDiff = Math.max(maxDiff, Math.abs(y[i] - y2[i]));
  assert.ok(maxDiff < 1e-4, `max output difference ${maxDiff}`);
});

test('a checkpoint resumes exactly: 1 + 1 epochs equal 2 epochs straight', async () => {
  const doc = loadTemplate('mlp');
  const data = await small();
  const config = cfg({ epochs: 2, optimizer: { kind: 'adam' }, lr: 1e-3, schedule: { kind: 'cosine' } });
  const straight = await train({ doc, data, config });

  let saved: { epoch: number; state: SessionState; history: EpochEvent[] } | undefined;
  const stop = new AbortController();
  const first = await train({
    doc,
    data,
    config,
    signal: stop.signal,
    onEpochEnd: (c) => {
      saved = { ...c, history: [...c.history] };
      stop.abort(); // as if the process had been killed after saving
    },
  });
  assert.equal(first.stopped, 'cancelled');
  const step = compileTrainStep(doc.graph, {
    batchSize: config.batchSize,
    loss: config.loss,
    optimizer: config.optimizer,
  });
  const checkpoint: Checkpoint = {
    format: 'netwright-checkpoint',
    version: 1,
    model: doc.name,
    fingerprint: stepFingerprint(step),
    epoch: saved!.epoch,
    config,
    history: saved!.history,
    state: saved!.state,
  };
  const bytes = encodeCheckpoint(checkpoint);
  // Decoding works from any offset of a larger buffer (as Buffers from readFile may be).
  const padded = new Uint8Array(bytes.length + 3);
  padded.set(bytes, 3);
  const back = decodeCheckpoint(padded.subarray(3));
  assert.deepEqual(back.state, checkpoint.state);
  assert.equal(back.epoch, 1);
  assert.equal(back.state.step, Math.floor(data.train.length / config.batchSize));
  checkResumable(back, step);
  assert.throws(
    () =>
      checkResumable(
        back,
        compileTrainStep(doc.graph, { batchSize: 32, loss: 'cross-entropy', optimizer: { kind: 'sgd' } }),
      ),
    /different model or optimizer/,
  );
  assert.throws(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 8)), /truncated/);
  assert.throws(
    () => decodeCheckpoint(new TextEncoder().encode('{"format":"netwright"}')),
    /not a Netwright checkpoint/,
  );

  const resumed = await train({ doc, data, config, resume: { state: back.state, epoch: back.epoch } });
  assert.equal(resumed.history.length, 1);
  assert.equal(resumed.history[0].epoch, 2);
  assert.equal(resumed.history[0].trainLoss, straight.history[1].trainLoss);
  assert.deepEqual(resumed.weights, straight.weights);
});

test('a dropout network resumes with the same masks (drawn per step from the seed)', async () => {
  const b = new GraphBuilder();
  b.chain(b.input([1, 28, 28]), [
    ['Flatten'],
    ['Linear', { out_features: 64 }],
    ['ReLU'],
    ['Dropout', { p: 0.5 }],
    ['Linear', { out_features: 10 }],
  ]);
  const doc = newDocument('dropout', b.graph);
  const data = await small();
  const config = cfg({ epochs: 2, batchSize: 64 });
  const straight = await train({ doc, data, config });
  let state: SessionState | undefined;
  await train({
    doc,
    data,
    config: { ...config, epochs: 1 },
    onEpochEnd: (c) => {
      state = c.state;
    },
  });
  const resumed = await train({ doc, data, config, resume: { state: state!, epoch: 1 } });
  assert.deepEqual(resumed.weights, straight.weights);
});
