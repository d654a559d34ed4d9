// Step-through mode: the probed train step's per-node outputs and dLoss/d(output) against the
// independent float64 reference (outputs by its forward pass, output gradients by central
// differences of the loss with that node's output replaced), the host's one-batch summary and
// per-node tensors, and the layer gradient check, which passes on correct gradients and fails on
// corrupted ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Graph, LossKind } from '../../engine/index.ts';
import {
  analyze,
  compileTrainStep,
  GraphBuilder,
  newDocument,
  oneHotTargets,
  resolveWeights,
  topologicalOrder,
  withBatch,
} from '../../engine/index.ts';
import { batches } from '../../engine/data/index.ts';
import { createRng } from '../../engine/data/random.ts';
import { loadTrainTest } from '../../host/data/index.ts';
import { resolveDataset } from '../../host/data/uploads.ts';
import { StepSession } from '../../host/training/session.ts';
import { StepThrough, tensorStats, tensorValues } from '../../host/training/stepThrough.ts';
import type { StepThroughSetup } from '../../protocol/stepThrough.ts';
import {
  layerCheckSchema,
  MAX_TENSOR_VALUES,
  nodeTensorsSchema,
  stepThroughSummarySchema,
} from '../../protocol/stepThrough.ts';
import type { Params, RefTensor } from '../helpers/reference.ts';
import { connectedHost } from '../helpers/host.ts';
import { lossForward, numericGradient, refTensor, referenceForward } from '../helpers/reference.ts';
import { refParams } from '../helpers/refParams.ts';
import { loadTemplate } from '../helpers/templates.ts';

/**
 * Every node's float64 output, with one node's output optionally replaced by `override` (so the
 * loss can be differentiated numerically with respect to that node's output).
 */
function referenceOutputs(
  graph: Graph,
  params: Record<string, Params>,
  feed: RefTensor,
  override?: { id: string; value: RefTensor },
): Record<string, RefTensor> {
  const outputs: Record<string, RefTensor> = {};
  for (const id of topologicalOrder(graph).order) {
    const node = graph.nodes.find((n) => n.id === id)!;
    const xs =
      node.type === 'Input'
        ? [feed]
        : graph.edges
            .filter((e) => e.target === id)
            .sort((a, b) => a.targetPort - b.targetPort)
            .map((e) => outputs[e.source]);
    outputs[id] =
      override?.id === id
        ? override.value
        : referenceForward(node.type, node.attributes, xs, params[id] ?? {}, 'train');
  }
  return outputs;
}

function sinkOf(graph: Graph): string {
  const fed = new Set(graph.edges.map((e) => e.source));
  return graph.nodes.find((n) => !fed.has(n.id))!.id;
}

/** Largest |a - b| relative to the reference tensor's largest magnitude (at least 1e-3). */
function relDiff(got: ArrayLike<number>, want: ArrayLike<number>): number {
  assert.equal(got.length, want.length);
  let scale = 1e-3;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  let d = 0;
  for (let i = 0; i < want.length; i++) d = Math.max(d, Math.abs(got[i] - want[i]));
  return d / scale;
}

async function checkProbesAgainstReference(graph0: Graph, loss: LossKind, batch: number, seed: number) {
  const graph = withBatch(graph0, batch);
  const analysis = analyze(graph);
  const weights = resolveWeights(analysis, undefined, seed);
  const step = compileTrainStep(graph0, { batchSize: batch, loss, probes: true });
  const input = step.dataInputs[0];
  const rng = createRng(seed + 1);
  const x = Float32Array.from({ length: input.shape.reduce((a, b) => a * b, 1) }, () => rng.normal());
  const outShape = step.target.shape;
  const width = outShape.slice(1).reduce((a, b) => a * b, 1);
  let target: Float32Array;
  let refTarget: RefTensor;
  if (loss === 'cross-entropy') {
    const labels = Int32Array.from({ length: batch }, () => rng.int(width));
    target = oneHotTargets(labels, width);
    refTarget = refTensor([batch], labels);
  } else {
    target = Float32Array.from({ length: batch * width }, () => rng.normal());
    refTarget = refTensor(outShape, target);
  }
  const session = await StepSession.create(step, weights, { seed });
  const r = await session.run(new Map([[input.nodeId, x]]), target, { lr: 0 });
  await session.release();

  const params = refParams(graph, weights);
  const feed = refTensor(input.shape, x);
  const ref = referenceOutputs(graph, params, feed);
  const sink = sinkOf(graph);
  assert.ok(Math.abs(r.loss - lossForward(loss, ref[sink], refTarget)) < 1e-5 * Math.max(1, r.loss));
  assert.deepEqual(
    step.outputs.probes.map((p) => p.nodeId),
    analysis.order,
    'one probe per node, in forward order',
  );
  let backwardChecked = 0;
  for (const p of step.outputs.probes) {
    const name = graph.nodes.find((n) => n.id === p.nodeId)!.name;
    const got = r.probes!.get(p.nodeId)!;
    assert.deepEqual(p.shape, ref[p.nodeId].shape, `${name}: probe shape`);
    assert.ok(relDiff(got.forward, ref[p.nodeId].data) < 1e-5, `${name}: forward output`);
    const isInput = graph.nodes.find((n) => n.id === p.nodeId)!.type === 'Input';
    assert.equal(got.backward === undefined, isInput, `${name}: a backward probe unless it is the Input`);
    if (!got.backward) continue;
    // dLoss/d(output) by central differences of the float64 loss with this node's output replaced.
    const value = refTensor(ref[p.nodeId].shape, ref[p.nodeId].data);
    const numeric = numericGradient(
      () =>
        lossForward(loss, referenceOutputs(graph, params, feed, { id: p.nodeId, value })[sink], refTarget),
      value.data,
    );
    const err = relDiff(got.backward, numeric);
    assert.ok(err < 1e-4, `${name}: dLoss/d(output) differs from finite differences by ${err}`);
    backwardChecked++;
  }
  assert.equal(backwardChecked, analysis.order.length - 1);
}

test('probes of a sigmoid MLP with MSE match the float64 reference: outputs and dLoss/d(output)', async () => {
  const b = new GraphBuilder();
  b.chain(b.input([4]), [
    ['Linear', { out_features: 5 }],
    ['Sigmoid'],
    ['Linear', { out_features: 3 }],
    ['Sigmoid'],
  ]);
  await checkProbesAgainstReference(b.graph, 'mse', 3, 7);
});

test('probes of a small conv net with a fan-out (gradients summed) match the float64 reference', async () => {
  const b = new GraphBuilder();
  const x = b.input([1, 6, 6]);
  const relu = b.chain(x, [['Conv2d', { out_channels: 2, kernel_size: 3, padding: 1 }], ['ReLU']]);
  const conv = b.add('Conv2d', { out_channels: 2, kernel_size: 3, padding: 1 }, relu);
  const sum = b.add('Add', {}, [relu, conv]);
  b.chain(sum, [['MaxPool2d', { kernel_size: 2 }], ['Flatten'], ['Linear', { out_features: 3 }]]);
  await checkProbesAgainstReference(b.graph, 'cross-entropy', 2, 11);
});

test('without probes the train step is unchanged: no extra outputs', () => {
  const b = new GraphBuilder();
  b.chain(b.input([4]), [['Linear', { out_features: 3 }]]);
  const plain = compileTrainStep(b.graph, { batchSize: 2, loss: 'mse' });
  const probed = compileTrainStep(b.graph, { batchSize: 2, loss: 'mse', probes: true });
  assert.deepEqual(plain.outputs.probes, []);
  assert.equal(probed.model.graph.outputs.length, plain.model.graph.outputs.length + 2 + 1);
  assert.throws(
    () => compileTrainStep(b.graph, { batchSize: 2, loss: 'mse', probes: true, optimizer: { kind: 'sgd' } }),
    /gradients-only/,
  );
});

test('tensor statistics and the size cap', () => {
  const s = tensorStats(Float32Array.from([3, -4, NaN, 0]));
  assert.deepEqual(s, {
    min: -4,
    max: 3,
    mean: -1 / 3,
    std: Math.sqrt(25 / 3 - 1 / 9),
    norm: 5,
    nonFinite: 1,
  });
  const big = tensorValues(new Float32Array(MAX_TENSOR_VALUES + 5).fill(1), [MAX_TENSOR_VALUES + 5]);
  assert.equal(big.truncated, true);
  assert.equal(big.data.length, MAX_TENSOR_VALUES);
  assert.deepEqual(tensorValues(Float32Array.from([1, Infinity]), [2]).data, [1, null]);
});

const mnistSetup = (batchSize: number): StepThroughSetup => ({
  dataset: { kind: 'mnist', limit: 300, seed: 3, normalize: 'standardize' },
  config: { epochs: 1, batchSize, loss: 'cross-entropy', optimizer: { kind: 'sgd' }, lr: 0.1, seed: 2 },
});

test('one LeNet-5 batch on MNIST: summary and tensors agree with the float64 reference', async () => {
  const doc = await loadTemplate('lenet5');
  const st = new StepThrough();
  await assert.rejects(
    () => Promise.resolve().then(() => st.tensors('step-1', 'x', 0)),
    /Run one batch first/,
  );
  const summary = stepThroughSummarySchema.parse(await st.run({ document: doc }, mnistSetup(128)));
  assert.equal(summary.batchSize, 64, 'the batch is capped at 64');
  assert.match(summary.weights, /initial weights a run would start from \(seed 2\)/);

  // The same batch and weights, independently: the first batch of the run's epoch-0 order.
  const setup = mnistSetup(64);
  const data = await loadTrainTest(resolveDataset(setup.dataset));
  const batch = batches(data.train, 64, { seed: 2, dropLast: true }).next().value!;
  assert.deepEqual(summary.labels, Array.from(batch.y));
  const graph = withBatch(doc.graph, 64);
  const analysis = analyze(graph);
  const params = refParams(graph, resolveWeights(analysis, undefined, 2));
  const ref = referenceOutputs(graph, params, refTensor([64, 1, 28, 28], batch.x));
  const sink = sinkOf(graph);
  const refLoss = lossForward('cross-entropy', ref[sink], refTensor([64], batch.y));
  assert.ok(Math.abs(summary.loss! - refLoss) < 1e-5, `loss ${summary.loss} vs ${refLoss}`);
  assert.deepEqual(
    summary.nodes.map((n) => n.id),
    analysis.order,
  );

  const conv = summary.nodes.find((n) => n.type === 'Conv2d')!;
  assert.deepEqual(conv.shape, [64, 6, 28, 28]);
  let norm = 0;
  for (const v of ref[conv.id].data) norm += v * v;
  assert.ok(Math.abs(conv.forward.norm! - Math.sqrt(norm)) < 1e-5 * Math.sqrt(norm));
  assert.ok(conv.backward && conv.backward.norm! > 0);
  assert.deepEqual(
    conv.params.map((p) => [p.param, p.shape]),
    [
      ['weight', [6, 1, 5, 5]],
      ['bias', [6]],
    ],
  );
  assert.equal(summary.nodes[0].backward, null, 'nothing flows back to the Input');

  const t = nodeTensorsSchema.parse(st.tensors(summary.stepId, conv.id, 5));
  assert.deepEqual(t.forward.shape, [6, 28, 28]);
  const per = 6 * 28 * 28;
  assert.ok(relDiff(t.forward.data as number[], ref[conv.id].data.subarray(5 * per, 6 * per)) < 1e-5);
  assert.equal(t.backward!.data.length, per);
  assert.equal(t.params[0].value.data.length, 150);
  assert.equal(t.params[0].grad!.data.length, 150);
  assert.throws(() => st.tensors(summary.stepId, conv.id, 64), /sample 64 is not one of them/);

  const check = layerCheckSchema.parse(await st.checkLayer(summary.stepId, conv.id));
  assert.ok(check.pass, JSON.stringify(check));
  assert.ok(check.params.every((p) => p.maxRelError! < 1e-2));
  await assert.rejects(
    st.checkLayer(summary.stepId, summary.nodes.find((n) => n.type === 'ReLU')!.id),
    /has no trainable parameters/,
  );
  const next = await st.run({ document: doc }, setup);
  assert.notEqual(next.stepId, summary.stepId);
  assert.throws(() => st.tensors(summary.stepId, conv.id, 0), /replaced by a newer one/);
});

test('the layer check fails when the analytic gradient is wrong', async () => {
  const b = new GraphBuilder();
  b.chain(b.input([2]), [['Linear', { out_features: 8 }], ['Tanh'], ['Linear', { out_features: 3 }]]);
  const doc = newDocument('blobs-mlp', b.graph);
  const st = new StepThrough();
  const summary = await st.run(
    { document: doc },
    {
      dataset: { kind: 'synthetic', generator: 'blobs', n: 200, classes: 3, seed: 4 },
      config: {
        epochs: 1,
        batchSize: 16,
        loss: 'cross-entropy',
        optimizer: { kind: 'sgd' },
        lr: 0.1,
        seed: 4,
      },
    },
  );
  const first = summary.nodes.find((n) => n.type === 'Linear')!;
  const good = await st.checkLayer(summary.stepId, first.id);
  assert.ok(good.pass, JSON.stringify(good));
  // A plausible bug: one element's gradient off by half of itself.
  const grad = st.heldGradients(summary.stepId).get(first.id)!.get('weight')!;
  let worst = 0;
  for (let i = 1; i < grad.length; i++) if (Math.abs(grad[i]) > Math.abs(grad[worst])) worst = i;
  grad[worst] *= 1.5;
  const bad = await st.checkLayer(summary.stepId, first.id);
  assert.equal(bad.pass, false);
  const weight = bad.params.find((p) => p.param === 'weight')!;
  assert.equal(weight.pass, false);
  assert.ok(weight.maxRelError! > 0.2, `relative error ${weight.maxRelError}`);
  assert.equal(weight.worst.index, worst);
  assert.ok(bad.params.find((p) => p.param === 'bias')!.pass, 'the untouched bias still passes');
});

test('over the HostApi: a finished run’s weights are used, and errors name what to do', async () => {
  const b = new GraphBuilder();
  b.chain(b.input([2]), [['Linear', { out_features: 3 }]]);
  const doc = newDocument('tiny', b.graph);
  // The "trained" weights: the initial ones doubled, so the run's and the document's differ by 2x.
  const { service, client, finished } = connectedHost({
    train: async ({ start }) => ({
      weights: new Map(
        [...start!.weights].map(([id, params]) => [
          id,
          new Map([...params].map(([p, v]) => [p, Float32Array.from(v, (x) => 2 * x)])),
        ]),
      ),
      history: [],
    }),
  });
  const blobs = { kind: 'synthetic', generator: 'blobs', n: 100, classes: 3, seed: 1 } as const;
  const setup: StepThroughSetup = {
    dataset: blobs,
    config: { epochs: 1, batchSize: 8, loss: 'cross-entropy', optimizer: { kind: 'sgd' }, lr: 0.1, seed: 1 },
  };
  await assert.rejects(
    client.stepThroughTensors({ stepId: 'step-1', nodeId: 'linear_1', sample: 0 }),
    /Run one batch first/,
  );
  const own = await client.stepThroughBatch({ document: doc }, setup);
  const { runId } = await client.startTraining({ document: doc, ...setup });
  await finished(runId);
  const trained = await client.stepThroughBatch({ runId }, setup);
  assert.match(trained.weights, new RegExp(`the weights of ${runId}`));
  const norm = (s: typeof own) => s.nodes.find((n) => n.type === 'Linear')!.params[0].value.norm!;
  assert.ok(Math.abs(norm(trained) - 2 * norm(own)) < 1e-5 * norm(own));
  await assert.rejects(
    client.gradcheckLayer({ stepId: trained.stepId, nodeId: 'input_1' }),
    /no trainable parameters/,
  );
  await assert.rejects(
    client.stepThroughBatch(
      { document: newDocument('empty', b.graph) },
      { ...setup, dataset: { ...blobs, classes: 4 } },
    ),
    /4 classes/,
  );
  service.close();
});
