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
  /** node id -> the tensor of every output port (several only for multi-output layers). */
  ports: Map<string, string[]>;
  /** node id -> ONNX element type of every output port (float32 unless a layer says otherwise). */
  types: Map<string, number[]>;
  /** Source nodes (Input layers): graph inputs to declare, with their ONNX element type. */
  inputs: { id: string; name: string; shape: Shape; elemType: number }[];
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
    /** Truncated BPTT: recurrent state carried between windows (LowerContext.carry), per node. */
    carry?: (nodeId: string) => LowerContext<never>['carry'];
    /** The opset being written (imported ONNX ops adapt to it); 17 when absent. */
    opset?: number;
  },
): Lowered {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const incoming = new Map<string, string[]>();
  const consumed = new Set<string>();
  const sourcePorts = new Map<string, number>();
  for (const e of graph.edges) {
    let list = incoming.get(e.target);
    if (!list) incoming.set(e.target, (list = []));
    list[e.targetPort] = e.source;
    if (e.sourcePort) sourcePorts.set(`${e.target}:${e.targetPort}`, e.sourcePort);
    // A node is a graph output when its (first) output feeds nothing; other ports are optional.
    else consumed.add(e.source);
  }
  const FLOAT = 1;
  const ports = new Map<string, string[]>();
  const types = new Map<string, number[]>();
  const portOf = (id: string, k: number) => sourcePorts.get(`${id}:${k}`) ?? 0;
  const shapeAt = (s: string, port: number) => {
    const a = analysis.nodes.get(s)!;
    return (port ? a.outputShapes?.[port] : a.outputShape) as Shape;
  };
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
      inputs: sources.map((s, k) => ports.get(s)![portOf(id, k)]),
      inputShapes: sources.map((s, k) => shapeAt(s, portOf(id, k))),
      outputShape: result.outputShape!,
      attrs: node.attributes as never,
      params,
      training: opts.training,
      frozen: opts.training && !!node.frozen,
      output,
      saved: {},
      bufferUpdates: {},
      stepInput: (kind, shape, p) => {
        if (!opts.stepInput) throw new Error(`${node.name}: per-step inputs exist only in training graphs.`);
        return opts.stepInput(id, kind, shape, p);
      },
      opset: opts.opset,
      ...(opts.carry ? { carry: opts.carry(id) } : {}),
      outputs: [],
      outputTypes: [],
    };
    const tensor = def.toOnnx(ctx);
    contexts.set(id, ctx);
    // Element types follow the data: what the layer reports, else its first input's, else float32.
    const firstType = sources.length ? (types.get(sources[0])?.[portOf(id, 0)] ?? FLOAT) : FLOAT;
    const portTypes = ctx.outputTypes!.length ? ctx.outputTypes! : [firstType];
    if (minInputs(def) === 0)
      inputs.push({ id, name: tensor, shape: result.outputShape!, elemType: portTypes[0] });
    tensors.set(id, tensor);
    ports.set(id, ctx.outputs!.length ? ctx.outputs! : [tensor]);
    types.set(id, portTypes);
  }
  const sinks = analysis.order.filter(
    (id) => !consumed.has(id) && minInputs(getLayer(byId.get(id)!.type)!) > 0,
  );
  return { tensors, contexts, ports, types, inputs, sinks };
}
