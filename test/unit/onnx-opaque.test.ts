// ONNX operators without a Netwright layer: the OnnxOp node keeps them losslessly (attributes of
// every kind, subgraphs reading the enclosing graph, several outputs, custom domains, integer
// constants) and exports them back; shapes come from inference, the file, or a measured run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../engine/index.ts';
import type { ProjectDocument } from '../../engine/index.ts';
import {
  decodeModel,
  encodeModel,
  float32Tensor,
  int64Tensor,
  type OnnxModel,
  type OnnxNode,
} from '../../engine/onnx/proto.ts';
import { exportInference, exportProblems } from '../../engine/onnx/export.ts';
import { importOnnx } from '../../engine/onnx/import.ts';
import { attributeFromJson, attributeToJson } from '../../engine/onnx/import/values.ts';
import { measureShapes } from '../../host/onnxShapes.ts';
import { summaryJson } from '../../cli/summary.ts';
import { ifModel, onnxNode, prng } from '../helpers/onnxCases.ts';
import { tensorInfo } from '../../engine/onnx/builder.ts';
import { runModel } from '../helpers/ort.ts';

const tensor = (name: string, shape: (number | string)[], elemType = 1) =>
  tensorInfo(name, shape, elemType as never);
const node = onnxNode;
const model = (
  nodes: OnnxNode[],
  extra: Partial<OnnxModel['graph']> = {},
  opset = 17,
  more: Partial<OnnxModel> = {},
): OnnxModel => ({
  irVersion: 8,
  opsetImport: [{ domain: '', version: opset }],
  ...more,
  graph: {
    name: 'm',
    nodes,
    initializers: [],
    inputs: [tensor('x', ['batch', 3, 4])],
    outputs: [tensor('y', ['batch', 3, 4])],
    valueInfo: [],
    ...extra,
  },
});
const random = (n: number, seed = 1) => {
  const r = prng(seed);
  return Float32Array.from({ length: n }, () => r() * 2 - 1);
};
const opaqueNodes = (doc: ProjectDocument) => doc.graph.nodes.filter((n) => n.type === 'OnnxOp');

test('every kind of attribute survives the JSON an OnnxOp node keeps', () => {
  const sub = ifModel().graph;
  const attrs: OnnxNode['attributes'] = [
    { name: 'f', type: 'FLOAT', value: Math.fround(0.1) },
    { name: 'i', type: 'INT', value: -7 },
    { name: 's', type: 'STRING', value: 'héllo' },
    { name: 'fs', type: 'FLOATS', value: [0.5, -2] },
    { name: 'is', type: 'INTS', value: [1, 2, 3] },
    { name: 'ss', type: 'STRINGS', value: ['a', 'b'] },
    { name: 't', type: 'TENSOR', value: int64Tensor('t', [2], [5, -1]) },
    { name: 'ts', type: 'TENSORS', value: [float32Tensor('a', [1], [1.5])] },
    { name: 'g', type: 'GRAPH', value: sub },
    { name: 'gs', type: 'GRAPHS', value: [sub, sub] },
    { name: 'tp', type: 'TYPE_PROTO', value: { kind: 'tensor', elemType: 7, shape: [{ param: 'n' }] } },
    { name: 'r', type: 'REF', refType: 'INT', refAttrName: 'outer' },
    { name: 'd', type: 'INT', value: 3, docString: 'documented' },
  ];
  for (const a of attrs) {
    const json = JSON.parse(JSON.stringify(attributeToJson(a)));
    assert.deepEqual(attributeFromJson(json), a, a.name);
  }
});

test('an If whose branches read the enclosing graph imports, exports and computes the same', async () => {
  const m = ifModel();
  const { doc, weights, report } = importOnnx(m);
  assert.deepEqual(report.opaque, { ReduceSum: 1, Greater: 1, If: 1, Mul: 1 });
  const ifNode = opaqueNodes(doc).find((n) => n.attributes.op_type === 'If')!;
  // The branches' read of x is an edge of its own, so the graph shows the dependency.
  assert.ok(
    doc.graph.edges.some(
      (e) => e.target === ifNode.id && doc.graph.nodes.find((n) => n.id === e.source)!.type === 'Input',
    ),
  );
  assert.deepEqual(analyze(doc.graph).nodes.get(ifNode.id)!.outputShape, ['N', 3]);
  assert.deepEqual(exportProblems(doc, 17), []);
  const exported = encodeModel(exportInference(doc, { weights }));
  for (const sign of [1, -1]) {
    const x = random(6, sign > 0 ? 2 : 3).map((v) => sign * Math.abs(v));
    const want = await runModel(encodeModel(m), { x: { dims: [2, 3], data: x } });
    const got = await runModel(exported, { x: { dims: [2, 3], data: x } });
    assert.deepEqual(got.y.data, want.y.data);
  }
});

test('several outputs: Split ports feed different nodes and keep their own shapes', async () => {
  const m = model(
    [
      node('Split', ['x', 'sizes'], ['a', 'b'], [{ name: 'axis', type: 'INT', value: 2 }]),
      node('Relu', ['a'], ['ra']),
      node('Sigmoid', ['b'], ['sb']),
      node('Concat', ['sb', 'ra'], ['y'], [{ name: 'axis', type: 'INT', value: 2 }]),
    ],
    { initializers: [int64Tensor('sizes', [2], [1, 3])] },
  );
  const { doc, weights } = importOnnx(m);
  const split = opaqueNodes(doc)[0];
  assert.equal(split.attributes.op_type, 'Split');
  assert.equal(split.attributes.outputs, 2);
  const a = analyze(doc.graph);
  assert.deepEqual(a.nodes.get(split.id)!.outputShapes, [
    ['N', 3, 1],
    ['N', 3, 3],
  ]);
  const sig = doc.graph.nodes.find((n) => n.type === 'Sigmoid')!;
  assert.deepEqual(a.nodes.get(sig.id)!.outputShape, ['N', 3, 3]);
  assert.ok(doc.graph.edges.some((e) => e.source === split.id && e.sourcePort === 1 && e.target === sig.id));
  const x = random(24);
  const want = await runModel(encodeModel(m), { x: { dims: [2, 3, 4], data: x } });
  const got = await runModel(encodeModel(exportInference(doc, { weights })), {
    x: { dims: [2, 3, 4], data: x },
  });
  assert.deepEqual(got.y.data, want.y.data);
});

test('a custom-domain operator keeps its domain and opset, and its unknown shape is reported, not fatal', () => {
  const m = model(
    [
      node('Mystery', ['x'], ['h'], [{ name: 'k', type: 'INT', value: 2 }], 'com.example'),
      node('Relu', ['h'], ['y']),
    ],
    {},
    17,
    {
      opsetImport: [
        { domain: '', version: 17 },
        { domain: 'com.example', version: 3 },
      ],
    },
  );
  m.graph.outputs = [{ name: 'y' }];
  const { doc, weights, report } = importOnnx(m);
  assert.deepEqual(report.unknownShapes.sort(), ['h', 'y']);
  const a = analyze(doc.graph);
  const mystery = opaqueNodes(doc)[0];
  assert.equal(a.nodes.get(mystery.id)!.outputShape, null);
  assert.equal(a.nodes.get(mystery.id)!.diagnostics[0].severity, 'warning');
  // summary --json: outputShape null and a diagnostic, for the op and what follows it.
  const s = summaryJson(doc, a);
  const rows = s.nodes.filter((n) => n.outputShape === null);
  assert.equal(rows.length, 2);
  assert.ok(rows.every((r) => typeof r.diagnostic === 'string' && r.diagnostic.length > 10));
  assert.equal(s.nodes.find((n) => n.name === 'h')!.op, 'ONNX com.example.Mystery');
  // The Relu after it is kept as an ONNX op too (a layer needs its input shape), so it exports.
  assert.deepEqual(report.opaque, { Mystery: 1, Relu: 1 });
  assert.deepEqual(exportProblems(doc, 17), []);
  assert.ok(exportInference(doc, { weights }).graph.nodes.length === 2);
  // A layer put after it by hand can't be written without a shape: export says so.
  const relu = opaqueNodes(doc)[1];
  const edited = {
    ...doc,
    graph: {
      ...doc.graph,
      nodes: doc.graph.nodes.map((n) => (n.id === relu.id ? { ...n, type: 'ReLU', attributes: {} } : n)),
    },
  };
  const problems = exportProblems(edited, 17);
  assert.equal(problems.length, 1);
  assert.match(problems[0], /\(ReLU\): its shape can't be inferred/);
});

test('a custom-domain operator exports with its domain in opset_import', () => {
  const m = model([node('Mystery', ['x'], ['y'], [], 'com.example')], {}, 17, {
    opsetImport: [
      { domain: '', version: 17 },
      { domain: 'com.example', version: 3 },
    ],
  });
  const { doc, weights } = importOnnx(m);
  const out = decodeModel(encodeModel(exportInference(doc, { weights })));
  assert.deepEqual(out.opsetImport, [
    { domain: '', version: 17 },
    { domain: 'com.example', version: 3 },
  ]);
  assert.deepEqual(
    out.graph.nodes.map((n) => [n.domain, n.opType]),
    [['com.example', 'Mystery']],
  );
  assert.deepEqual(
    out.graph.outputs.map((o) => o.type),
    [{ kind: 'tensor', elemType: 1, shape: [{ param: 'N' }, { value: 3 }, { value: 4 }] }],
  );
});

test('shapes that only a run can tell are measured by onnxruntime and kept in the node', async () => {
  // Einsum has no shape rule here: the importer leaves it unknown, a measured run fills it.
  const m = model([
    node('Einsum', ['x'], ['t'], [{ name: 'equation', type: 'STRING', value: 'bij->bji' }]),
    node('Relu', ['t'], ['y']),
  ]);
  m.graph.outputs = [tensor('y', ['batch', 4, 3])];
  const first = importOnnx(m);
  assert.deepEqual(first.report.unknownShapes, ['t']);
  const measured = await measureShapes(m);
  assert.deepEqual(measured.get('t'), [1, 4, 3]);
  const { doc, weights } = importOnnx(m, { measuredShapes: measured });
  const a = analyze(doc.graph);
  assert.ok(
    doc.graph.nodes.every((n) => a.nodes.get(n.id)!.outputShape),
    'every shape known',
  );
  const einsum = opaqueNodes(doc)[0];
  assert.ok(String(einsum.attributes.output_shapes).length > 2, 'recorded in the node');
  const x = random(24);
  const want = await runModel(encodeModel(m), { x: { dims: [2, 3, 4], data: x } });
  const got = await runModel(encodeModel(exportInference(doc, { weights })), {
    x: { dims: [2, 3, 4], data: x },
  });
  assert.deepEqual(got.y.data, want.y.data);
});

test('what an export opset cannot express is listed by exportProblems, with the opset to use', () => {
  const m = model(
    [
      node(
        'AveragePool',
        ['x4'],
        ['y'],
        [
          { name: 'kernel_shape', type: 'INTS', value: [2, 2] },
          { name: 'dilations', type: 'INTS', value: [2, 2] },
        ],
      ),
    ],
    { inputs: [tensor('x4', [1, 1, 5, 5])], outputs: [tensor('y', [1, 1, 3, 3])] },
    19,
  );
  const { doc } = importOnnx(m);
  assert.deepEqual(Object.keys(importOnnx(m).report.opaque), ['AveragePool']);
  const problems = exportProblems(doc, 17);
  assert.equal(problems.length, 1);
  assert.match(problems[0], /dilations, new in opset 19/);
});

test('a damaged OnnxOp node names the attribute instead of failing analysis', () => {
  const { doc } = importOnnx(
    model([node('LRN', ['x'], ['y'], [{ name: 'size', type: 'INT', value: 3 }])], {
      inputs: [tensor('x', [1, 2, 3, 4])],
      outputs: [tensor('y', [1, 2, 3, 4])],
    }),
  );
  const lrn = opaqueNodes(doc)[0];
  const broken = {
    ...doc,
    graph: {
      ...doc.graph,
      nodes: doc.graph.nodes.map((n) =>
        n.id === lrn.id ? { ...n, attributes: { ...n.attributes, input_slots: '[{"port": "x"}]' } } : n,
      ),
    },
  };
  const d = analyze(broken.graph).nodes.get(lrn.id)!.diagnostics;
  assert.equal(d[0].attribute, 'input_slots');
  assert.match(d[0].message, /damaged/);
});

test('old opsets are stored in their opset-13 form when that is one node', () => {
  // Opset 9 Unsqueeze (axes attribute) and Pad (pads attribute, value 1.5).
  const m = model(
    [
      node('Unsqueeze', ['x'], ['u'], [{ name: 'axes', type: 'INTS', value: [1] }]),
      node(
        'Pad',
        ['u'],
        ['y'],
        [
          { name: 'pads', type: 'INTS', value: [0, 0, 0, 1, 0, 0, 0, 1] },
          { name: 'value', type: 'FLOAT', value: 1.5 },
        ],
      ),
    ],
    { outputs: [tensor('y', ['batch', 1, 3, 6])] },
    9,
  );
  const { doc } = importOnnx(m);
  const [u, p] = opaqueNodes(doc);
  assert.equal(u.attributes.opset, 13);
  assert.deepEqual(JSON.parse(String(u.attributes.attributes)), []);
  assert.deepEqual(JSON.parse(String(u.attributes.input_slots)), [
    { port: 0 },
    { const: { dtype: 7, dims: [1], values: [1] } },
  ]);
  assert.equal(p.attributes.opset, 13);
  assert.deepEqual(JSON.parse(String(p.attributes.input_slots)).length, 3);
  const a = analyze(doc.graph);
  assert.deepEqual(a.nodes.get(p.id)!.outputShape, ['N', 1, 3, 6]);
});

test('a float16 export imports (its weights kept as float16 constants) and exports computing the same', async () => {
  const { exportInference: exp } = await import('../../engine/onnx/export.ts');
  const { loadTemplate } = await import('../helpers/templates.ts');
  const { float32ToFloat16 } = await import('../../engine/onnx/tensor.ts');
  const bytes = encodeModel(exp(loadTemplate('lenet5'), { seed: 1, fp16: true }));
  const { doc, weights, report } = importOnnx(decodeModel(bytes));
  // float16 weights are not float32 parameters: those ops stay ONNX ops, the rest are layers.
  assert.deepEqual(report.opaque, { Conv: 2, Gemm: 3 });
  assert.equal(doc.graph.nodes.find((n) => n.type === 'Input')!.attributes.dtype, 'float16');
  const x = { dims: [2, 1, 28, 28], data: float32ToFloat16(random(1568, 3)), type: 'float16' as const };
  const want = await runModel(bytes, { input: x });
  const got = await runModel(encodeModel(exportInference(doc, { weights })), { input: x });
  assert.equal(Object.values(got)[0].type, 'float16');
  assert.deepEqual(Object.values(got)[0].data, Object.values(want)[0].data);
});
