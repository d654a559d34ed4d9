// Layered top-down layout with ELK. elkjs is large, so it is loaded on first use only.
import type { Graph } from '../../engine/index.ts';
import type { Size } from '../state/store.ts';

const DEFAULT_SIZE: Size = { width: 220, height: 100 };

export async function layoutPositions(
  graph: Graph,
  measured: Record<string, Size>,
): Promise<Record<string, { x: number; y: number }>> {
  const { default: ELK } = await import('elkjs/lib/elk.bundled.js');
  const elk = new ELK();
  const result = await elk.layout({
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.layered.spacing.nodeNodeBetweenLayers': '48',
      'elk.spacing.nodeNode': '40',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
    },
    children: graph.nodes.map((n) => ({ id: n.id, ...(measured[n.id] ?? DEFAULT_SIZE) })),
    edges: graph.edges.map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
  });
  return Object.fromEntries((result.children ?? []).map((c) => [c.id, { x: c.x ?? 0, y: c.y ?? 0 }]));
}
