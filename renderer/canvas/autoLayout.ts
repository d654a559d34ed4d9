// The canvas's Auto layout: the engine's ELK layout with the node sizes React Flow measured.
import type { Graph } from '../../engine/index.ts';
import { layoutPositions as layout } from '../../engine/graph/layout.ts';
import type { Size } from '../state/store.ts';

const DEFAULT_SIZE: Size = { width: 220, height: 100 };

export function layoutPositions(graph: Graph, measured: Record<string, Size>) {
  return layout(graph, (id) => measured[id] ?? DEFAULT_SIZE);
}
