// Every template exports to ONNX that onnxruntime loads and runs, and export -> import -> export
// gives the same graph with bit-identical weights (the import recognises each layer's own
// lowering: Gemm, Conv with a connection-table mask, Flatten, BatchNormalization ...).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../engine/index.ts';
import { decodeModel, encodeModel } from '../../engine/onnx/proto.ts';
import { exportInference } from '../../engine/onnx/export.ts';
import { importOnnx } from '../../engine/onnx/import.ts';
import { canonicalModel, prng, weightBytes } from '../helpers/onnxCases.ts';
import { runModel } from '../helpers/ort.ts';
import { loadTemplate, templateNames } from '../helpers/templates.ts';

/** Templates whose weights are hundreds of MB (VGG-16 550 MB, AlexNet 245 MB): slower, same test. */
const LARGE = new Set(['vgg16', 'alexnet']);

for (const name of templateNames()) {
  test(`template ${name}: exports, runs in onnxruntime, and round-trips through import`, async (t) => {
    const t0 = performance.now();
    const doc = loadTemplate(name);
    const a = analyze(doc.graph);
    const exported = exportInference(doc, { seed: 1 });
    const bytes = encodeModel(exported);

    // Runs with a random batch of 2; every output has the analysed shape and is finite.
    const rand = prng(5);
    const feeds = Object.fromEntries(
      exported.graph.inputs.map((v) => {
        const dims = v.type!.kind === 'tensor' ? v.type!.shape!.map((d) => d.value ?? 2) : [];
        return [
          v.name,
          {
            dims,
            data: Float32Array.from({ length: dims.reduce((p, q) => p * q, 1) }, () => rand() * 2 - 1),
          },
        ];
      }),
    );
    const out = await runModel(bytes, feeds);
    for (const o of exported.graph.outputs) {
      const node = doc.graph.nodes.find((n) => n.name === o.name)!;
      const shape = a.nodes.get(node.id)!.outputShape!.map((d) => (d === 'N' ? 2 : d));
      assert.deepEqual(out[o.name].dims, shape, `${o.name} shape`);
      assert.ok(out[o.name].data.every(Number.isFinite), `${o.name} is finite`);
    }

    // export -> import -> export: equal graphs, bit-identical weights, no ONNX op left opaque.
    const { doc: imported, weights, report } = importOnnx(decodeModel(bytes), { embedWeights: false });
    assert.deepEqual(report.opaque, {}, 'every node is a Netwright layer again');
    const types = (nodes: readonly { type: string }[]) =>
      nodes
        .map((n) => n.type)
        .filter((x) => x !== 'Dropout' && x !== 'Identity')
        .sort();
    assert.deepEqual(
      types(imported.graph.nodes),
      types(doc.graph.nodes),
      'the same layers (Dropout is not exported)',
    );
    const again = exportInference(imported, { weights });
    assert.equal(canonicalModel(again), canonicalModel(exported));
    const w1 = weightBytes(exported);
    const w2 = weightBytes(again);
    assert.equal(w2.length, w1.length);
    w1.forEach((b, k) => assert.ok(b.equals(w2[k]), `weight ${k} differs`));
    t.diagnostic(
      `${(bytes.byteLength / 1e6).toFixed(1)} MB, ${(performance.now() - t0).toFixed(0)} ms${LARGE.has(name) ? ' (large)' : ''}`,
    );
  });
}

test('the LeNet-5 C3 connection table survives export and import', () => {
  const doc = loadTemplate('lenet5-c3');
  const exported = exportInference(doc, { seed: 1 });
  const { doc: imported } = importOnnx(decodeModel(encodeModel(exported)), { embedWeights: false });
  const table = (d: typeof doc) =>
    d.graph.nodes.find((n) => n.attributes.connection_table)?.attributes.connection_table;
  assert.ok(table(doc));
  assert.deepEqual(table(imported), table(doc));
});
