// One pass over the graph in topological order: shapes, parameter and MAC counts, receptive
// fields and diagnostics for every node. It never throws: a bad node gets diagnostics and a null
// shape, and everything that does not depend on it is still analysed.
import type { Diagnostic } from '../diagnostics.ts';
import { isProblem } from '../diagnostics.ts';
import type { AnyLayerDef, ParamSpec } from '../layer.ts';
import { minInputs, maxInputs, inputNames } from '../layer.ts';
import { checkAttribute } from '../attributes.ts';
import { getLayer } from '../layers/index.ts';
import type { Graph, GraphNode } from '../graph/graph.ts';
import { topologicalOrder } from '../graph/graph.ts';
import type { Shape } from '../tensor/shape.ts';
import { perSampleElements, product } from '../tensor/shape.ts';
import type { RFResult, ReceptiveField } from './receptiveField.ts';
import { applyTransfer, mergeFields, sourceField } from './receptiveField.ts';
import { oversizedEdge, sizeProblems, modelSizeProblem } from './limits.ts';

export interface NodeAnalysis {
  id: string;
  inputShapes: (Shape | null)[];
  outputShape: Shape | null;
  /** Every output port's shape, for layers with several outputs (imported ONNX ops). */
  outputShapes?: (Shape | null)[];
  parameters: ParamSpec[];
  /** What model.parameters() holds (frozen ones included). */
  params: number;
  trainableParams: number;
  /** Non-parameter state such as BatchNorm running statistics. */
  buffers: number;
  /** Multiply-accumulates per sample. */
  macs: number;
  /** Always 2 x MACs. */
  flops: number;
  /** Output elements per sample. */
  outputElements: number;
  receptiveField: RFResult;
  receptivePaths: ReceptiveField[];
  diagnostics: Diagnostic[];
}

export interface Totals {
  params: number;
  trainableParams: number;
  buffers: number;
  macs: number;
  flops: number;
}

export interface Analysis {
  order: string[];
  nodes: Map<string, NodeAnalysis>;
  /** The tensor shape carried by each edge (null when unknown). */
  edgeShapes: Map<string, Shape | null>;
  totals: Totals;
  /** Sum of all node outputs per sample, float32. */
  activationBytesPerSample: number;
  diagnostics: Diagnostic[];
}

const FLOAT_BYTES = 4;

function emptyNode(id: string): NodeAnalysis {
  return {
    id,
    inputShapes: [],
    outputShape: null,
    parameters: [],
    params: 0,
    trainableParams: 0,
    buffers: 0,
    macs: 0,
    flops: 0,
    outputElements: 0,
    receptiveField: null,
    receptivePaths: [],
    diagnostics: [],
  };
}

const finite = (x: number) => (Number.isFinite(x) ? x : 0);
const hasError = (n: NodeAnalysis) => n.diagnostics.some((d) => d.severity === 'error');

function analyzeNode(
  node: GraphNode,
  def: AnyLayerDef,
  inputs: (Shape | null)[],
  inputFields: RFResult[],
  result: NodeAnalysis,
  /** An upstream node whose shape is unknown without an error (an imported op), if any. */
  unknownFrom: string | null = null,
): void {
  const err = (code: Diagnostic['code'], message: string, attribute?: string) =>
    result.diagnostics.push({ code, severity: 'error', message, nodeId: node.id, attribute });

  for (const [key, spec] of Object.entries(def.attributes)) {
    const why = checkAttribute(spec, node.attributes[key]);
    if (why) err('invalid-attribute', `${node.name}: ${key} ${why}.`, key);
  }
  const unknown = Object.keys(node.attributes).filter((k) => !(k in def.attributes));
  for (const k of unknown)
    err('invalid-attribute', `${node.name}: ${def.type} has no attribute '${k}'; remove it.`, k);

  const names = inputNames(def, inputs.length);
  // Every port up to the highest connected one must be fed: a variadic merge with a hole in the
  // middle (its port-2 edge deleted) is as unfinished as one with too few inputs.
  const wanted = Math.max(minInputs(def), Math.min(inputs.length, names.length));
  const missing = names.slice(0, wanted).filter((_, i) => inputs[i] === undefined);
  if (missing.length)
    err(
      'missing-input',
      `${node.name} has nothing connected to input ${missing.map((m) => `'${m}'`).join(', ')}; connect a layer's output to it.`,
    );
  if (inputs.length > maxInputs(def))
    err(
      'extra-input',
      `${node.name} takes ${maxInputs(def)} input(s) but has ${inputs.length}; remove the extra edge.`,
    );
  if (result.diagnostics.length) return;
  if (inputs.some((s) => s === null) && !def.shapeMayBeUnknown) {
    // An upstream error is reported there; an upstream shape that is merely unknown is noted here.
    if (unknownFrom)
      result.diagnostics.push({
        code: 'unknown-shape',
        severity: 'warning',
        message: `${node.name}: the shape of its input from ${unknownFrom} is unknown, so its own can't be shown.`,
        nodeId: node.id,
      });
    return;
  }

  const shapes = inputs as Shape[];
  const attrs = node.attributes as never;
  const countParameters = () => {
    result.parameters = def.parameters?.(shapes, attrs) ?? [];
    for (const p of result.parameters) {
      const n = p.count ?? product(p.shape);
      if (p.role === 'buffer') result.buffers += n;
      else result.params += n;
    }
    result.trainableParams = node.frozen ? 0 : result.params;
  };
  const checked = def.check?.(attrs, shapes);
  const out = checked ?? def.outputShape(shapes, attrs);
  if (isProblem(out) && out.severity === 'warning') {
    result.diagnostics.push({
      code: out.code ?? 'unknown-shape',
      severity: 'warning',
      message: `${node.name}: ${out.problem}`,
      nodeId: node.id,
      attribute: out.attribute,
    });
    if (def.shapeMayBeUnknown) countParameters();
    result.outputShapes = def.outputShapes?.(inputs, attrs);
    return;
  }
  if (isProblem(out)) {
    err(
      out.code ?? (out.attribute ? 'invalid-attribute' : 'shape-mismatch'),
      `${node.name}: ${out.problem}`,
      out.attribute,
    );
    return;
  }
  const tooBig = sizeProblems(node, def, shapes, out, attrs);
  if (tooBig.length) {
    result.diagnostics.push(...tooBig);
    return;
  }
  result.outputShape = out;
  const advice = def.advise?.(shapes, attrs);
  if (advice)
    result.diagnostics.push({
      code: 'suspicious-shape',
      severity: 'warning',
      message: `${node.name}: ${advice}`,
      nodeId: node.id,
    });
  result.outputShapes = def.outputShapes?.(inputs, attrs);
  result.outputElements = finite(perSampleElements(out));
  countParameters();
  result.macs = finite(def.macs?.(shapes, out, attrs) ?? 0);
  result.flops = 2 * result.macs;

  const merged = mergeFields(inputFields);
  const transfer = def.receptiveField?.(shapes, attrs) ?? { kind: 'identity' };
  result.receptiveField =
    def.inputs && minInputs(def) === 0 ? sourceField(out.length - 2) : applyTransfer(merged.field, transfer);
  result.receptivePaths = merged.paths.length > 1 ? merged.paths : [];
  if (merged.unaligned)
    result.diagnostics.push({
      code: 'unaligned-receptive-field',
      severity: 'warning',
      message: `${node.name}: the paths that meet here see differently placed input regions (different stride or centre); the largest is shown.`,
      nodeId: node.id,
    });
}

/** Analysis never throws: a layer's own code failing on odd input is this node's error. */
function analyzeSafely(...args: Parameters<typeof analyzeNode>): void {
  const [node, def, , , result] = args;
  try {
    analyzeNode(...args);
  } catch (e) {
    Object.assign(result, emptyNode(node.id));
    result.diagnostics.push({
      code: 'internal',
      severity: 'error',
      message: `${node.name}: its ${def.type} layer could not be analysed (${(e as Error)?.message ?? e}); check its inputs and attributes.`,
      nodeId: node.id,
    });
  }
}

/** An input fed from an output port its (error-free) source does not have. */
function missingSourcePort(
  node: GraphNode,
  sources: (string | undefined)[],
  portOf: (port: number) => number,
  nodes: ReadonlyMap<string, NodeAnalysis>,
  byId: ReadonlyMap<string, GraphNode>,
): Diagnostic | null {
  for (const [port, s] of sources.entries()) {
    const from = s === undefined ? undefined : nodes.get(s);
    const sourcePort = portOf(port);
    if (!from || sourcePort === 0 || hasError(from)) continue;
    const outputs = from.outputShapes?.length ?? 1;
    if (sourcePort >= outputs)
      return {
        code: 'dangling-edge',
        severity: 'error',
        message: `${node.name}: input ${port} comes from output ${sourcePort} of ${byId.get(s!)!.name}, which has ${outputs} output(s); reconnect it to an existing output.`,
        nodeId: node.id,
      };
  }
  return null;
}

/** The whole-model size problem each analysis added to its largest node (reused nodes drop it). */
const modelProblems = new WeakMap<Analysis, Diagnostic>();

/** Whether a node's analysis can't have changed: the same layer, name and attributes (it may have moved). */
const sameLayer = (a: GraphNode | undefined, b: GraphNode) =>
  a !== undefined &&
  (a === b ||
    (a.type === b.type && a.name === b.name && a.attributes === b.attributes && a.frozen === b.frozen));

/** The graph's edges as each node's inputs; edges that point nowhere become diagnostics. */
interface Wiring {
  byId: ReadonlyMap<string, GraphNode>;
  /** Each node's source node per input port (holes where nothing is connected). */
  incoming: Map<string, (string | undefined)[]>;
  /** The source node of every valid edge. */
  edgeSource: Map<string, string>;
  /** `${target}:${targetPort}` -> the source's output port, when not 0. */
  sourcePorts: Map<string, number>;
  diagnostics: Diagnostic[];
}

function wire(graph: Graph): Wiring {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const wiring: Wiring = {
    byId,
    incoming: new Map(),
    edgeSource: new Map(),
    sourcePorts: new Map(),
    diagnostics: [],
  };
  for (const e of graph.edges) {
    const oversized = oversizedEdge(e, byId.get(e.target)?.name);
    if (oversized) {
      wiring.diagnostics.push(oversized);
      continue;
    }
    if (!byId.has(e.source) || !byId.has(e.target)) {
      wiring.diagnostics.push({
        code: 'dangling-edge',
        severity: 'error',
        message: `An edge refers to a node that does not exist ('${byId.has(e.source) ? e.target : e.source}'); delete the edge.`,
      });
      continue;
    }
    let list = wiring.incoming.get(e.target);
    if (!list) wiring.incoming.set(e.target, (list = []));
    list[e.targetPort] = e.source;
    if (e.sourcePort) wiring.sourcePorts.set(`${e.target}:${e.targetPort}`, e.sourcePort);
    wiring.edgeSource.set(e.id, e.source);
  }
  return wiring;
}

/** The shape on output `port` of a node (port 0 unless a multi-output layer says otherwise). */
function portShape(nodes: ReadonlyMap<string, NodeAnalysis>, source: string, port: number): Shape | null {
  const n = nodes.get(source)!;
  return port ? (n.outputShapes?.[port] ?? null) : n.outputShape;
}

/** A node analysed afresh, from the analyses of the nodes that feed it. */
function analyzeFresh(
  node: GraphNode,
  wiring: Wiring,
  nodes: ReadonlyMap<string, NodeAnalysis>,
): NodeAnalysis {
  const id = node.id;
  const result = emptyNode(id);
  const def = getLayer(node.type);
  if (!def) {
    result.diagnostics.push({
      code: 'unknown-layer',
      severity: 'error',
      message: `${node.name}: there is no layer type '${node.type}'; replace the node.`,
      nodeId: id,
    });
    return result;
  }
  const sources = wiring.incoming.get(id) ?? [];
  const portOf = (port: number) => wiring.sourcePorts.get(`${id}:${port}`) ?? 0;
  const inputs = Array.from(sources, (s, port) =>
    s === undefined ? (undefined as unknown as null) : portShape(nodes, s, portOf(port)),
  );
  result.inputShapes = inputs.map((s) => s ?? null);
  const lacking = missingSourcePort(node, sources, portOf, nodes, wiring.byId);
  if (lacking) result.diagnostics.push(lacking);
  const fields = sources.filter((s): s is string => s !== undefined).map((s) => nodes.get(s)!.receptiveField);
  const unknown = sources.find(
    (s, port) => s !== undefined && inputs[port] === null && !hasError(nodes.get(s)!),
  );
  analyzeSafely(node, def, inputs, fields, result, unknown ? wiring.byId.get(unknown)!.name : null);
  return result;
}

/**
 * The earlier analysis of a node when it still holds: the same layer, fed by nodes that were
 * not analysed afresh. The whole-model size problem it may carry is taken off (it is added anew).
 */
function reused(
  node: GraphNode,
  before: { graph: Graph; analysis: Analysis } | undefined,
  beforeById: ReadonlyMap<string, GraphNode> | undefined,
  sources: readonly (string | undefined)[],
  fresh: ReadonlySet<string>,
): NodeAnalysis | undefined {
  const kept = before?.analysis.nodes.get(node.id);
  if (!kept || !sameLayer(beforeById!.get(node.id), node)) return undefined;
  if (sources.some((s) => s !== undefined && fresh.has(s))) return undefined;
  const earlier = modelProblems.get(before!.analysis);
  return earlier && kept.diagnostics.includes(earlier)
    ? { ...kept, diagnostics: kept.diagnostics.filter((d) => d !== earlier) }
    : kept;
}

function cycleNode(id: string, name: string): NodeAnalysis {
  const r = emptyNode(id);
  r.diagnostics.push({
    code: 'cycle',
    severity: 'error',
    message: `${name} is on or after a cycle; remove one of the edges that loop back.`,
    nodeId: id,
  });
  return r;
}

/** Sums every node's counts, and gathers their diagnostics after the graph's own. */
function totalsOf(nodes: ReadonlyMap<string, NodeAnalysis>, diagnostics: Diagnostic[]) {
  const totals: Totals = { params: 0, trainableParams: 0, buffers: 0, macs: 0, flops: 0 };
  let activationElements = 0;
  for (const r of nodes.values()) {
    totals.params += r.params;
    totals.trainableParams += r.trainableParams;
    totals.buffers += r.buffers;
    totals.macs += r.macs;
    totals.flops += r.flops;
    activationElements += r.outputElements;
    diagnostics.push(...r.diagnostics);
  }
  return { totals, activationElements };
}

/**
 * Shapes, counts, receptive fields and diagnostics of every node. Given the analysis of an earlier
 * version of the graph with the same edges (one attribute edited, a node renamed or moved), only
 * the nodes that changed and those downstream of them are analysed again: one edit in a graph of
 * a thousand layers costs what its consequences cost.
 */
export function analyze(graph: Graph, previous?: { graph: Graph; analysis: Analysis }): Analysis {
  const { order, cyclic } = topologicalOrder(graph);
  const wiring = wire(graph);
  const { byId, diagnostics } = wiring;
  const nodes = new Map<string, NodeAnalysis>();
  const before = previous && previous.graph.edges === graph.edges ? previous : undefined;
  const beforeById = before && new Map(before.graph.nodes.map((n) => [n.id, n]));
  /** Nodes analysed afresh: whatever they feed is analysed afresh too. */
  const fresh = new Set<string>();
  for (const id of order) {
    const node = byId.get(id)!;
    const kept = reused(node, before, beforeById, wiring.incoming.get(id) ?? [], fresh);
    if (kept) {
      nodes.set(id, kept);
      continue;
    }
    fresh.add(id);
    nodes.set(id, analyzeFresh(node, wiring, nodes));
  }
  for (const id of cyclic) nodes.set(id, cycleNode(id, byId.get(id)!.name));

  const { totals, activationElements } = totalsOf(nodes, diagnostics);
  const modelTooBig = modelSizeProblem(nodes, byId);
  if (modelTooBig) {
    diagnostics.push(modelTooBig);
    // A copy: the node's analysis may be shared with an earlier one (see `previous`).
    const largest = nodes.get(modelTooBig.nodeId!);
    if (largest) nodes.set(largest.id, { ...largest, diagnostics: [...largest.diagnostics, modelTooBig] });
  }
  const edgeShapes = new Map<string, Shape | null>();
  for (const e of graph.edges)
    if (wiring.edgeSource.has(e.id))
      edgeShapes.set(e.id, nodes.has(e.source) ? portShape(nodes, e.source, e.sourcePort) : null);

  const analysis: Analysis = {
    order: [...order, ...cyclic],
    nodes,
    edgeShapes,
    totals,
    activationBytesPerSample: activationElements * FLOAT_BYTES,
    diagnostics,
  };
  if (modelTooBig) modelProblems.set(analysis, modelTooBig);
  return analysis;
}

export interface MemoryEstimate {
  parameterBytes: number;
  /** Forward activations for the batch. */
  activationBytes: number;
  /** Parameters, their gradients, optimizer state, and activations plus their gradients. */
  trainingBytes: number;
}

/**
 * A training-memory estimate: every activation is kept for the backward pass and gets a
 * gradient of its own; each parameter has a gradient and `optimizerSlots` state tensors
 * (SGD 0, momentum 1, Adam 2).
 */
export function estimateMemory(a: Analysis, batch: number, optimizerSlots = 1): MemoryEstimate {
  const parameterBytes = (a.totals.params + a.totals.buffers) * FLOAT_BYTES;
  const activationBytes = a.activationBytesPerSample * batch;
  const trainable = a.totals.trainableParams * FLOAT_BYTES;
  return {
    parameterBytes,
    activationBytes,
    trainingBytes: parameterBytes + trainable * (1 + optimizerSlots) + 2 * activationBytes,
  };
}
