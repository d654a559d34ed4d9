// An independent float64 reference for every layer's forward pass, PyTorch semantics, used only by
// tests as an oracle: exported ONNX models run in onnxruntime must match it, and analytic
// gradients are checked against central differences of it. It shares nothing with the engine but
// the attribute defaults and the graph type; window arithmetic, padding forms and parameter
// shapes are re-derived here from PyTorch's definitions.
//
// Each layer type's forward pass is one entry of REFERENCE (reference/registry.ts); this module
// evaluates single layers and whole graphs with it.
import type { Graph } from '../../engine/index.ts';
import { defaultAttributes, getLayer, topologicalOrder } from '../../engine/index.ts';
import type { Attrs } from './reference/attrs.ts';
import { batchNormRunningUpdate as bnRunningUpdate } from './reference/norm.ts';
import type { Mode, Params } from './reference/registry.ts';
import { REFERENCE } from './reference/registry.ts';
import type { RefTensor } from './reference/tensor.ts';

export type { RefTensor } from './reference/tensor.ts';
export {
  allClose,
  cloneTensor,
  maxAbsDiff,
  mulberry32,
  numel,
  randomIds,
  randomMask,
  randomTensor,
  refTensor,
  toFloat32,
  zeros,
} from './reference/tensor.ts';
export { erf, erfc, normalCdf } from './reference/special.ts';
export { SELU_ALPHA, SELU_SCALE } from './reference/elementwise.ts';
export { poolOutputSize } from './reference/pool.ts';
export type { LossKind } from './reference/loss.ts';
export { lossForward, numericGradient, IGNORE_INDEX } from './reference/loss.ts';

export type { Mode, Params, RefLayer } from './reference/registry.ts';
export { REFERENCE } from './reference/registry.ts';

/** The layer's defaults overlaid with `attrs`; unknown attribute names are an error. */
export function withDefaults(type: string, attrs: Record<string, unknown>): Attrs {
  const def = getLayer(type);
  if (!def) throw new Error(`there is no layer type '${type}'`);
  const unknown = Object.keys(attrs).filter((k) => !(k in def.attributes));
  if (unknown.length) throw new Error(`${type} has no attribute ${unknown.map((k) => `'${k}'`).join(', ')}`);
  return { ...defaultAttributes(def), ...attrs };
}

function arity(type: string, inputs: RefTensor[], [min, max]: [number, number]): void {
  if (inputs.length < min || inputs.length > max)
    throw new Error(`${type} takes ${min === max ? min : `${min}+`} input(s), got ${inputs.length}`);
}

/**
 * One layer's forward pass in float64. `attrs` may be partial (the layer's defaults fill the
 * rest); `params` are named as analyze() names them (weight, bias, running_mean, running_var).
 * Dropout in training mode needs opts.dropoutMask (0/1, the input's shape).
 */
export function referenceForward(
  type: string,
  attrs: Record<string, unknown>,
  inputs: RefTensor[],
  params: Params,
  mode: Mode,
  opts: { dropoutMask?: RefTensor } = {},
): RefTensor {
  const a = withDefaults(type, attrs);
  const layer = REFERENCE[type];
  if (!layer) throw new Error(`the reference has no forward pass for '${type}'`);
  arity(type, inputs, layer.arity);
  return layer.forward(a, inputs, params, mode, opts);
}

/**
 * BatchNorm1d/2d's running statistics after one training-mode forward pass on x:
 * (1 - momentum) * running + momentum * batch statistic, the variance UNBIASED (n - 1).
 */
export function batchNormRunningUpdate(
  type: 'BatchNorm1d' | 'BatchNorm2d',
  attrs: Record<string, unknown>,
  x: RefTensor,
  params: Params,
): { running_mean: RefTensor; running_var: RefTensor } {
  return bnRunningUpdate(type, withDefaults(type, attrs), x, params);
}

export interface GraphForwardOptions {
  /** Training-mode Dropout masks by node id. */
  dropoutMasks?: Record<string, RefTensor>;
}

interface Evaluation {
  outputs: Record<string, RefTensor>;
  inputs: Record<string, RefTensor[]>;
}

function evaluate(
  graph: Graph,
  params: Record<string, Params>,
  feeds: Record<string, RefTensor>,
  mode: Mode,
  opts: GraphForwardOptions,
): Evaluation {
  const { order, cyclic } = topologicalOrder(graph);
  if (cyclic.length) throw new Error(`the graph has a cycle through ${cyclic.join(', ')}`);
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const incoming = new Map<string, { port: number; source: string }[]>();
  for (const e of graph.edges) {
    if (!byId.has(e.source) || !byId.has(e.target)) throw new Error(`edge ${e.id} has a missing end`);
    if (e.sourcePort !== 0) throw new Error(`edge ${e.id}: layers have one output (port 0)`);
    const list = incoming.get(e.target) ?? [];
    list.push({ port: e.targetPort, source: e.source });
    incoming.set(e.target, list);
  }
  const outputs: Record<string, RefTensor> = {};
  const inputs: Record<string, RefTensor[]> = {};
  for (const id of order) {
    const node = byId.get(id)!;
    const edges = (incoming.get(id) ?? []).sort((p, q) => p.port - q.port);
    edges.forEach((e, i) => {
      if (e.port !== i) throw new Error(`${node.name}: input ports must be 0..${edges.length - 1}`);
    });
    let xs = edges.map((e) => outputs[e.source]);
    if (node.type === 'Input') {
      const feed = feeds[id];
      if (!feed) throw new Error(`no feed for Input node '${id}'`);
      xs = [feed];
    }
    inputs[id] = xs;
    try {
      outputs[id] = referenceForward(node.type, node.attributes, xs, params[id] ?? {}, mode, {
        dropoutMask: opts.dropoutMasks?.[id],
      });
    } catch (err) {
      throw new Error(`${node.name} (${node.type}): ${(err as Error).message}`, { cause: err });
    }
  }
  return { outputs, inputs };
}

/**
 * Evaluates a whole engine Graph in topological order (an edge's targetPort orders a node's
 * inputs) and returns every node's output by node id. params: by node id, then parameter name;
 * feeds: by Input node id.
 */
export function referenceGraphForward(
  graph: Graph,
  params: Record<string, Params>,
  feeds: Record<string, RefTensor>,
  mode: Mode,
  opts: GraphForwardOptions = {},
): Record<string, RefTensor> {
  return evaluate(graph, params, feeds, mode, opts).outputs;
}

/** The buffers of every node that updates them in training mode (tracking BatchNorms), after one pass. */
export function referenceGraphRunningUpdates(
  graph: Graph,
  params: Record<string, Params>,
  feeds: Record<string, RefTensor>,
  opts: GraphForwardOptions = {},
): Record<string, Params> {
  const { inputs } = evaluate(graph, params, feeds, 'train', opts);
  const out: Record<string, Params> = {};
  for (const node of graph.nodes) {
    const update = REFERENCE[node.type]?.bufferUpdate;
    const buffers = update?.(
      withDefaults(node.type, node.attributes),
      inputs[node.id][0],
      params[node.id] ?? {},
    );
    if (buffers) out[node.id] = buffers;
  }
  return out;
}
