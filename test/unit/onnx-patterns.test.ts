// Import patterns that span several ONNX nodes or depend on the opset, on small hand-made models:
// the layers they must become, and the export computing what the original computes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../engine/index.ts';
import {
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
