// The two edits transfer learning is made of: freeze a pretrained backbone up to a chosen node,
// and put a fresh classifier for the user's classes in place of the old one. Both are pure
// graph edits like the others (edits.ts), so the canvas, the CLI and tests share them.
import type { Graph, GraphNode } from './graph.ts';
import { edgeId, freshId, nodeById, topologicalOrder } from './graph.ts';
import type { EditError } from './edits.ts';
import type { ProjectDocument } from './document.ts';
import { defaultAttributes } from '../layer.ts';
import { getLayer } from '../layers/index.ts';

/** The chosen node and every node whose output reaches it: what "up to here" covers. */
export function upstreamOf(graph: Graph, id: string): Set<string> {
  const sources = new Map<string, string[]>();
  for (const e of graph.edges) {
    let l = sources.get(e.target);
    if (!l) sources.set(e.target, (l = []));
    l.push(e.source);
  }
  const seen = new Set<string>();
  const stack = [id];
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    stack.push(...(sources.get(n) ?? []));
  }
  return seen;
}

/**
 * Freezes the chosen node and everything before it, and unfreezes the rest, so choosing a later
 * node moves the boundary instead of adding a second frozen island. Frozen layers keep their
 * weights, get no backward pass and run as at inference (BatchNorm on its running statistics,
 * no dropout), as Keras's trainable=False does.
 */
export function freezeUpTo(graph: Graph, id: string): Graph | EditError {
  if (!nodeById(graph, id)) return { error: `There is no node '${id}' to freeze up to.` };
  const frozen = upstreamOf(graph, id);
  return { nodes: graph.nodes.map((n) => withFrozen(n, frozen.has(n.id))), edges: graph.edges };
}

export function unfreezeAll(graph: Graph): Graph {
  return { nodes: graph.nodes.map((n) => withFrozen(n, false)), edges: graph.edges };
}

/** Unfrozen nodes carry no flag at all, so a document that never froze anything is unchanged. */
function withFrozen(n: GraphNode, frozen: boolean): GraphNode {
  if (!!n.frozen === frozen) return n;
  if (frozen) return { ...n, frozen: true };
  const rest = { ...n };
  delete rest.frozen;
  return rest;
}

/** The last Linear in data-flow order: the classifier a pretrained model ends with. */
export function lastLinear(graph: Graph): GraphNode | undefined {
  // A lookup table rather than nodeById per node: that made this quadratic in the graph's size.
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const linears = topologicalOrder(graph)
    .order.map((i) => byId.get(i)!)
    .filter((n) => n.type === 'Linear');
  return linears[linears.length - 1];
}

/**
 * Replaces the classifier (the chosen node, else the last Linear) by a new Linear with `classes`
 * outputs under the same name. The new node has a new id, so no stored or host-held weight
 * matches it and it starts from PyTorch's default initialisation; everything else is kept.
 * A Softmax that only turns the old classifier's scores into the model's output goes too: the
 * training losses apply their own (log-)softmax to raw scores, as PyTorch's CrossEntropyLoss
 * does, and a second one flattens the gradient so much that the new head barely learns.
 */
export function replaceClassifier(graph: Graph, classes: number, id?: string): Graph | EditError {
  if (!Number.isInteger(classes) || classes < 1)
    return { error: `A classifier needs a whole number of classes of at least 1, not ${classes}.` };
  const old = id ? nodeById(graph, id) : lastLinear(graph);
  if (!old)
    return {
      error: id
        ? `There is no node '${id}' to replace.`
        : 'This model has no Linear layer to replace; choose the node that gives the class scores.',
    };
  const inputs = graph.edges.filter((e) => e.target === old.id);
  if (inputs.length !== 1)
    return {
      error: `${old.name} takes ${inputs.length} inputs; a classifier takes one, so choose the node that gives the class scores.`,
    };
  const fresh: GraphNode = {
    id: freshId(graph, `${old.name}_${classes}`),
    type: 'Linear',
    name: old.name,
    attributes: { out_features: classes, bias: old.type === 'Linear' ? (old.attributes.bias ?? true) : true },
    position: old.position,
  };
  const rewire = (s: string) => (s === old.id ? fresh.id : s);
  const softmax = trailingSoftmax(graph, old.id);
  return {
    nodes: graph.nodes.filter((n) => n.id !== softmax).map((n) => (n.id === old.id ? fresh : n)),
    edges: graph.edges
      .filter((e) => e.source !== softmax && e.target !== softmax)
      .map((e) => {
        if (e.source !== old.id && e.target !== old.id) return e;
        const source = rewire(e.source);
        const target = rewire(e.target);
        const sourcePort = e.source === old.id ? 0 : e.sourcePort;
        return { ...e, id: edgeId(source, sourcePort, target, e.targetPort), source, sourcePort, target };
      }),
  };
}

/**
 * replaceClassifier on a document: the new layer takes the old one's place in its group (an
 * imported VGG's "Classifier" stage), and a removed Softmax leaves its group, so no group names a
 * node that is gone. Weights are the caller's (they follow node ids).
 */
export function replaceClassifierInDocument(
  doc: ProjectDocument,
  classes: number,
  id?: string,
): ProjectDocument | EditError {
  const graph = replaceClassifier(doc.graph, classes, id);
  if ('error' in graph) return graph;
  if (!doc.groups?.length) return { ...doc, graph };
  const kept = new Set(graph.nodes.map((n) => n.id));
  const before = new Set(doc.graph.nodes.map((n) => n.id));
  const fresh = graph.nodes.find((n) => !before.has(n.id))!.id;
  const old = id ?? lastLinear(doc.graph)!.id;
  const groups = doc.groups
    .map((g) => ({ ...g, members: g.members.flatMap((m) => (m === old ? [fresh] : kept.has(m) ? [m] : [])) }))
    .filter((g) => g.members.length > 0);
  return { ...doc, graph, groups };
}

/** The id of a Softmax fed only by the classifier and feeding nothing: the model's probability output. */
function trailingSoftmax(graph: Graph, classifier: string): string | undefined {
  const after = graph.edges.filter((e) => e.source === classifier);
  if (after.length !== 1) return undefined;
  const next = nodeById(graph, after[0].target);
  if (next?.type !== 'Softmax') return undefined;
  const terminal = !graph.edges.some((e) => e.source === next.id);
  const onlyInput = graph.edges.filter((e) => e.target === next.id).length === 1;
  return terminal && onlyInput ? next.id : undefined;
}

/** A model cut at its frozen boundary: a fixed backbone and the head that trains on its output. */
export interface FrozenSplit {
  /** The frozen node whose output is all the trainable part sees. */
  boundary: string;
  /** The frozen nodes (the boundary and everything before it). */
  backbone: Graph;
  /** The trainable nodes, fed by an Input that stands where the boundary was (same id and name). */
  head: Graph;
}

/**
 * Where a model can be cut so its frozen part runs once per picture instead of once per epoch:
 * every node before the boundary is frozen, the data enters only there, and only one frozen node
 * (on its first output) feeds the trainable part. Null, with the reason, when it can't.
 */
export function splitAtFrozen(
  graph: Graph,
  shapeOf: (id: string) => readonly (number | string)[] | undefined,
): FrozenSplit | { why: string } {
  const frozen = new Set(graph.nodes.filter((n) => n.frozen).map((n) => n.id));
  if (!frozen.size) return { why: 'nothing is frozen' };
  const crossing = graph.edges.filter((e) => frozen.has(e.source) && !frozen.has(e.target));
  const boundaries = new Set(crossing.map((e) => e.source));
  if (boundaries.size !== 1 || crossing.some((e) => e.sourcePort !== 0))
    return { why: `${boundaries.size} frozen nodes feed the trainable ones; the cut needs exactly one` };
  if (graph.edges.some((e) => !frozen.has(e.source) && frozen.has(e.target)))
    return { why: 'a trainable node feeds a frozen one' };
  if (graph.nodes.some((n) => n.type === 'Input' && !frozen.has(n.id)))
    return { why: 'an input feeds the trainable part directly' };
  const [boundary] = boundaries;
  if (upstreamOf(graph, boundary).size !== frozen.size)
    return { why: 'some frozen nodes do not lead to the boundary' };
  const shape = shapeOf(boundary);
  if (!shape || shape.slice(1).some((d) => typeof d !== 'number'))
    return { why: `the frozen output's shape [${shape?.join(', ')}] is not fixed` };
  const cut = nodeById(graph, boundary)!;
  const input: GraphNode = {
    id: cut.id,
    type: 'Input',
    name: cut.name,
    attributes: { ...defaultAttributes(getLayer('Input')!), shape: shape.slice(1) as number[] },
    position: cut.position,
  };
  return {
    boundary,
    backbone: {
      nodes: graph.nodes.filter((n) => frozen.has(n.id)),
      edges: graph.edges.filter((e) => frozen.has(e.target)),
    },
    head: {
      nodes: [input, ...graph.nodes.filter((n) => !frozen.has(n.id))],
      edges: graph.edges.filter((e) => !frozen.has(e.target)),
    },
  };
}
