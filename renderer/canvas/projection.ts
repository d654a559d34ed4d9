// The document projected into React Flow's nodes and edges. Node objects are cached per document
// node so React Flow only re-renders what changed; everything a node shows is read from the store.
import type { Edge as FlowEdge, Node as FlowNode } from '@xyflow/react';
import { MarkerType } from '@xyflow/react';
import type { Analysis, Edge, Graph, GraphNode } from '../../engine/index.ts';
import { formatShape } from '../../engine/index.ts';
import type { Selection, Size } from '../state/store.ts';
import type { NodeBox } from './nodeBox.ts';
import { nodeBox } from './nodeBox.ts';
import { estimatedHandles, inHandle, inputPortCount, outHandle } from './ports.ts';
import { incomingCount } from '../state/graphIndex.ts';

export type LayerFlowNode = FlowNode<Record<string, never>, 'layer'>;

const noData: Record<string, never> = {};
/** A node's usual size in a big network (its compact tile), for what is placed before it is measured. */
const tile = nodeBox('compact');
export const DEFAULT_SIZE: Size = { width: tile.width, height: tile.height };

interface Cached {
  selected: boolean;
  size: Size | undefined;
  /** For a node not yet measured: its input port count, the layout direction and its box. */
  ports: string;
  node: LayerFlowNode;
}
const cache = new WeakMap<GraphNode, Cached>();

/**
 * The document's layers as React Flow nodes. A layer React Flow has not measured yet comes with
 * its size and its ports' places at the canvas's level of detail (`box`), so in a big graph
 * (onlyRenderVisibleElements) only the layers in view are rendered when it opens, not all of
 * them (docs/canvas-performance.md).
 */
export function toFlowNodes(
  graph: Graph,
  selection: Selection,
  measured: Record<string, Size>,
  direction: 'TB' | 'LR' = 'TB',
  box: NodeBox = tile,
): LayerFlowNode[] {
  const selected = new Set(selection.nodes);
  const boxKey = `${direction}${box.width}x${box.height}/${box.top}/${box.port}`;
  return graph.nodes.map((n) => {
    const isSelected = selected.has(n.id);
    const size = measured[n.id];
    const inputs = size ? 0 : inputPortCount(n.type, incomingCount(graph, n.id));
    const ports = size ? '' : `${inputs}${boxKey}`;
    const hit = cache.get(n);
    if (hit && hit.selected === isSelected && hit.size === size && hit.ports === ports) return hit.node;
    // Just measured, nothing else changed: React Flow already holds the size it measured, and a new
    // node object would re-render the node, its wrapper and its minimap rect for nothing (a big
    // graph's whole view, once, right after it opens). The next new object carries the size.
    if (hit && hit.selected === isSelected && hit.size === undefined && size) {
      Object.assign(hit, { size, ports });
      return hit.node;
    }
    const node: LayerFlowNode = {
      id: n.id,
      type: 'layer',
      position: n.position,
      data: noData,
      selected: isSelected,
      ...(size
        ? { measured: size }
        : {
            initialWidth: box.width,
            initialHeight: box.height,
            handles: estimatedHandles(inputs, box, direction),
          }),
    };
    cache.set(n, { selected: isSelected, size, ports, node });
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
