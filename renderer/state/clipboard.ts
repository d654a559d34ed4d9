// Copy/paste of a selection as a small graph: the chosen nodes and the edges between them. Pasting
// goes through the engine's addNode/connect, so pasted nodes get fresh ids and names.
import type { EditError, Graph } from '../../engine/index.ts';
import { addNode, connect, isEditError } from '../../engine/index.ts';

export function extractSubgraph(graph: Graph, ids: readonly string[]): Graph {
  const keep = new Set(ids);
  return {
    nodes: graph.nodes.filter((n) => keep.has(n.id)),
    edges: graph.edges.filter((e) => keep.has(e.source) && keep.has(e.target)),
  };
}

export function pasteSubgraph(
  graph: Graph,
  clip: Graph,
  offset: { x: number; y: number },
): { graph: Graph; ids: string[] } | EditError {
  const idMap = new Map<string, string>();
  let next = graph;
  for (const n of clip.nodes) {
    const added = addNode(next, {
      type: n.type,
      attributes: n.attributes,
      position: { x: n.position.x + offset.x, y: n.position.y + offset.y },
    });
    if (isEditError(added)) return added;
    next = added;
    idMap.set(n.id, next.nodes[next.nodes.length - 1].id);
  }
  for (const e of clip.edges) {
    const wired = connect(next, {
      source: idMap.get(e.source)!,
      sourcePort: e.sourcePort,
      target: idMap.get(e.target)!,
      targetPort: e.targetPort,
    });
    if (isEditError(wired)) return wired;
    next = wired;
  }
  return { graph: next, ids: [...idMap.values()] };
}
