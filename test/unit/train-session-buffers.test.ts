// StepSession binds its own buffers as onnxruntime's outputs and rotates them (no per-step
// allocation). These check what that must not change: the same parameter sequence as feeding
// freshly allocated outputs back, weights() as copies, and the last good parameters kept for a
// diverged run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import type { WeightMap } from '../../engine/index.ts';
import {
  analyze,
  compileTrainStep,
  GraphBuilder,
  oneHotTargets,
  resolveWeights,
  withBatch,
} from '../../engine/index.ts';
import { createRng } from '../../engine/data/index.ts';
import { encodeModel } from '../../engine/onnx/index.ts';
import { StepSession } from '../../host/training/session.ts';

const batch = 8;

function setup(optimizer: 'momentum' | 'adam') {
  const b = new GraphBuilder();
  b.chain(b.input([6]), [
    ['Linear', { out_features: 5 }],
    ['BatchNorm1d'],
    ['ReLU'],
    ['Linear', { out_features: 3 }],
  ]);
  const step = compileTrainStep(b.graph, {
    batchSize: batch,
    loss: 'cross-entropy',
    optimizer: { kind: optimizer },
  });
  const weights = resolveWeights(analyze(withBatch(b.graph, batch)), undefined, 1);
  const rng = createRng(2);
  const x = Float32Array.from({ length: batch * 6 }, () => rng.normal());
  const target = oneHotTargets(
    Int32Array.from({ length: batch }, () => rng.int(3)),
    3,
  );
  return { step, weights, data: new Map([[step.dataInputs[0].nodeId, x]]), target };
}

const flat = (w: WeightMap) =>
  [...w].flatMap(([id, m]) => [...m].map(([p, v]) => [`${id}.${p}`, Array.from(v)]));

test('rotating bound buffers gives bit for bit the parameters of feeding allocated outputs back', async () => {
  for (const kind of ['momentum', 'adam'] as const) {
    const { step, weights, data, target } = setup(kind);
    const session = await StepSession.create(step, weights);
    // The reference: a plain onnxruntime session, every output freshly allocated and fed back.
    const plain = await ort.InferenceSession.create(encodeModel(step.model));
    const values = new Map<string, Float32Array>();
    for (const p of step.params) values.set(p.input, Float32Array.from(weights.get(p.nodeId)!.get(p.param)!));
    for (const s of step.state) values.set(s.input, new Float32Array(s.shape.reduce((a, b) => a * b, 1)));
    for (let k = 1; k <= 5; k++) {
      await session.run(data, target, { lr: 0.1 });
      const feeds: Record<string, ort.Tensor> = {
        [step.dataInputs[0].input]: new ort.Tensor(
          'float32',
          data.get(step.dataInputs[0].nodeId)!,
          step.dataInputs[0].shape,
        ),
        [step.target.input]: new ort.Tensor('float32', target, step.target.shape),
        [step.scalars.lr]: new ort.Tensor('float32', [0.1], []),
      };
      if (kind === 'adam') {
        feeds[step.scalars.biasCorrection1] = new ort.Tensor('float32', [1 - 0.9 ** k], []);
        feeds[step.scalars.biasCorrection2] = new ort.Tensor('float32', [1 - 0.999 ** k], []);
      }
      for (const p of step.params) feeds[p.input] = new ort.Tensor('float32', values.get(p.input)!, p.shape);
      for (const s of step.state) feeds[s.input] = new ort.Tensor('float32', values.get(s.input)!, s.shape);
      const out = await plain.run(feeds);
      for (const p of step.params) if (p.output) values.set(p.input, out[p.output].data as Float32Array);
      for (const s of step.state) values.set(s.input, out[s.output].data as Float32Array);
    }
    const expected: WeightMap = new Map();
    for (const p of step.params) {
      if (!expected.has(p.nodeId)) expected.set(p.nodeId, new Map());
      expected.get(p.nodeId)!.set(p.param, values.get(p.input)!);
    }
    assert.deepEqual(flat(session.weights()), flat(expected), kind);
    const state = session.exportState();
    for (const s of step.state)
      assert.deepEqual(Array.from(state.tensors[s.input]), Array.from(values.get(s.input)!));
    await session.release();
    await plain.release();
  }
});

test('weights() is a copy: changing it, or stepping on, leaves what was handed out alone', async () => {
  const { step, weights, data, target } = setup('momentum');
  const session = await StepSession.create(step, weights);
  await session.run(data, target, { lr: 0.1 });
  const before = session.weights();
  const snapshot = flat(before);
  for (let k = 0; k < 3; k++) await session.run(data, target, { lr: 0.1 });
  assert.deepEqual(flat(before), snapshot, 'three more steps (every buffer reused) did not change it');
  before.values().next().value!.values().next().value!.fill(123);
  assert.notDeepEqual(flat(session.weights()), flat(before));
  await session.release();
});

test('lastGoodWeights: the parameters the last step with a finite loss started from', async () => {
  const { step, weights, data, target } = setup('momentum');
  const session = await StepSession.create(step, weights);
  assert.deepEqual(
    flat(session.lastGoodWeights()),
    flat(session.weights()),
    'before any step: the current ones',
  );
  const seen: WeightMap[] = [];
  let loss = 0;
  // An absurd learning rate overflows the parameters within a few steps.
  for (let k = 0; k < 50 && Number.isFinite(loss); k++) {
    seen.push(session.weights());
    loss = (await session.run(data, target, { lr: 1e18 })).loss;
  }
  assert.ok(!Number.isFinite(loss), `the loss stayed finite (${loss})`);
  // seen.at(-1) is what the failing step read; the one before it gave a finite loss.
  assert.ok(seen.length >= 2, 'the very first step failed');
  assert.deepEqual(flat(session.lastGoodWeights()), flat(seen.at(-2)!));
  await session.release();
});

test('two copies of the parameters, buffers and optimizer state, through normal and diverging steps', async () => {
  const { step, weights, data, target } = setup('adam');
  const session = await StepSession.create(step, weights);
  const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1) * 4;
  const carried = [...step.params.filter((p) => p.output), ...step.state];
  assert.ok(step.state.length >= 2 * step.params.filter((p) => p.trainable).length, 'Adam: m and v');
  const twoCopies = 2 * carried.reduce((n, x) => n + size(x.shape), 0);
  const oneCopy = step.params.filter((p) => !p.output).reduce((n, p) => n + size(p.shape), 0);
  assert.equal(session.heldBytes(), twoCopies + oneCopy, 'after loading');
  for (const lr of [0.01, 0.01, 1e18, 1e18, 1e18, 1e18]) {
    await session.run(data, target, { lr });
    assert.equal(session.heldBytes(), twoCopies + oneCopy, `after a step at lr ${lr}`);
  }
  await session.release();
});
