// ONNX files written by others (test/fixtures/onnx-cases.json, node/ and pytorch-converted/ cases;
// the light/ architectures have their own file): each imports with the expected layers and ONNX
// ops, has a shape on every node, exports, runs in onnxruntime and matches the stored outputs,
// and re-imports to the same graph with bit-identical weights.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { encodeModel } from '../../engine/onnx/proto.ts';
import { importOnnx } from '../../engine/onnx/import.ts';
import {
  canonicalModel,
  compareOutputs,
  FIXTURES,
  importAndExport,
  loadCases,
  noFixtures,
  prepareCase,
  runOutputs,
  unknownShapeNodes,
  weightBytes,
} from '../helpers/onnxCases.ts';

const file = loadCases();
const cases = file.cases.filter((c) => !c.case.startsWith('light/'));

test('the case list states why for every case and why for every skip', () => {
  assert.ok(cases.length >= 300, `${cases.length} cases`);
  for (const c of file.cases) {
    assert.ok(c.why && c.why.length > 10, `${c.case} needs a why`);
    if (c.skip) assert.ok(c.skip.length > 10, `${c.case} needs a reason to skip`);
  }
  // Every pytorch-converted model is a case, and none is skipped.
  if (!noFixtures) {
    const all = readdirSync(path.join(FIXTURES, 'pytorch-converted')).map((f) => `pytorch-converted/${f}`);
    assert.deepEqual(
      cases
        .filter((c) => c.case.startsWith('pytorch-converted/') && !c.skip)
        .map((c) => c.case)
        .sort(),
      all.sort(),
    );
  }
});

const stats = { passed: 0, maxRel: 0, worst: '', maxRelDefault: 0, worstDefault: '' };

for (const c of cases.filter((c) => c.refused)) {
  test(`${c.case}: ${c.why} is refused with a clear message`, { skip: noFixtures || c.skip }, () => {
    const p = prepareCase(c);
    assert.throws(
      () => importAndExport(p.model, c.opset),
      (e: unknown) => e instanceof Error && e.message.includes(c.refused!) && !/\n\s+at /.test(e.message),
    );
  });
}

for (const c of cases.filter((c) => !c.refused)) {
  test(`${c.case}: ${c.why}`, { skip: noFixtures || c.skip }, async () => {
    const tol = c.tolerance ?? file.tolerance;
    const p = prepareCase(c);
    const { result, exported } = importAndExport(p.model, c.opset);

    // The import makes the expected layers and keeps exactly the expected ONNX ops.
    const layers = Object.keys(result.report.layers).filter((k) => k !== 'Input' && k !== 'Identity');
    assert.deepEqual(layers.sort(), [...(c.layers ?? [])].sort(), 'layers');
    assert.deepEqual(Object.keys(result.report.opaque).sort(), [...(c.opaque ?? [])].sort(), 'ONNX ops kept');

    // `summary` shows a shape on every node.
    assert.deepEqual(unknownShapeNodes(result), []);

    // The export runs in onnxruntime and gives the stored outputs (graph outputs keep their names).
    const bytes = encodeModel(exported);
    const names = p.model.graph.outputs.map((o) => o.name);
    assert.deepEqual(
      exported.graph.outputs.map((o) => o.name).sort(),
      [...names].sort(),
      'graph outputs keep their names',
    );
    const got = await runOutputs(bytes, p.feeds, names);
    const d = compareOutputs(got, p.expected, tol);
    assert.ok(d.ok, `outputs differ: max relative ${d.maxRel}, max absolute ${d.maxAbs} (tolerance ${tol})`);

    // export -> import -> export: the same graph and bit-identical weights.
    const again = importAndExport(exported, c.opset);
    assert.equal(canonicalModel(again.exported), canonicalModel(exported));
    const w1 = weightBytes(exported);
    const w2 = weightBytes(again.exported);
    assert.equal(w2.length, w1.length);
    w1.forEach((b, k) => assert.ok(b.equals(w2[k]), `weight ${k} differs`));

    stats.passed++;
    if (d.maxRel > stats.maxRel) {
      stats.maxRel = d.maxRel;
      stats.worst = c.case;
    }
    if (c.tolerance === undefined && d.maxRel > stats.maxRelDefault) {
      stats.maxRelDefault = d.maxRel;
      stats.worstDefault = c.case;
    }
  });
}

test('summary of the fixture cases', { skip: noFixtures }, (t) => {
  const skipped = cases.filter((c) => c.skip).length;
  const refused = cases.filter((c) => c.refused).length;
  t.diagnostic(
    `onnx fixtures: ${stats.passed} passed, ${refused} refused as stated, ${skipped} skipped (stated in onnx-cases.json); largest relative difference ${stats.maxRel.toExponential(2)} (${stats.worst}); at the default tolerance ${stats.maxRelDefault.toExponential(2)} (${stats.worstDefault})`,
  );
  assert.equal(stats.passed, cases.length - skipped - refused);
});

test('import errors say what is wrong', () => {
  const base = (nodes: object[], extra: object = {}) =>
    ({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      graph: {
        name: 'g',
        nodes,
        initializers: [],
        inputs: [{ name: 'x', type: { kind: 'tensor', elemType: 1, shape: [{ value: 1 }, { value: 3 }] } }],
        outputs: [{ name: 'y' }],
        valueInfo: [],
        ...extra,
      },
    }) as never;
  const relu = (input: string, output: string) => ({
    opType: 'Relu',
    domain: '',
    name: '',
    inputs: [input],
    outputs: [output],
    attributes: [],
  });
  assert.throws(
    () => importOnnx(base([relu('nothing', 'y')])),
    /reads 'nothing', which no node, input or initializer defines/,
  );
  assert.throws(() => importOnnx(base([relu('x', 'y'), relu('x', 'y')])), /defined twice/);
  assert.throws(
    () => importOnnx(base([relu('b', 'a'), relu('a', 'b')], { outputs: [{ name: 'a' }] })),
    /cycle/,
  );
  assert.throws(() => importOnnx(base([relu('x', 'z')])), /Graph output 'y' is not computed/);
  assert.throws(
    () =>
      importOnnx(
        base([], {
          inputs: [{ name: 'x', type: { kind: 'tensor', elemType: 1, shape: [] } }],
          outputs: [{ name: 'x' }],
        }),
      ),
    /scalar/,
  );
});
