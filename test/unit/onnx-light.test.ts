// The light/ architectures (IR 3, opset 9, weights made by ConstantOfShape, initializers listed as
// graph inputs): import with the expected layers, a shape on every node, export, run in
// onnxruntime against the stored outputs, and re-import to the same graph. Their weights are all
// 0.02, which makes every output 1/1000 whatever the wiring, so each model is also run with
// seeded random weights: the original file and our export must then agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeModel } from '../../engine/onnx/proto.ts';
import {
  canonicalModel,
  compareOutputs,
  importAndExport,
  loadCases,
  noFixtures,
  prepareCase,
  randomizeWeights,
  runOutputs,
  unknownShapeNodes,
  weightBytes,
} from '../helpers/onnxCases.ts';

const file = loadCases();
const cases = file.cases.filter((c) => c.case.startsWith('light/'));

test('all nine light/ models are cases', () => {
  assert.equal(cases.length, 9);
});

for (const c of cases) {
  test(`${c.case}: ${c.why}`, { skip: noFixtures || c.skip }, async (t) => {
    const tol = c.tolerance ?? file.tolerance;
    const p = prepareCase(c);
    const t0 = performance.now();
    const { result, exported } = importAndExport(p.model);
    const importMs = performance.now() - t0;
    const layers = Object.keys(result.report.layers).filter((k) => k !== 'Input' && k !== 'Identity');
    assert.deepEqual(layers.sort(), [...(c.layers ?? [])].sort(), 'layers');
    assert.deepEqual(Object.keys(result.report.opaque).sort(), [...(c.opaque ?? [])].sort(), 'ONNX ops kept');
    assert.deepEqual(unknownShapeNodes(result), []);

    const names = p.model.graph.outputs.map((o) => o.name);
    const got = await runOutputs(encodeModel(exported), p.feeds, names);
    const d = compareOutputs(got, p.expected, tol);
    assert.ok(d.ok, `stored outputs differ: max relative ${d.maxRel}`);

    const again = importAndExport(exported);
    assert.equal(canonicalModel(again.exported), canonicalModel(exported));
    const w1 = weightBytes(exported);
    const w2 = weightBytes(again.exported);
    assert.equal(w2.length, w1.length);
    w1.forEach((b, k) => assert.ok(b.equals(w2[k]), `weight ${k} differs`));
    t.diagnostic(
      `${result.doc.graph.nodes.length} nodes, import + export ${importMs.toFixed(0)} ms, max relative difference ${d.maxRel.toExponential(2)}`,
    );
  });

  test(
    `${c.case} with random weights: the export computes what the original does`,
    // VGG-19's 575 MB included (18 s): the stored outputs above are 1/1000 whatever the wiring.
    { skip: noFixtures || c.skip },
    async (t) => {
      const p = prepareCase(c, 3);
      const model = randomizeWeights(p.model, 11);
      const names = model.graph.outputs.map((o) => o.name);
      const want = await runOutputs(encodeModel(model), p.feeds, names);
      const { exported } = importAndExport(model);
      const got = await runOutputs(encodeModel(exported), p.feeds, names);
      // The random weights make the classes differ (not all 1/1000 any more).
      const spread = Math.max(...want[0].data) - Math.min(...want[0].data);
      assert.ok(spread > 1e-4, `outputs still uniform (spread ${spread})`);
      const expected = want.map((o, k) => ({
        name: names[k],
        dataType: 1 as const,
        dims: o.dims,
        floatData: o.data,
      }));
      const d = compareOutputs(got, expected, c.tolerance ?? file.tolerance);
      assert.ok(d.ok, `max relative difference ${d.maxRel}`);
      t.diagnostic(
        `max relative difference ${d.maxRel.toExponential(2)} (output spread ${spread.toExponential(2)})`,
      );
    },
  );
}
