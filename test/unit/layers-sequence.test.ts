// The sequence layers (Embedding, Upsample, LSTM, GRU, MultiheadAttention) against real PyTorch 1.13: parameter counts
// for several settings, and for each case a module with random weights exported by PyTorch to ONNX
// that imports as the layer (no opaque op), runs forward to PyTorch's output (<= 1e-5) in our
// exported inference model and our train step, and gives PyTorch's gradients (<= 1e-4 relative).
// PyTorch runs once for the whole file (test/helpers/torch_layers.py).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AttrValue, Graph } from '../../engine/index.ts';
import {
  analyze,
  compileTrainStep,
  exportInference,
  GraphBuilder,
  newDocument,
  resolveWeights,
} from '../../engine/index.ts';
import { decodeModel, encodeModel, importOnnx, type ImportResult } from '../../engine/onnx/index.ts';
import { DataType } from '../../engine/onnx/types.ts';
import { StepSession } from '../../host/training/session.ts';
import { runModel } from '../helpers/ort.ts';
import { needTorch, runPythonJson } from '../helpers/python.ts';
import { repoRoot } from '../helpers/templates.ts';
import { tempDir } from '../helpers/tempDir.ts';

interface Case {
  name: string;
  layer: string;
  /** The PyTorch constructor, e.g. nn.Embedding(11, 4). */
  module: string;
  /** Full input shape, batch first. */
  input: number[];
  /** Integer ids in [0, ids) instead of normal floats. */
  ids?: number;
  seed: number;
  /** Attributes PyTorch's export does not record, set on the imported node as a user would. */
  set?: Record<string, AttrValue>;
  /**
   * Build the layer with these attributes and PyTorch's weights instead of importing the export
   * (a stacked LSTM imports as one layer per PyTorch layer).
   */
  build?: Record<string, AttrValue>;
  /** nn.MultiheadAttention called as self-attention, optionally with the causal mask. */
  attention?: 'self' | 'causal';
  /**
   * A bigger module: the export imports as these layer types (Input first), and the parameters and
   * gradients compared are the case's layer's, under this state_dict prefix.
   */
  within?: { types: string[]; prefix: string };
}

interface Count {
  module: string;
  layer: string;
  attributes: Record<string, AttrValue>;
  /** Per-sample input shape. */
  input: number[];
}

interface TorchCase {
  params: Record<string, number[]>;
  x: number[];
  y: number[];
  yShape: number[];
  target: number[];
  loss: number;
  grads: Record<string, number[]>;
  inputGrad: number[] | null;
  onnx: string;
}

const CASES: Case[] = [
  { name: 'embedding', layer: 'Embedding', module: 'nn.Embedding(11, 4)', input: [3, 6], ids: 11, seed: 1 },
  {
    name: 'embedding_padding',
    layer: 'Embedding',
    module: 'nn.Embedding(6, 3, padding_idx=2)',
    input: [4, 7],
    ids: 6,
    seed: 2,
    set: { padding_idx: 2 },
  },
  {
    name: 'upsample_nearest',
    layer: 'Upsample',
    module: 'nn.Upsample(scale_factor=2)',
    input: [2, 3, 4, 5],
    seed: 3,
  },
  {
    name: 'upsample_bilinear',
    layer: 'Upsample',
    module: "nn.Upsample(scale_factor=(2, 3), mode='bilinear')",
    input: [2, 2, 5, 4],
    seed: 4,
  },
  {
    name: 'upsample_corners',
    layer: 'Upsample',
    module: "nn.Upsample(scale_factor=3, mode='bilinear', align_corners=True)",
    input: [1, 2, 4, 3],
    seed: 5,
  },
  { name: 'lstm', layer: 'LSTM', module: 'nn.LSTM(3, 5, batch_first=True)', input: [2, 6, 3], seed: 6 },
  { name: 'lstm_time_first', layer: 'LSTM', module: 'nn.LSTM(4, 3)', input: [5, 2, 4], seed: 7 },
  {
    name: 'lstm_stacked',
    layer: 'LSTM',
    module: 'nn.LSTM(3, 4, num_layers=2, bias=False, batch_first=True)',
    input: [3, 5, 3],
    seed: 8,
    build: { hidden_size: 4, num_layers: 2, bias: false },
  },
  { name: 'gru', layer: 'GRU', module: 'nn.GRU(3, 5, batch_first=True)', input: [2, 6, 3], seed: 9 },
  { name: 'gru_no_bias', layer: 'GRU', module: 'nn.GRU(2, 3, bias=False)', input: [4, 3, 2], seed: 10 },
  {
    name: 'gru_bidirectional',
    layer: 'GRU',
    module: 'nn.GRU(3, 4, batch_first=True, bidirectional=True)',
    input: [2, 5, 3],
    seed: 12,
  },
  {
    name: 'lstm_bidirectional',
    layer: 'LSTM',
    module: 'nn.LSTM(2, 3, bidirectional=True)',
    input: [4, 3, 2],
    seed: 13,
  },
  {
    name: 'lstm_bidirectional_stacked',
    layer: 'LSTM',
    module: 'nn.LSTM(3, 2, num_layers=2, batch_first=True, bidirectional=True)',
    input: [2, 4, 3],
    seed: 14,
    build: { hidden_size: 2, num_layers: 2, bidirectional: true },
  },
  {
    name: 'gru_stacked',
    layer: 'GRU',
    module: 'nn.GRU(3, 4, num_layers=2, batch_first=True)',
    input: [2, 5, 3],
    seed: 11,
    build: { hidden_size: 4, num_layers: 2 },
  },
  // PyTorch 1.13 writes attention time first inside, with shape arithmetic (families/attention.ts).
  {
    name: 'attention',
    layer: 'MultiheadAttention',
    module: 'nn.MultiheadAttention(8, 2, batch_first=True)',
    input: [3, 5, 8],
    seed: 15,
    attention: 'self',
  },
  {
    name: 'attention_causal',
    layer: 'MultiheadAttention',
    module: 'nn.MultiheadAttention(6, 3, bias=False, batch_first=True)',
    input: [2, 4, 6],
    seed: 16,
    attention: 'causal',
  },
  {
    name: 'attention_time_first',
    layer: 'MultiheadAttention',
    module: 'nn.MultiheadAttention(4, 1)',
    input: [6, 2, 4],
    seed: 17,
    attention: 'self',
  },
  // A whole encoder block: attention, residual Adds, LayerNorms and the feed-forward all import.
  ...[true, false].map((batchFirst, i): Case => ({
    name: `encoder_layer_${batchFirst ? 'batch' : 'time'}_first`,
    layer: 'MultiheadAttention',
    module: `nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=${batchFirst ? 'True' : 'False'})`,
    input: [2, 5, 8],
    seed: 18 + i,
    within: {
      types: [
        'Input',
        'MultiheadAttention',
        'Add',
        'LayerNorm',
        'Linear',
        'ReLU',
        'Linear',
        'Add',
        'LayerNorm',
      ],
      prefix: 'self_attn_',
    },
  })),
];

const COUNTS: Count[] = [
  {
    module: 'nn.Embedding(65, 32)',
    layer: 'Embedding',
    attributes: { num_embeddings: 65, embedding_dim: 32 },
    input: [10],
  },
  {
    module: 'nn.Embedding(1000, 7, padding_idx=0)',
    layer: 'Embedding',
    attributes: { num_embeddings: 1000, embedding_dim: 7, padding_idx: 0 },
    input: [3, 4],
  },
  {
    module: "nn.Upsample(scale_factor=2, mode='bilinear')",
    layer: 'Upsample',
    attributes: { mode: 'bilinear' },
    input: [3, 4, 4],
  },
  { module: 'nn.LSTM(10, 20)', layer: 'LSTM', attributes: { hidden_size: 20 }, input: [7, 10] },
  {
    module: 'nn.LSTM(10, 20, num_layers=3, bias=False)',
    layer: 'LSTM',
    attributes: { hidden_size: 20, num_layers: 3, bias: false },
    input: [7, 10],
  },
  { module: 'nn.GRU(10, 20)', layer: 'GRU', attributes: { hidden_size: 20 }, input: [7, 10] },
  {
    module: 'nn.LSTM(10, 20, num_layers=2, bidirectional=True)',
    layer: 'LSTM',
    attributes: { hidden_size: 20, num_layers: 2, bidirectional: true },
    input: [7, 10],
  },
  {
    module: 'nn.GRU(5, 6, num_layers=3, bias=False, bidirectional=True)',
    layer: 'GRU',
    attributes: { hidden_size: 6, num_layers: 3, bias: false, bidirectional: true },
    input: [7, 5],
  },
  {
    module: 'nn.GRU(6, 9, num_layers=2, bias=False)',
    layer: 'GRU',
    attributes: { hidden_size: 9, num_layers: 2, bias: false },
    input: [7, 6],
  },
  {
    module: 'nn.MultiheadAttention(32, 4)',
    layer: 'MultiheadAttention',
    attributes: { embed_dim: 32, num_heads: 4 },
    input: [10, 32],
  },
  {
    module: 'nn.MultiheadAttention(12, 3, bias=False)',
    layer: 'MultiheadAttention',
    attributes: { embed_dim: 12, num_heads: 3, bias: false },
    input: [5, 12],
  },
];

let torchResult: { cases: Record<string, TorchCase>; counts: number[] } | undefined;
function fromTorch(t: TestContext) {
  if (!needTorch(t)) return null;
  torchResult ??= runPythonJson(readFileSync(join(repoRoot, 'test', 'helpers', 'torch_layers.py'), 'utf8'), [
    tempDir('nw-seq-'),
    JSON.stringify({ cases: CASES, counts: COUNTS.map((c) => c.module) }),
  ]);
  return torchResult;
}

/** Largest |a - b| over the largest |b| (floored at 1e-3 so all-zero gradients compare absolutely). */
function relative(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'sizes');
  let worst = 0;
  let scale = 1e-3;
  for (let i = 0; i < b.length; i++) {
    worst = Math.max(worst, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return worst / scale;
}

/** The imported model with the attributes the export lost set on the layer's node. */
function withSettings(result: Pick<ImportResult, 'doc'>, c: Case): Graph {
  return {
    ...result.doc.graph,
    nodes: result.doc.graph.nodes.map((n) =>
      n.type === c.layer ? { ...n, attributes: { ...n.attributes, ...c.set } } : n,
    ),
  };
}

/** PyTorch's export imported: an Input and the layer (PyTorch names its output by an Identity). */
function importedLayer(c: Case, r: TorchCase): Pick<ImportResult, 'doc' | 'weights'> {
  const imported = importOnnx(decodeModel(new Uint8Array(readFileSync(r.onnx))), { name: c.name });
  const types = imported.doc.graph.nodes.map((n) => n.type).filter((type) => type !== 'Identity');
  assert.deepEqual(types, c.within?.types ?? ['Input', c.layer], `imports as ${types.join(', ')}`);
  return imported;
}

/** The layer built with the case's attributes, holding PyTorch's weights. */
function built(c: Case, r: TorchCase): Pick<ImportResult, 'doc' | 'weights'> {
  const b = new GraphBuilder();
  const id = b.add(c.layer, c.build, [b.input(c.input.slice(1))]);
  const params = Object.entries(r.params).map(([k, v]) => [k, Float32Array.from(v)] as const);
  return { doc: newDocument(c.name, b.graph), weights: new Map([[id, new Map(params)]]) };
}

for (const [i, count] of COUNTS.entries())
  test(`${count.module} has PyTorch's parameter count`, (t) => {
    const torch = fromTorch(t);
    if (!torch) return;
    const b = new GraphBuilder();
    const id = b.add(count.layer, count.attributes, [b.input(count.input)]);
    assert.equal(analyze(b.graph).nodes.get(id)!.params, torch.counts[i]);
  });

for (const c of CASES)
  test(`${c.module} ${c.build ? "built with PyTorch's weights" : `from PyTorch's ONNX export imports as ${c.layer}`}: PyTorch's output and gradients`, async (t) => {
    const torch = fromTorch(t);
    if (!torch) return;
    const r = torch.cases[c.name];
    const imported = c.build ? built(c, r) : importedLayer(c, r);
    const layerId = imported.doc.graph.nodes.find((n) => n.type === c.layer)!.id;
    const own = (named: Record<string, number[]>) =>
      Object.entries(named)
        .filter(([name]) => !c.within || name.startsWith(c.within.prefix))
        .map(([name, v]) => [name.slice(c.within?.prefix.length ?? 0), v] as const);
    for (const [name, values] of own(r.params))
      assert.deepEqual([...imported.weights.get(layerId)!.get(name)!], values.map(Math.fround), name);

    // Forward: our inference export in onnxruntime, fed as the file declares its input.
    const ours = encodeModel(exportInference(imported.doc, { weights: imported.weights }));
    const input = decodeModel(ours).graph.inputs[0];
    const type = input.type?.kind === 'tensor' ? input.type.elemType : DataType.FLOAT;
    const data = type === DataType.INT64 ? BigInt64Array.from(r.x.map(BigInt)) : Float32Array.from(r.x);
    const out = await runModel(ours, { [input.name]: { dims: c.input, data } });
    const y = Object.values(out)[0];
    assert.deepEqual(y.dims, r.yShape);
    assert.ok(relative(y.data, r.y) <= 1e-5, `forward differs by ${relative(y.data, r.y)}`);

    // Train step: the same forward, the loss and PyTorch's gradients.
    const graph = withSettings(imported, c);
    const step = compileTrainStep(graph, { batchSize: c.input[0], loss: 'mse', inputGradients: !c.ids });
    const session = await StepSession.create(step, imported.weights);
    const res = await session.run(
      new Map([[step.dataInputs[0].nodeId, Float32Array.from(r.x)]]),
      Float32Array.from(r.target),
      {
        lr: 0,
      },
    );
    await session.release();
    assert.ok(
      relative(res.prediction, r.y) <= 1e-5,
      `train-step forward differs by ${relative(res.prediction, r.y)}`,
    );
    assert.ok(Math.abs(res.loss - r.loss) <= 1e-5 * Math.max(1, r.loss), `loss ${res.loss} vs ${r.loss}`);
    if (r.inputGrad) {
      const dx = res.inputGrads!.get(step.dataInputs[0].nodeId)!;
      assert.ok(relative(dx, r.inputGrad) <= 1e-4, `input gradient differs by ${relative(dx, r.inputGrad)}`);
    }
    for (const [name, g] of own(r.grads)) {
      const ours = res.grads!.get(layerId)!.get(name)!;
      assert.ok(relative(ours, g) <= 1e-4, `${name} gradient differs by ${relative(ours, g)}`);
    }
  });

test('MultiheadAttention dropout drops attention weights while training only', async () => {
  const losses: number[] = [];
  const outputs: Float32Array[] = [];
  for (const dropout of [0, 0.5]) {
    const b = new GraphBuilder();
    b.chain(b.input([5, 8]), [
      ['MultiheadAttention', { embed_dim: 8, num_heads: 2, dropout }],
      ['Flatten'],
      ['Linear', { out_features: 3 }],
    ]);
    const weights = resolveWeights(analyze(b.graph), undefined, 1);
    const step = compileTrainStep(b.graph, { batchSize: 4, loss: 'cross-entropy' });
    assert.equal(step.masks.length, dropout ? 1 : 0, 'one mask input, (N, heads, L, L), when dropping');
    const session = await StepSession.create(step, weights);
    const x = Float32Array.from({ length: 4 * 40 }, (_, i) => Math.sin(i));
    const target = Float32Array.from({ length: 12 }, (_, i) => (i % 4 === 0 ? 1 : 0));
    const res = await session.run(new Map([[step.dataInputs[0].nodeId, x]]), target, { lr: 0 });
    await session.release();
    losses.push(res.loss);
    const doc = newDocument('attention', b.graph);
    const model = encodeModel(exportInference(doc, { weights }));
    const input = decodeModel(model).graph.inputs[0].name;
    outputs.push(Object.values(await runModel(model, { [input]: { dims: [4, 5, 8], data: x } }))[0].data);
  }
  assert.ok(
    Number.isFinite(losses[1]) && Math.abs(losses[1] - losses[0]) > 1e-6,
    `losses ${losses.join(', ')}`,
  );
  assert.deepEqual(outputs[1], outputs[0], 'inference ignores dropout');
});

test('MultiheadAttention with a fixed dropout mask: the input gradient equals central differences of the loss', async () => {
  const b = new GraphBuilder();
  b.chain(b.input([4, 6]), [
    ['MultiheadAttention', { embed_dim: 6, num_heads: 2, dropout: 0.5, is_causal: true }],
    ['Flatten'],
    ['Linear', { out_features: 3 }],
  ]);
  const weights = resolveWeights(analyze(b.graph), undefined, 2);
  const step = compileTrainStep(b.graph, { batchSize: 2, loss: 'cross-entropy', inputGradients: true });
  const [mask] = step.masks;
  // Each weight kept (x2) or dropped, alternating irregularly.
  const fixed = new Map([
    [mask.nodeId, Float32Array.from({ length: 2 * 2 * 4 * 4 }, (_, i) => ((i * 7) % 3 ? 2 : 0))],
  ]);
  const session = await StepSession.create(step, weights);
  const id = step.dataInputs[0].nodeId;
  const x = Float32Array.from({ length: 2 * 24 }, (_, i) => Math.cos(1.3 * i));
  const target = Float32Array.from([1, 0, 0, 0, 0, 1]);
  const loss = async (v: Float32Array) =>
    (await session.run(new Map([[id, v]]), target, { lr: 0 }, fixed)).loss;
  const dx = (await session.run(new Map([[id, x]]), target, { lr: 0 }, fixed)).inputGrads!.get(id)!;
  const eps = 1e-2;
  for (const i of [0, 5, 13, 30, 47]) {
    const up = Float32Array.from(x);
    const down = Float32Array.from(x);
    up[i] += eps;
    down[i] -= eps;
    const numeric = ((await loss(up)) - (await loss(down))) / (2 * eps);
    assert.ok(
      Math.abs(numeric - dx[i]) <= 2e-3 + 2e-2 * Math.abs(numeric),
      `x[${i}]: ${dx[i]} vs ${numeric}`,
    );
  }
  await session.release();
});
