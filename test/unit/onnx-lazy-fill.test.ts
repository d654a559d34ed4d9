// Weights made by ConstantOfShape (the "light" model zoo files) are filled only when read: a full
// import still gets every value, an import of the structure only (fillWeights false, as summary
// and the fuzz tests use) never writes them, so a 256 MB fill costs neither time nor memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../engine/index.ts';
import { float32Tensor, int64Tensor, type OnnxModel } from '../../engine/onnx/proto.ts';
import { importOnnx } from '../../engine/onnx/import.ts';
import { tensorInfo } from '../../engine/onnx/builder.ts';
import { onnxNode } from '../helpers/onnxCases.ts';

/** x [N, k] -> Gemm by a weight ConstantOfShape fills with 0.5 ([1, k*k] reshaped to [k, k] when `reshape`). */
function filledLinear(k: number, reshape: boolean): OnnxModel {
  const fillShape = reshape ? [1, k * k] : [k, k];
  const nodes = [
    onnxNode(
      'ConstantOfShape',
      ['fill_shape'],
      [reshape ? 'w_flat' : 'w'],
      [{ name: 'value', type: 'TENSOR', value: float32Tensor('value', [1], [0.5]) }],
    ),
    ...(reshape ? [onnxNode('Reshape', ['w_flat', 'w_shape'], ['w'])] : []),
    onnxNode('Gemm', ['x', 'w'], ['y'], [{ name: 'transB', type: 'INT', value: 1 }]),
  ];
  return {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'filled',
      nodes,
      initializers: [int64Tensor('fill_shape', [2], fillShape), int64Tensor('w_shape', [2], [k, k])],
      inputs: [tensorInfo('x', ['batch', k], 1 as never)],
      outputs: [tensorInfo('y', ['batch', k], 1 as never)],
      valueInfo: [],
    },
  };
}

const linearId = (r: ReturnType<typeof importOnnx>) => r.doc.graph.nodes.find((n) => n.type === 'Linear')!.id;

for (const reshape of [false, true])
  test(`a full import fills a 2^20-element ConstantOfShape weight${reshape ? ' read through a Reshape' : ''}`, () => {
    const r = importOnnx(filledLinear(1024, reshape), { embedWeights: false });
    const w = r.weights.get(linearId(r))?.get('weight');
    assert.ok(w, 'the Linear has its weight');
    assert.equal(w.length, 1024 * 1024);
    assert.ok(
      w.every((v) => v === 0.5),
      'every element is the fill value',
    );
    assert.ok(!r.report.notes.some((n) => n.includes('unfilled')));
  });

test('an import of the structure only leaves a 256 MB fill unwritten and says so', () => {
  const k = 8192; // 2^26 elements, 256 MB of float32
  const model = filledLinear(k, true);
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  const r = importOnnx(model, { embedWeights: false, fillWeights: false });
  const ms = performance.now() - t0;
  const grew = (process.memoryUsage().rss - rss0) / 2 ** 20;
  assert.ok(!r.weights.get(linearId(r))?.has('weight'), 'no weight values were kept');
  assert.deepEqual(r.report.notes, [
    '2 node(s) computing constants (weights from Constant/ConstantOfShape, shape arithmetic) were folded into values.',
    "1 parameter(s) made by ConstantOfShape were left unfilled (an import of the structure only); they start as a new layer's do.",
  ]);
  assert.deepEqual(r.report.parameterSources[linearId(r)], { weight: 'w' });
  const a = analyze(r.doc.graph);
  assert.equal(a.totals.params, k * k);
  assert.deepEqual(
    a.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  // Writing 256 MB takes ~0.9 s and adds 256 MB of resident memory on this class of machine.
  assert.ok(grew < 128, `resident memory grew ${grew.toFixed(0)} MB`);
  assert.ok(ms < 2000, `${ms.toFixed(0)} ms`);
});
