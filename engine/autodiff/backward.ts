// The backward walk of the train-step compiler: reverse topological order, each node's gradient
// rule given the sum of the gradients flowing into its output, and only the gradients that reach
// something trainable (or an Input whose gradient was asked for) computed at all.
import type { Analysis } from '../analysis/analyze.ts';
import type { Graph, GraphNode } from '../graph/graph.ts';
import { minInputs } from '../layer.ts';
import { getLayer } from '../layers/index.ts';
import type { OnnxBuilder } from '../onnx/builder.ts';
import { tensorInfo } from '../onnx/builder.ts';
import type { Lowered } from '../onnx/lower.ts';
import type { OnnxValueInfo } from '../onnx/types.ts';
import { isBuffer } from '../params.ts';

export class CompileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CompileError';
  }
}

export interface BackwardInput {
  b: OnnxBuilder;
  graph: Graph;
  analysis: Analysis;
  nodeOf(id: string): GraphNode;
  lowered: Lowered;
  /** The node the loss reads, and dLoss/d(its output). */
  sink: string;
  dOutput: string;
  /** Also propagate to Input layers (saliency, tests). */
  inputGradients: boolean;
  /** Keep every node's output gradient, not only those that reach a trainable parameter. */
  everyNode: boolean;
  /** Graph outputs: each node's squared gradient norm is one. */
  outputs: OnnxValueInfo[];
}

export interface Backward {
  /** `${nodeId}/${param}` -> dLoss/dParameter. */
  paramGrads: Map<string, string>;
  /** node id -> the summed upstream gradient its rule was given. */
  dyOf: Map<string, string>;
  /** node id -> gradient parts not yet summed (what reached the Input layers). */
  pending: Map<string, string[]>;
  /** Squared L2 norm of each node's parameter gradients (the vanishing-gradient view). */
  gradSquares: { nodeId: string; output: string }[];
}

export const gradKey = (nodeId: string, param: string) => `${nodeId}/${param}`;

/** target node id -> source node id per input port. */
export function incomingSources(graph: Graph): Map<string, string[]> {
  const incoming = new Map<string, string[]>();
  for (const e of graph.edges) {
    let l = incoming.get(e.target);
    if (!l) incoming.set(e.target, (l = []));
    l[e.targetPort] = e.source;
  }
  return incoming;
}

/** What deciding which gradients to compute needs to know about the compilation. */
export type GradientScope = Pick<BackwardInput, 'analysis' | 'nodeOf' | 'inputGradients' | 'everyNode'>;

/**
 * Which nodes' output gradients are worth computing: dX of a first layer, e.g. 784x512 in an MLP,
 * is as costly as its dW and would be thrown away unless it leads to something trainable.
 */
export function gradientWanted(x: GradientScope, incoming: Map<string, string[]>): (id: string) => boolean {
  const isSource = (id: string) => minInputs(getLayer(x.nodeOf(id).type)!) === 0;
  const reachesTrainable = new Set<string>();
  for (const id of x.analysis.order) {
    const own = isSource(id) ? x.inputGradients : hasTrainableParameters(x, id);
    if (own || (incoming.get(id) ?? []).some((s) => reachesTrainable.has(s))) reachesTrainable.add(id);
  }
  return (id) => (isSource(id) ? x.inputGradients : x.everyNode || reachesTrainable.has(id));
}

/** Whether a node has a parameter the optimizer updates (not frozen, not a buffer). */
export function hasTrainableParameters(x: Pick<GradientScope, 'analysis' | 'nodeOf'>, id: string): boolean {
  return !x.nodeOf(id).frozen && x.analysis.nodes.get(id)!.parameters.some((p) => !isBuffer(p));
}

/** Emits the backward pass; gradients are summed over fan-out. */
export function backward(x: BackwardInput): Backward {
  const { b, lowered } = x;
  const incoming = incomingSources(x.graph);
  const wantsGradient = gradientWanted(x, incoming);
  const pending = new Map<string, string[]>([[x.sink, [x.dOutput]]]);
  const paramGrads = new Map<string, string>();
  const dyOf = new Map<string, string>();
  const gradSquares: Backward['gradSquares'] = [];
  for (const id of [...x.analysis.order].reverse()) {
    const parts = pending.get(id);
    const node = x.nodeOf(id);
    const def = getLayer(node.type)!;
    if (!parts || minInputs(def) === 0) continue;
    if (!def.gradient)
      throw new CompileError(
        `${node.name} (${def.type}) has no gradient rule, so nothing before it can be trained; freeze the layers before it or replace it.`,
      );
    const dy =
      parts.length === 1
        ? parts[0]
        : b.op(parts.length === 2 ? 'Add' : 'Sum', parts, {}, { name: `${node.name}/grad_sum` });
    dyOf.set(id, dy);
    const sources = incoming.get(id) ?? [];
    const g = def.gradient({
      ...lowered.contexts.get(id)!,
      y: lowered.tensors.get(id)!,
      dy,
      needInput: sources.map((s) => wantsGradient(s)),
    } as never);
    sources.forEach((s, port) => {
      const dx = g.inputs[port];
      if (!dx || !wantsGradient(s)) return;
      const list = pending.get(s) ?? [];
      list.push(dx);
      pending.set(s, list);
    });
    const squares: string[] = [];
    // A frozen node on the way to something trainable passes gradients on but keeps its own.
    for (const [p, grad] of node.frozen ? [] : Object.entries(g.params)) {
      paramGrads.set(gradKey(id, p), grad);
      squares.push(b.op('ReduceSumSquare', [grad], { keepdims: 0 }));
    }
    if (squares.length) {
      const total = squares.length === 1 ? squares[0] : b.op('Sum', squares);
      const output = b.op('Identity', [total], {}, { output: `${node.name}.grad_sq` });
      x.outputs.push(tensorInfo(output, []));
      gradSquares.push({ nodeId: id, output });
    }
  }
  return { paramGrads, dyOf, pending, gradSquares };
}
