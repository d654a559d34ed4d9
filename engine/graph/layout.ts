// Layered top-down layout with ELK, shared by the host (imported models open laid out) and the
// canvas's Auto layout. elkjs is pure JavaScript and large, so it is loaded on first use only.
import type { Graph } from './graph.ts';

export interface Size {
  width: number;
  height: number;
}

export async function layoutPositions(
  graph: Graph,
  sizeOf: (nodeId: string) => Size,
): Promise<Record<string, { x: number; y: number }>> {
  if (!graph.nodes.length) return {};
  const { default: ELK } = await import('elkjs/lib/elk.bundled.js');
  const result = await new ELK().layout({
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.layered.spacing.nodeNodeBetweenLayers': '48',
      'elk.spacing.nodeNode': '40',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
    },
    children: graph.nodes.map((n) => ({ id: n.id, ...sizeOf(n.id) })),
    edges: graph.edges.map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
  });
  return Object.fromEntries(
    (result.children ?? []).map((c) => [c.id, { x: Math.round(c.x ?? 0), y: Math.round(c.y ?? 0) }]),
  );
}
