// Lowers an analysed graph to ONNX nodes through each layer's toOnnx(). Shared by the inference
// exporter and the training compiler; only how parameters are named and fed differs.
import type { Analysis } from '../analysis/analyze.ts';
import type { Graph } from '../graph/graph.ts';
import { minInputs } from '../layer.ts';
import { getLayer } from '../layers/index.ts';
import type { Shape } from '../tensor/shape.ts';
import type { OnnxBuilder } from './builder.ts';

export interface Lowered {
  /** node id -> the tensor holding its output. */
  tensors: Map<string, string>;
  /** Source nodes (Input layers): graph inputs to declare. */
  inputs: { id: string; name: string; shape: Shape }[];
  /** Nodes nothing else consumes: graph outputs. */
  sinks: string[];
}

export function lowerGraph(
  b: OnnxBuilder,
  graph: Graph,
  analysis: Analysis,
  opts: { training: boolean; paramTensor: (nodeId: string, param: string) => string },
): Lowered {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const incoming = new Map<string, string[]>();
  const consumed = new Set<string>();
  for (const e of graph.edges) {
    let list = incoming.get(e.target);
    if (!list) incoming.set(e.target, (list = []));
    list[e.targetPort] = e.source;
    consumed.add(e.source);
  }
  const tensors = new Map<string, string>();
  const inputs: Lowered['inputs'] = [];
  for (const id of analysis.order) {
    const node = byId.get(id)!;
    const def = getLayer(node.type)!;
    const result = analysis.nodes.get(id)!;
    const sources = incoming.get(id) ?? [];
    const output = b.name(node.name);
    const params: Record<string, string> = {};
    for (const p of result.parameters) params[p.name] = opts.paramTensor(id, p.name);
    const tensor = def.toOnnx({
      b,
      node: node.name,
      inputs: sources.map((s) => tensors.get(s)!),
      inputShapes: sources.map((s) => analysis.nodes.get(s)!.outputShape!),
      outputShape: result.outputShape!,
      attrs: node.attributes as never,
      params,
      training: opts.training,
      output,
    });
    if (minInputs(def) === 0) inputs.push({ id, name: tensor, shape: result.outputShape! });
    tensors.set(id, tensor);
  }
  const sinks = analysis.order.filter(
    (id) => !consumed.has(id) && minInputs(getLayer(byId.get(id)!.type)!) > 0,
  );
  return { tensors, inputs, sinks };
}
