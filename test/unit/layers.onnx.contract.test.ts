// Every layer's ONNX lowering and import pattern, generated from the registry: each worked example,
// exported at the lowest and the highest opset it can be written in, runs in onnxruntime and gives
// the independent float64 reference's output (inference mode: running statistics, no dropout);
// and the exported file imports back as layers (no opaque ONNX op) that compute the same output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AnyLayerDef, Graph, LayerExample, WeightMap } from '../../engine/index.ts';
import {
  addNode,
  allLayers,
  analyze,
  connect,
  emptyGraph,
  exportInference,
  isEditError,
  MAX_OPSET,
  MIN_OPSET,
  minInputs,
  newDocument,
  resolveWeights,
} from '../../engine/index.ts';
import { decodeModel, encodeModel, importOnnx } from '../../engine/onnx/index.ts';
import { runModel } from '../helpers/ort.ts';
import { refParams } from '../helpers/refParams.ts';
import type { RefTensor } from '../helpers/reference.ts';
import {
  mulberry32,
  randomIds,
  randomTensor,
  referenceGraphForward,
  withDefaults,
} from '../helpers/reference.ts';

const BATCH = 2;

/** Input nodes with the example's shapes (a free batch becomes BATCH) feeding one node of the layer. */
function exampleGraph(def: AnyLayerDef, ex: LayerExample): Graph {
  let g: Graph = emptyGraph;
  const ok = (x: Graph | { error: string }) => {
    if (isEditError(x)) throw new Error(x.error);
    return x;
  };
  ex.inputs.forEach(([batch, ...rest], i) => {
    const attributes = { shape: rest as number[], batch_size: batch === 'N' ? BATCH : (batch as number) };
    g = ok(addNode(g, { type: 'Input', id: `in${i}`, name: `in${i}`, attributes }));
  });
  g = ok(addNode(g, { type: def.type, id: 'layer', name: 'layer', attributes: ex.attributes }));
  ex.inputs.forEach((_, i) => (g = ok(connect(g, { source: `in${i}`, target: 'layer', targetPort: i }))));
  return g;
}

/** PyTorch's initial weights, with running statistics moved off 0 and 1 so inference mode shows. */
function exampleWeights(graph: Graph, seed: number): WeightMap {
  const analysis = analyze(graph);
  const weights = resolveWeights(analysis, undefined, seed);
  const rng = mulberry32(seed);
  for (const p of analysis.nodes.get('layer')!.parameters) {
    const v = weights.get('layer')!.get(p.name)!;
    if (p.role === 'buffer')
      for (let i = 0; i < v.length; i++) v[i] = p.init === 'ones' ? 0.5 + rng() : rng() - 0.5;
  }
  return weights;
}

const layers = allLayers().filter((l) => !l.shapeMayBeUnknown && minInputs(l) > 0);

for (const def of layers)
  def.examples.forEach((ex, i) => {
    test(`${def.type} example ${i + 1} in ONNX: ${ex.why}`, async () => {
      const graph = exampleGraph(def, ex);
      const doc = newDocument(def.type, graph);
      const weights = exampleWeights(graph, 100 + i);
      const rng = mulberry32(200 + i);
      const feeds: Record<string, RefTensor> = {};
      const idPorts = def.indexInputs?.(withDefaults(def.type, ex.attributes) as never) ?? [];
      for (const [port, n] of graph.nodes.filter((n) => n.type === 'Input').entries()) {
        const shape = analyze(graph).nodes.get(n.id)!.outputShape as number[];
        // Wide enough to reach the kinks of piecewise activations (Hardswish's ±3); ids in range.
        feeds[n.id] = idPorts[port] ? randomIds(shape, rng, idPorts[port]) : randomTensor(shape, rng, 4);
      }
      // The reference sees the float32 values onnxruntime is fed.
      for (const t of Object.values(feeds)) t.data.forEach((v, k) => (t.data[k] = Math.fround(v)));
      const inputs = Object.fromEntries(
        Object.entries(feeds).map(([id, t]) => [id, { dims: t.shape, data: Float32Array.from(t.data) }]),
      );
      const expected = referenceGraphForward(graph, refParams(graph, weights), feeds, 'eval').layer;
      const scale = expected.data.reduce((m, v) => Math.max(m, Math.abs(v)), 1);
      for (const opset of new Set([Math.max(MIN_OPSET, def.minOpset ?? MIN_OPSET), MAX_OPSET])) {
        const bytes = encodeModel(exportInference(doc, { opset, weights }));
        const out = await runModel(bytes, inputs);
        const y = out.layer;
        assert.deepEqual(y.dims, expected.shape, `opset ${opset}: output shape`);
        let worst = 0;
        y.data.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - expected.data[k]) / scale)));
        assert.ok(worst < 1e-4, `opset ${opset}: max relative difference ${worst}`);
        const imported = importOnnx(decodeModel(bytes), { name: def.type });
        const types = imported.doc.graph.nodes.map((n) => n.type);
        assert.ok(!types.includes('OnnxOp'), `opset ${opset}: imports as ${types.join(', ')}`);
        const again = await runModel(
          encodeModel(exportInference(imported.doc, { opset, weights: imported.weights })),
          inputs,
        );
        assert.deepEqual(Object.values(again)[0].data, y.data, `opset ${opset}: the imported model's output`);
      }
    });
  });
