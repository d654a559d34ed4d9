// Gradient contract, generated from the layer registry: for every layer with a gradient rule and
// the spread of attribute values its file declares (`gradientCases`), the train-step graph's
// analytic gradients (onnxruntime, float32) match central finite differences of an independent
// float64 reference (test/helpers/reference).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GradientCase, Graph, WeightMap } from '../../engine/index.ts';
import {
  addNode,
  allLayers,
  analyze,
  compileTrainStep,
  connect,
  emptyGraph,
  getLayer,
  isEditError,
  lossValue,
  withBatch,
} from '../../engine/index.ts';
import { StepSession } from '../../host/training/session.ts';
import type { RefTensor } from '../helpers/reference.ts';
import {
  lossForward,
  mulberry32,
  randomIds,
  randomTensor,
  REFERENCE,
  referenceForward,
  refTensor,
  withDefaults,
} from '../helpers/reference.ts';

type Case = GradientCase;

function layerGraph(type: string, c: Case): Graph {
  let g: Graph = emptyGraph;
  const ok = (x: Graph | { error: string }) => {
    if (isEditError(x)) throw new Error(x.error);
    return x;
  };
  c.inputs.forEach(
    (shape, i) =>
      (g = ok(addNode(g, { type: 'Input', id: `in${i}`, attributes: { shape: shape.slice(1) } }))),
  );
  g = ok(addNode(g, { type, id: 'layer', name: 'layer', attributes: c.attributes }));
  c.inputs.forEach((_, i) => (g = ok(connect(g, { source: `in${i}`, target: 'layer', targetPort: i }))));
  return g;
}

const f32 = (t: RefTensor) => Float32Array.from(t.data);
/** Round to float32 so onnxruntime and the reference see the same numbers. */
const rounded = (t: RefTensor): RefTensor => ({
  shape: t.shape,
  data: Float64Array.from(Float32Array.from(t.data)),
});

/** |analytic - numeric| relative to their size, with a floor for near-zero gradients. */
const relErr = (a: number, n: number) => Math.abs(a - n) / Math.max(Math.abs(a) + Math.abs(n), 1e-2);

async function checkCase(type: string, c: Case, seed: number): Promise<number> {
  const batch = c.inputs[0][0];
  const graph = withBatch(layerGraph(type, c), batch);
  const analysis = analyze(graph);
  assert.deepEqual(
    analysis.diagnostics.filter((d) => d.severity === 'error'),
    [],
    `${type} ${JSON.stringify(c.attributes)}`,
  );
  const rng = mulberry32(seed);
  // Ports that take ids (Embedding) get whole numbers in range; they have no gradient.
  const idPorts = getLayer(type)!.indexInputs?.(withDefaults(type, c.attributes) as never) ?? [];
  const inputs = c.inputs.map((s, i) =>
    idPorts[i] ? randomIds(s, rng, idPorts[i]) : rounded(randomTensor(s, rng, c.inputScale)),
  );
  const params: Record<string, RefTensor> = {};
  for (const p of analysis.nodes.get('layer')!.parameters)
    // A buffer that starts at one is a variance: it must stay positive (random values need not).
    params[p.name] =
      p.role === 'buffer' && p.init === 'ones'
        ? refTensor(p.shape, new Float64Array(p.shape.reduce((a, b) => a * b, 1)).fill(1))
        : rounded(randomTensor(p.shape, rng));
  const outShape = analysis.nodes.get('layer')!.outputShape as number[];
  const target = rounded(randomTensor(outShape, rng));
  const step = compileTrainStep(graph, { batchSize: batch, loss: 'mse', inputGradients: true });
  // A layer with a per-step mask input (Dropout) gets a fixed one, scaled by 1/(1-p) as fed.
  const maskSlot = step.masks.find((m) => m.nodeId === 'layer');
  const mask =
    maskSlot &&
    refTensor(
      maskSlot.shape,
      Float64Array.from({ length: maskSlot.shape.reduce((a, b) => a * b, 1) }, () =>
        rng() < 1 - maskSlot.p ? 1 / (1 - maskSlot.p) : 0,
      ).map((v) => Math.fround(v)),
    );

  const weights: WeightMap = new Map([
    ['layer', new Map(Object.entries(params).map(([k, v]) => [k, f32(v)]))],
  ]);
  const session = await StepSession.create(step, weights);
  const data = new Map(inputs.map((t, i) => [`in${i}`, f32(t)]));
  const masks = mask ? new Map([['layer', f32(mask)]]) : undefined;
  const r = await session.run(data, f32(target), { lr: 0 }, masks);
  await session.release();

  const loss = () =>
    lossForward(
      'mse',
      referenceForward(type, c.attributes, inputs, params, 'train', {
        dropoutMask: mask && { shape: mask.shape, data: mask.data.map((v) => (v > 0 ? 1 : 0)) },
      }),
      target,
    );
  assert.ok(
    Math.abs(r.loss - loss()) <= 1e-4 * Math.max(1, Math.abs(loss())),
    `${type}: loss ${r.loss} vs reference ${loss()}`,
  );

  let worst = 0;
  const check = (label: string, values: Float64Array, analytic: Float32Array) => {
    assert.equal(analytic.length, values.length, `${label}: gradient size`);
    const pick = mulberry32(seed + 7);
    const indices =
      values.length <= 24
        ? [...values.keys()]
        : Array.from({ length: 24 }, () => Math.floor(pick() * values.length));
    for (const i of indices) {
      const keep = values[i];
      const eps = 1e-5;
      values[i] = keep + eps;
      const up = loss();
      values[i] = keep - eps;
      const down = loss();
      values[i] = keep;
      const numeric = (up - down) / (2 * eps);
      const e = relErr(analytic[i], numeric);
      worst = Math.max(worst, e);
      assert.ok(
        e < 2e-3,
        `${type} ${JSON.stringify(c.attributes)} ${label}[${i}]: analytic ${analytic[i]} vs numeric ${numeric}`,
      );
    }
  };
  inputs.forEach((t, i) => {
    if (!idPorts[i]) check(`input ${i}`, t.data, r.inputGrads!.get(`in${i}`)!);
  });
  for (const p of step.params.filter((p) => p.trainable))
    check(p.param, params[p.param].data, r.grads!.get('layer')!.get(p.param)!);
  return worst;
}

const trainable = allLayers().filter((l) => l.gradient);

test('every layer with a gradient rule declares gradient cases and has a reference', () => {
  const missing = trainable.filter((l) => !l.gradientCases?.length).map((l) => l.type);
  assert.deepEqual(missing, [], 'add gradientCases to these layer files');
  const unreferenced = trainable.filter((l) => !REFERENCE[l.type]).map((l) => l.type);
  assert.deepEqual(unreferenced, [], 'add these layers to test/helpers/reference/registry.ts');
});

for (const def of trainable)
  for (const [i, c] of (def.gradientCases ?? []).entries())
    test(`${def.type} gradient ${i + 1}: ${JSON.stringify(c.attributes)} on ${c.inputs.map((s) => s.join('x')).join(', ')}`, async () => {
      await checkCase(def.type, c, 1000 + i);
    });

test('cross-entropy on a (N, C, H, W) output averages over batch and positions, as PyTorch does', async () => {
  // Conv2d with 3 output "classes" at every position of a 2x2 map; loss checked against the
  // float64 reference (mean over N*H*W), gradients by finite differences.
  const c: Case = { attributes: { out_channels: 3, kernel_size: 1 }, inputs: [[2, 2, 2, 2]] };
  const graph = withBatch(layerGraph('Conv2d', c), 2);
  const step = compileTrainStep(graph, { batchSize: 2, loss: 'cross-entropy', inputGradients: true });
  const rng = mulberry32(5);
  const x = rounded(randomTensor([2, 2, 2, 2], rng));
  const params = { weight: rounded(randomTensor([3, 2, 1, 1], rng)), bias: rounded(randomTensor([3], rng)) };
  const target = refTensor([2, 3, 2, 2]);
  for (let b = 0; b < 2; b++) for (let j = 0; j < 4; j++) target.data[(b * 3 + ((b + j) % 3)) * 4 + j] = 1;
  const weights: WeightMap = new Map([
    ['layer', new Map(Object.entries(params).map(([k, v]) => [k, f32(v)]))],
  ]);
  const session = await StepSession.create(step, weights);
  const r = await session.run(new Map([['in0', f32(x)]]), f32(target), { lr: 0 });
  await session.release();
  const labels = refTensor(
    [2, 2, 2],
    Float64Array.from({ length: 8 }, (_, i) => (Math.floor(i / 4) + (i % 4)) % 3),
  );
  const expected = lossForward(
    'cross-entropy',
    referenceForward('Conv2d', c.attributes, [x], params, 'train'),
    labels,
  );
  assert.ok(Math.abs(r.loss - expected) < 1e-5, `loss ${r.loss} vs reference ${expected}`);
  assert.ok(Math.abs(lossValue('cross-entropy', r.prediction, f32(target), [2, 3, 2, 2]) - expected) < 1e-5);
});
