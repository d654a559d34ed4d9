// The two edits transfer learning is made of: freeze a pretrained backbone up to a chosen node,
// and put a fresh classifier for the user's classes in place of the old one. Both are pure
// graph edits like the others (edits.ts), so the canvas, the CLI and tests share them.
import type { Graph, GraphNode } from './graph.ts';
import { edgeId, freshId, nodeById, topologicalOrder } from './graph.ts';
import type { EditError } from './edits.ts';

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
  const linears = topologicalOrder(graph)
    .order.map((i) => nodeById(graph, i)!)
    .filter((n) => n.type === 'Linear');
  return linears[linears.length - 1];
}

/**
 * Replaces the classifier (the chosen node, else the last Linear) by a new Linear with `classes`
 * outputs under the same name. The new node has a new id, so no stored or host-held weight
 * matches it and it starts from PyTorch's default initialisation; everything else is kept.
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
  return {
    nodes: graph.nodes.map((n) => (n.id === old.id ? fresh : n)),
    edges: graph.edges.map((e) => {
      if (e.source !== old.id && e.target !== old.id) return e;
      const source = rewire(e.source);
      const target = rewire(e.target);
      const sourcePort = e.source === old.id ? 0 : e.sourcePort;
      return { ...e, id: edgeId(source, sourcePort, target, e.targetPort), source, sourcePort, target };
    }),
  };
}
