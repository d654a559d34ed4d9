// Lowers an analysed graph to ONNX nodes through each layer's toOnnx(). Shared by the inference
// exporter and the training compiler; only how parameters are named and fed differs.
import type { Analysis } from '../analysis/analyze.ts';
import type { Graph } from '../graph/graph.ts';
import type { LowerContext } from '../layer.ts';
import { minInputs } from '../layer.ts';
import { getLayer } from '../layers/index.ts';
import type { Shape } from '../tensor/shape.ts';
import type { OnnxBuilder } from './builder.ts';

export interface Lowered {
  /** node id -> the tensor holding its output. */
  tensors: Map<string, string>;
  /** node id -> the context its toOnnx() saw (the backward pass reuses it). */
  contexts: Map<string, LowerContext<never>>;
  /** Source nodes (Input layers): graph inputs to declare. */
  inputs: { id: string; name: string; shape: Shape }[];
  /** Nodes nothing else consumes: graph outputs. */
  sinks: string[];
}

export function lowerGraph(
  b: OnnxBuilder,
  graph: Graph,
  analysis: Analysis,
  opts: {
    training: boolean;
    paramTensor: (nodeId: string, param: string) => string;
    stepInput?: (nodeId: string, kind: 'dropout-mask', shape: number[], p: number) => string;
  },
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
  const contexts = new Map<string, LowerContext<never>>();
  const inputs: Lowered['inputs'] = [];
  for (const id of analysis.order) {
    const node = byId.get(id)!;
    const def = getLayer(node.type)!;
    const result = analysis.nodes.get(id)!;
    const sources = incoming.get(id) ?? [];
    const output = b.name(node.name);
    const params: Record<string, string> = {};
    for (const p of result.parameters) params[p.name] = opts.paramTensor(id, p.name);
    const ctx: LowerContext<never> = {
      b,
      node: node.name,
      inputs: sources.map((s) => tensors.get(s)!),
      inputShapes: sources.map((s) => analysis.nodes.get(s)!.outputShape!),
      outputShape: result.outputShape!,
      attrs: node.attributes as never,
      params,
      training: opts.training,
      output,
      saved: {},
      bufferUpdates: {},
      stepInput: (kind, shape, p) => {
        if (!opts.stepInput) throw new Error(`${node.name}: per-step inputs exist only in training graphs.`);
        return opts.stepInput(id, kind, shape, p);
      },
    };
    const tensor = def.toOnnx(ctx);
    contexts.set(id, ctx);
    if (minInputs(def) === 0) inputs.push({ id, name: tensor, shape: result.outputShape! });
    tensors.set(id, tensor);
  }
  const sinks = analysis.order.filter(
    (id) => !consumed.has(id) && minInputs(getLayer(byId.get(id)!.type)!) > 0,
  );
  return { tensors, contexts, inputs, sinks };
}
