// The document projected into React Flow's nodes and edges. Node objects are cached per document
// node so React Flow only re-renders what changed; everything a node shows is read from the store.
import type { Edge as FlowEdge, Node as FlowNode } from '@xyflow/react';
import { MarkerType } from '@xyflow/react';
import type { Analysis, Edge, Graph, GraphNode } from '../../engine/index.ts';
import { formatShape } from '../../engine/index.ts';
import type { Selection, Size } from '../state/store.ts';
import { inHandle, outHandle } from './ports.ts';

export type LayerFlowNode = FlowNode<Record<string, never>, 'layer'>;

const noData: Record<string, never> = {};
const cache = new WeakMap<GraphNode, { selected: boolean; size: Size | undefined; node: LayerFlowNode }>();

export function toFlowNodes(
  graph: Graph,
  selection: Selection,
  measured: Record<string, Size>,
): LayerFlowNode[] {
  const selected = new Set(selection.nodes);
  return graph.nodes.map((n) => {
    const isSelected = selected.has(n.id);
    const size = measured[n.id];
    const hit = cache.get(n);
    if (hit && hit.selected === isSelected && hit.size === size) return hit.node;
    const node: LayerFlowNode = {
      id: n.id,
      type: 'layer',
      position: n.position,
      data: noData,
      selected: isSelected,
      ...(size ? { measured: size } : {}),
    };
    cache.set(n, { selected: isSelected, size, node });
    return node;
  });
}

const edgeCache = new WeakMap<Edge, { selected: boolean; label: string | undefined; edge: FlowEdge }>();
let lastEdges: FlowEdge[] = [];

/**
 * Edge objects are cached like nodes, and so is the array when no edge changed (a drag only moves
 * nodes): React Flow then skips its per-update edge bookkeeping and re-renders no edge.
 */
export function toFlowEdges(
  graph: Graph,
  selection: Selection,
  analysis: Analysis,
  showShapes: boolean,
  /** Whether a node's output shape may be shown (a lesson hides it until revealed). */
  shapeShown: (nodeId: string) => boolean = () => true,
): FlowEdge[] {
  const selected = new Set(selection.edges);
  const edges = graph.edges.map((e) => {
    const isSelected = selected.has(e.id);
    const shape = shapeShown(e.source) ? formatShape(analysis.edgeShapes.get(e.id) ?? null) : '?';
    const label = showShapes ? shape : undefined;
    const hit = edgeCache.get(e);
    if (hit && hit.selected === isSelected && hit.label === label) return hit.edge;
    const edge: FlowEdge = {
      id: e.id,
      source: e.source,
      target: e.target,
      sourceHandle: outHandle(e.sourcePort),
      targetHandle: inHandle(e.targetPort),
      selected: isSelected,
      label,
      labelBgPadding: [4, 2] as [number, number],
      labelBgBorderRadius: 3,
      markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16 },
      ariaLabel: `Edge from ${e.source} to ${e.target}`,
    };
    edgeCache.set(e, { selected: isSelected, label, edge });
    return edge;
  });
  if (edges.length !== lastEdges.length || edges.some((e, i) => e !== lastEdges[i])) lastEdges = edges;
  return lastEdges;
}
