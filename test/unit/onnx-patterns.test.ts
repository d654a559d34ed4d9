// Import patterns that span several ONNX nodes or depend on the opset, on small hand-made models:
// the layers they must become, and the export computing what the original computes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, GraphBuilder, newDocument, perSampleElements } from '../../engine/index.ts';
import { addDims, divDims, mulDims } from '../../engine/tensor/symbolic.ts';
import {
  decodeModel,
  encodeModel,
  float32Tensor,
  int64Tensor,
  type OnnxModel,
  type OnnxNode,
} from '../../engine/onnx/proto.ts';
import { exportInference } from '../../engine/onnx/export.ts';
import { importOnnx } from '../../engine/onnx/import.ts';
import { maxDifference, runModel } from '../helpers/ort.ts';
import { prng } from '../helpers/onnxCases.ts';

type Attr = OnnxNode['attributes'][number];
const ints = (name: string, value: number[]): Attr => ({ name, type: 'INTS', value });
const int = (name: string, value: number): Attr => ({ name, type: 'INT', value });
const flt = (name: string, value: number): Attr => ({ name, type: 'FLOAT', value: Math.fround(value) });
const node = (opType: string, inputs: string[], outputs: string[], attributes: Attr[] = []): OnnxNode => ({
  opType,
  domain: '',
  name: '',
  inputs,
  outputs,
  attributes,
});
const info = (name: string, shape: (number | string)[]) => ({
  name,
  type: {
    kind: 'tensor' as const,
    elemType: 1 as const,
    shape: shape.map((d) => (typeof d === 'number' ? { value: d } : { param: d })),
  },
});
const random = (n: number, seed: number, scale = 1) => {
  const r = prng(seed);
  return Float32Array.from({ length: n }, () => (r() * 2 - 1) * scale);
};
function model(
  opset: number,
  nodes: OnnxNode[],
  inputShape: (number | string)[],
  init: OnnxModel['graph']['initializers'] = [],
): OnnxModel {
  return {
    irVersion: opset >= 13 ? 7 : 6,
    opsetImport: [{ domain: '', version: opset }],
    graph: {
      name: 'p',
      nodes,
      initializers: init,
      inputs: [info('x', inputShape)],
      outputs: [{ name: 'y' }],
      valueInfo: [],
    },
  };
}

/** Imports, checks the layers, exports and compares with the original on a batch of 3. */
async function check(
  m: OnnxModel,
  layers: Record<string, number>,
  opaque: Record<string, number> = {},
  tol = 1e-5,
) {
  const { doc, weights, report } = importOnnx(m);
  const { Input: _i, Identity: _d, ...made } = report.layers;
  assert.deepEqual(made, layers, 'layers');
  assert.deepEqual(report.opaque, opaque, 'ONNX ops kept');
  const a = analyze(doc.graph);
  assert.ok(
    doc.graph.nodes.every((n) => a.nodes.get(n.id)!.outputShape),
    'every shape known',
  );
  const shape = (m.graph.inputs[0].type as { shape: { value?: number }[] }).shape.map((d) => d.value ?? 3);
  const x = {
    dims: shape,
    data: random(
      shape.reduce((p, q) => p * q, 1),
      4,
    ),
  };
  const want = await runModel(encodeModel(m), { x }, { logSeverityLevel: 3 });
  const got = await runModel(encodeModel(exportInference(doc, { weights })), { x });
  assert.deepEqual(got.y.dims, want.y.dims);
  const d = maxDifference(got.y.data, want.y.data);
  assert.ok(d.maxRel <= tol || d.maxAbs <= tol, `max relative ${d.maxRel}`);
  return doc;
}

test("PyTorch's x.view(x.size(0), -1) (Shape, Gather, Unsqueeze, Concat, Reshape) with a symbolic batch is a Flatten", async () => {
  const m = model(
    11,
    [
      node('Relu', ['x'], ['r']),
      node('Shape', ['r'], ['s']),
      node('Gather', ['s', 'zero'], ['n'], [int('axis', 0)]),
      node('Unsqueeze', ['n'], ['n1'], [ints('axes', [0])]),
      node('Concat', ['n1', 'minus1'], ['target'], [int('axis', 0)]),
      node('Reshape', ['r', 'target'], ['flat']),
      node('Gemm', ['flat', 'w', 'b'], ['y'], [int('transB', 1)]),
    ],
    ['batch', 2, 3, 4],
    [
      int64Tensor('zero', [], [0]),
      int64Tensor('minus1', [1], [-1]),
      float32Tensor('w', [5, 24], random(120, 1)),
      float32Tensor('b', [5], random(5, 2)),
    ],
  );
  const doc = await check(m, { ReLU: 1, Flatten: 1, Linear: 1 });
  const linear = doc.graph.nodes.find((n) => n.type === 'Linear')!;
  assert.deepEqual(analyze(doc.graph).nodes.get(linear.id)!.outputShape, ['N', 5]);
});

test('MatMul by a constant then Add of a bias, on a 3-D input, is one Linear', async () => {
  const m = model(
    13,
    [node('MatMul', ['x', 'w'], ['h']), node('Add', ['h', 'b'], ['y'])],
    ['batch', 4, 6],
    [float32Tensor('w', [6, 3], random(18, 3)), float32Tensor('b', [3], random(3, 4))],
  );
  await check(m, { Linear: 1 });
});

test('Gemm with transB 0 is a Linear whose weight is transposed to [out, in]', async () => {
  const m = model(
    13,
    [node('Gemm', ['x', 'w', 'b'], ['y'])],
    [2, 6],
    [float32Tensor('w', [6, 3], random(18, 5)), float32Tensor('b', [1, 3], random(3, 6))],
  );
  const { weights } = importOnnx(m);
  const w = [...weights.values()][0].get('weight')!;
  const original = random(18, 5);
  assert.equal(w[1], original[3]); // [out=0, in=1] comes from [in=1, out=0]
  await check(m, { Linear: 1 });
});

test('GELU written with Erf, as PyTorch exports it, is a GELU', async () => {
  const m = model(
    13,
    [
      node('Div', ['x', 'sqrt2'], ['d']),
      node('Erf', ['d'], ['e']),
      node('Add', ['e', 'one'], ['p']),
      node('Mul', ['x', 'p'], ['m']),
      node('Mul', ['m', 'half'], ['y']),
    ],
    ['batch', 7],
    [
      float32Tensor('sqrt2', [], [Math.SQRT2]),
      float32Tensor('one', [], [1]),
      float32Tensor('half', [], [0.5]),
    ],
  );
  await check(m, { GELU: 1 });
});

test('opset 11 Softmax on a middle axis is not a Softmax layer: kept, and spelled out for opset 17', async () => {
  const m = model(11, [node('Softmax', ['x'], ['y'], [int('axis', 1)])], ['batch', 3, 4]);
  await check(m, {}, { Softmax: 1 });
  const last = model(11, [node('Softmax', ['x'], ['y'], [int('axis', 2)])], ['batch', 3, 4]);
  await check(last, { Softmax: 1 });
});

test('LayerNormalization with only its main output is a LayerNorm', async () => {
  const m = model(
    17,
    [node('LayerNormalization', ['x', 'g', 'b'], ['y'], [int('axis', -1), flt('epsilon', 1e-3)])],
    ['batch', 5, 8],
    [float32Tensor('g', [8], random(8, 7)), float32Tensor('b', [8], random(8, 8))],
  );
  const doc = await check(m, { LayerNorm: 1 });
  assert.equal(doc.graph.nodes.find((n) => n.type === 'LayerNorm')!.attributes.eps, 0.001);
});

test('opset 10 Dropout (ratio attribute) is a Dropout, removed at export', async () => {
  const m = model(10, [node('Dropout', ['x'], ['y'], [flt('ratio', 0.3)])], ['batch', 4]);
  const doc = await check(m, { Dropout: 1 });
  assert.equal(doc.graph.nodes.find((n) => n.type === 'Dropout')!.attributes.p, 0.3);
});

test("Caffe's end-only pool padding is MaxPool2d with ceil_mode; BatchNorm's momentum reads the PyTorch way", async () => {
  const m = model(
    9,
    [
      node(
        'BatchNormalization',
        ['x', 's', 'b', 'mean', 'var'],
        ['n'],
        [flt('epsilon', 1e-5), flt('momentum', 0.9)],
      ),
      node(
        'MaxPool',
        ['n'],
        ['y'],
        [ints('kernel_shape', [3, 3]), ints('strides', [2, 2]), ints('pads', [0, 0, 1, 1])],
      ),
    ],
    [1, 2, 12, 12],
    [
      float32Tensor('s', [2], [1, 2]),
      float32Tensor('b', [2], [0, 1]),
      float32Tensor('mean', [2], [0.5, -0.5]),
      float32Tensor('var', [2], [1, 4]),
    ],
  );
  const doc = await check(m, { BatchNorm2d: 1, MaxPool2d: 1 });
  const pool = doc.graph.nodes.find((n) => n.type === 'MaxPool2d')!;
  assert.equal(pool.attributes.ceil_mode, true);
  assert.equal(pool.attributes.padding, 0);
  assert.equal(doc.graph.nodes.find((n) => n.type === 'BatchNorm2d')!.attributes.momentum, 0.1);
});

test('a 1-D Conv with asymmetric pads has no Conv1d form and stays an ONNX op', async () => {
  const m = model(
    13,
    [node('Conv', ['x', 'w'], ['y'], [ints('pads', [1, 2]), ints('kernel_shape', [3])])],
    ['batch', 2, 9],
    [float32Tensor('w', [4, 2, 3], random(24, 9))],
  );
  await check(m, {}, { Conv: 1 });
});

// ---------------------------------------------------------------------------------------------
// What current exporters write (issue 10): LayerNorm and GELU spelled out, Caffe's BatchNorm +
// Scale, training-mode BatchNorm and Dropout, shape arithmetic over a symbolic batch.

const scalar = (name: string, v: number) => float32Tensor(name, [], [v]);

/** nn.LayerNorm(8) as PyTorch exports it before opset 17. */
function decomposedLayerNorm(opset: number, variant: 'torch' | 'mul-reciprocal') {
  const axes = (inputs: string[]) =>
    opset >= 18 ? { inputs: [...inputs, 'axes'], attrs: [] } : { inputs, attrs: [ints('axes', [-1])] };
  const mean = axes(['x']);
  const variance = axes(['sq']);
  const square = variant === 'torch' ? node('Pow', ['d', 'two'], ['sq']) : node('Mul', ['d', 'd'], ['sq']);
  const normalize =
    variant === 'torch'
      ? [node('Div', ['d', 'root'], ['n'])]
      : [node('Reciprocal', ['root'], ['inv']), node('Mul', ['d', 'inv'], ['n'])];
  const affine =
    variant === 'torch'
      ? [node('Mul', ['n', 'w'], ['s']), node('Add', ['s', 'b'], ['y'])]
      : [node('Identity', ['n'], ['y'])];
  return model(
    opset,
    [
      node('ReduceMean', mean.inputs, ['mean'], mean.attrs),
      node('Sub', ['x', 'mean'], ['d']),
      square,
      node('ReduceMean', variance.inputs, ['var'], variance.attrs),
      node('Add', ['var', 'eps'], ['ve']),
      node('Sqrt', ['ve'], ['root']),
      ...normalize,
      ...affine,
    ],
    ['batch', 5, 8],
    [
      scalar('two', 2),
      scalar('eps', 1e-5),
      float32Tensor('w', [8], random(8, 11)),
      float32Tensor('b', [8], random(8, 12)),
      int64Tensor('axes', [1], [-1]),
    ],
  );
}

test('LayerNorm spelled out (ReduceMean, Sub, Pow, Sqrt, Div, Mul, Add), as PyTorch writes it before opset 17, is a LayerNorm', async () => {
  for (const opset of [13, 16, 18]) {
    const doc = await check(decomposedLayerNorm(opset, 'torch'), { LayerNorm: 1 });
    const ln = doc.graph.nodes.find((n) => n.type === 'LayerNorm')!;
    assert.deepEqual(ln.attributes.normalized_shape, [8]);
    assert.equal(ln.attributes.eps, 1e-5);
    assert.equal(ln.attributes.elementwise_affine, true);
  }
  // x·x and a reciprocal, no scale or shift: LayerNorm(elementwise_affine=False).
  const bare = await check(decomposedLayerNorm(13, 'mul-reciprocal'), { LayerNorm: 1 });
  assert.equal(bare.graph.nodes.find((n) => n.type === 'LayerNorm')!.attributes.elementwise_affine, false);
});

test('GELU in its tanh form, as PyTorch writes GELU(approximate="tanh"), is a GELU', async () => {
  const m = model(
    13,
    [
      node('Mul', ['x', 'x'], ['x2']),
      node('Mul', ['x', 'x2'], ['x3']),
      node('Mul', ['k', 'x3'], ['a']),
      node('Add', ['x', 'a'], ['s']),
      node('Mul', ['c', 's'], ['t']),
      node('Tanh', ['t'], ['th']),
      node('Add', ['one', 'th'], ['p']),
      node('Mul', ['x', 'p'], ['q']),
      node('Mul', ['half', 'q'], ['y']),
    ],
    ['batch', 7],
    [scalar('k', 0.044715), scalar('c', Math.sqrt(2 / Math.PI)), scalar('one', 1), scalar('half', 0.5)],
  );
  const doc = await check(m, { GELU: 1 });
  assert.equal(doc.graph.nodes.find((n) => n.type === 'GELU')!.attributes.approximate, 'tanh');
});

test("Netwright's own export of both GELUs imports back as GELUs", async () => {
  const g = new GraphBuilder();
  g.chain(g.input([6], 'x'), [
    ['GELU', { approximate: 'tanh' }],
    ['Linear', { out_features: 6 }],
    ['GELU', {}],
  ]);
  const exported = exportInference(newDocument('gelus', g.graph), { seed: 3 });
  const { report, doc } = importOnnx(exported);
  assert.deepEqual(report.opaque, {});
  assert.deepEqual(
    doc.graph.nodes.filter((n) => n.type === 'GELU').map((n) => n.attributes.approximate),
    ['tanh', 'none'],
  );
});

test("Caffe's BatchNorm followed by its Scale layer (Mul and Add per channel) is one BatchNorm2d", async () => {
  const m = model(
    9,
    [
      node('BatchNormalization', ['x', 'g', 'bt', 'mean', 'var'], ['n'], [flt('epsilon', 1e-5)]),
      node('Mul', ['n', 'scale'], ['s']),
      node('Add', ['s', 'shift'], ['y']),
    ],
    [1, 3, 4, 4],
    [
      float32Tensor('g', [3], [1, 1, 1]),
      float32Tensor('bt', [3], [0, 0, 0]),
      float32Tensor('mean', [3], [0.5, -0.5, 0.1]),
      float32Tensor('var', [3], [1, 4, 0.25]),
      float32Tensor('scale', [3, 1, 1], [2, -1, 0.5]),
      float32Tensor('shift', [3, 1, 1], [0.1, 0.2, 0.3]),
    ],
  );
  const { weights, doc } = importOnnx(m);
  const bn = doc.graph.nodes.find((n) => n.type === 'BatchNorm2d')!;
  assert.deepEqual([...weights.get(bn.id)!.get('weight')!], [2, -1, 0.5]);
  assert.deepEqual(
    [...weights.get(bn.id)!.get('bias')!].map((v) => Math.fround(v)),
    [0.1, 0.2, 0.3].map(Math.fround),
  );
  await check(m, { BatchNorm2d: 1 });
});

test('training-mode BatchNormalization (running statistics unread) and Dropout are BatchNorm2d and Dropout', () => {
  const m = model(
    15,
    [
      node(
        'BatchNormalization',
        ['x', 'g', 'bt', 'mean', 'var'],
        ['n', 'rm', 'rv'],
        [int('training_mode', 1), flt('momentum', 0.9)],
      ),
      node('Dropout', ['n', 'ratio', 'train'], ['y']),
    ],
    ['batch', 3, 4, 4],
    [
      float32Tensor('g', [3], [1, 2, 3]),
      float32Tensor('bt', [3], [0, 1, 0]),
      float32Tensor('mean', [3], [0, 0, 0]),
      float32Tensor('var', [3], [1, 1, 1]),
      scalar('ratio', 0.25),
      { name: 'train', dataType: 9, dims: [], rawData: new Uint8Array([1]) },
    ],
  );
  const { report, doc } = importOnnx(m);
  assert.deepEqual(report.opaque, {});
  assert.equal(doc.graph.nodes.find((n) => n.type === 'BatchNorm2d')!.attributes.momentum, 0.1);
  assert.equal(doc.graph.nodes.find((n) => n.type === 'Dropout')!.attributes.p, 0.25);
  // Read running statistics keep it an ONNX op: they are the layer's state, not a value.
  m.graph.outputs.push({ name: 'rm' });
  assert.deepEqual(importOnnx(m).report.opaque, { BatchNormalization: 1 });
});

test('Concat of an INT64 and a FLOAT constant (issue 13 item 7) imports with a note, not a BigInt TypeError', () => {
  const m: OnnxModel = {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'g',
      nodes: [node('Concat', ['a', 'b'], ['y'], [int('axis', 0)])],
      initializers: [int64Tensor('a', [1], [0]), float32Tensor('b', [1], [0])],
      inputs: [],
      outputs: [{ name: 'y' }],
      valueInfo: [],
    },
  };
  const bytes = encodeModel(m);
  assert.ok(bytes.length < 100, `${bytes.length} bytes`);
  const { report } = importOnnx(decodeModel(bytes));
  assert.deepEqual(report.opaque, { Concat: 1 });
  assert.ok(
    report.notes.some((n) => /different element types \(INT64, FLOAT\)/.test(n)),
    report.notes.join('\n'),
  );
});

test('shape arithmetic over the batch: a computed Reshape target becomes a batch-free constant, MatMul MACs per sample', async () => {
  // x [N, 6, 4] -> [N*2, 3, 4] (heads) -> scores = h · hᵀ [N*2, 3, 3] -> back to [N, 6, 3]
  const m = model(
    13,
    [
      node('Shape', ['x'], ['s']),
      node('Gather', ['s', 'zero'], ['n'], [int('axis', 0)]),
      node('Mul', ['n', 'two'], ['n2']),
      node('Unsqueeze', ['n2', 'axis0'], ['n2a']),
      node('Concat', ['n2a', 'three_four'], ['target'], [int('axis', 0)]),
      node('Reshape', ['x', 'target'], ['h']),
      node('Transpose', ['h'], ['ht'], [ints('perm', [0, 2, 1])]),
      node('MatMul', ['h', 'ht'], ['scores']),
      node('Unsqueeze', ['n', 'axis0'], ['na']),
      node('Concat', ['na', 'six_three'], ['back'], [int('axis', 0)]),
      node('Reshape', ['scores', 'back'], ['y']),
    ],
    ['batch', 6, 4],
    [
      int64Tensor('zero', [], [0]),
      int64Tensor('two', [], [2]),
      int64Tensor('axis0', [1], [0]),
      int64Tensor('three_four', [2], [3, 4]),
      int64Tensor('six_three', [2], [6, 3]),
    ],
  );
  const doc = await check(m, {}, { Reshape: 2, Transpose: 1, MatMul: 1 });
  const a = analyze(doc.graph);
  const byOp = (op: string) =>
    doc.graph.nodes.filter((n) => n.attributes.op_type === op).map((n) => a.nodes.get(n.id)!);
  assert.deepEqual(byOp('MatMul')[0].outputShape, ['2*N', 3, 3]);
  assert.equal(byOp('MatMul')[0].macs, 2 * 3 * 3 * 4);
  assert.deepEqual(
    byOp('Reshape').map((r) => r.outputShape),
    [
      ['2*N', 3, 4],
      ['N', 6, 3],
    ],
  );
});

test('Pad keeps the symbolic batch, so the layers after it still match', async () => {
  const m = model(
    13,
    [
      node('Pad', ['x', 'pads'], ['p']),
      node('AveragePool', ['p'], ['y'], [ints('kernel_shape', [2, 2]), ints('strides', [2, 2])]),
    ],
    ['batch', 2, 4, 4],
    [int64Tensor('pads', [8], [0, 0, 1, 1, 0, 0, 1, 1])],
  );
  await check(m, { ZeroPad2d: 1, AvgPool2d: 1 });
});

test('sizes as products of symbols: canonical, exact division only, per-sample counts with the batch anywhere', () => {
  assert.equal(mulDims('N', 4), '4*N');
  assert.equal(mulDims(4, 'N'), '4*N');
  assert.equal(mulDims('seq', mulDims('N', 2)), '2*N*seq');
  assert.equal(divDims('4*N', 4), 'N');
  assert.equal(divDims('4*N', 'N'), 4);
  assert.equal(divDims('4*N', 3), '?');
  assert.equal(divDims('N', 'seq'), '?');
  assert.equal(addDims('N', 'N'), '2*N');
  assert.equal(addDims('N', 1), '?');
  assert.equal(mulDims('?', 2), '?');
  assert.equal(perSampleElements([10, '4*N', 8]), 320);
  assert.equal(perSampleElements(['N', 3, 4]), 12);
  assert.equal(perSampleElements([2, 3, 4]), 12);
  assert.ok(Number.isNaN(perSampleElements(['N', 'seq', 4])));
});
