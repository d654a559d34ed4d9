// Constant-time lookups for components that each read one node. Every node component runs its
// store selectors on every store update (each frame of a drag), so a linear search per node would
// make a frame cost nodes x nodes. The indexes are built once per nodes/edges array and shared.
import type { Edge, Graph, GraphNode } from '../../engine/index.ts';

const nodeIndexes = new WeakMap<readonly GraphNode[], Map<string, GraphNode>>();
const incomingCounts = new WeakMap<readonly Edge[], Map<string, number>>();

export function nodeOf(graph: Graph, id: string): GraphNode | undefined {
  let index = nodeIndexes.get(graph.nodes);
  if (!index) nodeIndexes.set(graph.nodes, (index = new Map(graph.nodes.map((n) => [n.id, n]))));
  return index.get(id);
}

/** How many edges end at the node (its connected input ports). */
export function incomingCount(graph: Graph, id: string): number {
  let counts = incomingCounts.get(graph.edges);
  if (!counts) {
    counts = new Map();
    for (const e of graph.edges) counts.set(e.target, (counts.get(e.target) ?? 0) + 1);
    incomingCounts.set(graph.edges, counts);
  }
  return counts.get(id) ?? 0;
}
