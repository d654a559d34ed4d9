// The document a user draws: nodes (a layer type, a name, attributes) and edges between ports.
// Every edit is a pure function (graph, args) -> graph, so undo/redo is a stack of snapshots and
// the UI, the CLI and tests share the same operations.
import type { AttrValue } from '../layer.ts';

export interface GraphNode {
  id: string;
  type: string;
  name: string;
  attributes: Record<string, AttrValue>;
  position: { x: number; y: number };
  /** Frozen nodes keep their parameters fixed in training (they stop counting as trainable). */
  frozen?: boolean;
}

/** An edge feeds output `sourcePort` of one node into input `targetPort` of another. */
export interface Edge {
  id: string;
  source: string;
  sourcePort: number;
  target: string;
  targetPort: number;
}

export interface Graph {
  nodes: readonly GraphNode[];
  edges: readonly Edge[];
}

export const emptyGraph: Graph = { nodes: [], edges: [] };

export function edgeId(source: string, sourcePort: number, target: string, targetPort: number): string {
  return `${source}:${sourcePort}->${target}:${targetPort}`;
}

/** A fresh id that no node in the graph uses: `${prefix}_${n}`. */
export function freshId(graph: Graph, prefix: string): string {
  const used = new Set(graph.nodes.map((n) => n.id));
  const base = prefix.toLowerCase().replace(/[^a-z0-9]+/g, '_');
  for (let i = 1; ; i++) if (!used.has(`${base}_${i}`)) return `${base}_${i}`;
}

/** A fresh display name like PyTorch's module naming: conv2d_1, conv2d_2, ... */
export function freshName(graph: Graph, type: string): string {
  const used = new Set(graph.nodes.map((n) => n.name));
  const base = type.toLowerCase();
  for (let i = 1; ; i++) if (!used.has(`${base}_${i}`)) return `${base}_${i}`;
}

export function nodeById(graph: Graph, id: string): GraphNode | undefined {
  return graph.nodes.find((n) => n.id === id);
}

/**
 * Kahn's algorithm. Nodes on or downstream of a cycle are returned in `cyclic` rather than
 * throwing, so the rest of the graph can still be analysed.
 */
export function topologicalOrder(graph: Graph): { order: string[]; cyclic: string[] } {
  const indegree = new Map<string, number>();
  const out = new Map<string, string[]>();
  for (const n of graph.nodes) {
    indegree.set(n.id, 0);
    out.set(n.id, []);
  }
  for (const e of graph.edges) {
    if (!indegree.has(e.source) || !indegree.has(e.target)) continue;
    indegree.set(e.target, indegree.get(e.target)! + 1);
    out.get(e.source)!.push(e.target);
  }
  const queue = graph.nodes.filter((n) => indegree.get(n.id) === 0).map((n) => n.id);
  const order: string[] = [];
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i];
    order.push(id);
    for (const t of out.get(id)!) {
      const d = indegree.get(t)! - 1;
      indegree.set(t, d);
      if (d === 0) queue.push(t);
    }
  }
  const seen = new Set(order);
  return { order, cyclic: graph.nodes.filter((n) => !seen.has(n.id)).map((n) => n.id) };
}

/** True when a path leads from `from` to `to` (used to refuse edges that would close a cycle). */
export function reaches(graph: Graph, from: string, to: string): boolean {
  const out = new Map<string, string[]>();
  for (const e of graph.edges) {
    let l = out.get(e.source);
    if (!l) out.set(e.source, (l = []));
    l.push(e.target);
  }
  const stack = [from];
  const seen = new Set<string>();
  while (stack.length) {
    const id = stack.pop()!;
    if (id === to) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(out.get(id) ?? []));
  }
  return false;
}
