// Groups projected into React Flow: an expanded group is a parent node (a titled frame around its
// members, whose positions become relative to it); a collapsed group is one summary block that
// stands in for its members, with the edges crossing its boundary re-routed to it. Group geometry
// is derived from the members' positions and measured sizes, never stored.
import type { Edge as FlowEdge, Node as FlowNode } from '@xyflow/react';
import type { Graph, NodeGroup } from '../../engine/index.ts';
import type { Direction } from '../../engine/graph/layout.ts';
import { cardPlace, GROUP_CARD, GROUP_FRAME } from '../../engine/graph/layout.ts';
import type { Selection, Size } from '../state/store.ts';
import { inHandle, outHandle } from './ports.ts';
import type { LayerFlowNode } from './projection.ts';
import { DEFAULT_SIZE } from './projection.ts';

export type BlockFlowNode = FlowNode<{ collapsed: boolean }, 'block'>;
export type CanvasNode = LayerFlowNode | BlockFlowNode;

/**
 * Space between a frame and its members (engine/graph/layout.ts lays groups out with the same
 * numbers). The title sits in a column left of the members, not above them, where it would
 * collide with the label of the edge coming in.
 */
export const GROUP_PAD = GROUP_FRAME.top;
export const GROUP_TITLE_WIDTH = GROUP_FRAME.left - GROUP_FRAME.top;

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The members' bounding box in flow coordinates (absolute). */
export function membersBounds(group: NodeGroup, graph: Graph, measured: Record<string, Size>): Rect {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  const members = new Set(group.members);
  for (const n of graph.nodes) {
    if (!members.has(n.id)) continue;
    const size = measured[n.id] ?? DEFAULT_SIZE;
    x0 = Math.min(x0, n.position.x);
    y0 = Math.min(y0, n.position.y);
    x1 = Math.max(x1, n.position.x + size.width);
    y1 = Math.max(y1, n.position.y + size.height);
  }
  if (!Number.isFinite(x0)) return { x: 0, y: 0, width: 0, height: 0 };
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/** Where each group's flow node was last placed; drags report member positions relative to it. */
let placed = new Map<string, Rect>();

/**
 * Frames whose member is being dragged keep their place (and only grow) until the drop. React Flow
 * reports a member's position relative to its frame and skips frames where that relative position
 * did not change, which is exactly what a frame following its leftmost member would cause.
 */
const frozen = new Set<string>();

export function freezeFrame(groupId: string): void {
  frozen.add(groupId);
}

export function thawFrame(groupId: string): void {
  frozen.delete(groupId);
}

export function groupPosition(groupId: string): { x: number; y: number } | undefined {
  return placed.get(groupId);
}

/** The frame (expanded) or card (collapsed) position, from the current document. */
export function frameOf(
  group: NodeGroup,
  graph: Graph,
  measured: Record<string, Size>,
  direction: Direction = 'TB',
): Rect {
  const b = membersBounds(group, graph, measured);
  // The card's usual size, not a measured one: the group's measured size may still be its frame's.
  if (group.collapsed) return { ...cardPlace(b, direction), ...GROUP_CARD };
  return {
    x: b.x - GROUP_PAD - GROUP_TITLE_WIDTH,
    y: b.y - GROUP_PAD,
    width: b.width + 2 * GROUP_PAD + GROUP_TITLE_WIDTH,
    height: b.height + 2 * GROUP_PAD,
  };
}

/** Edges re-routed to a collapsed block, by the edge they stand for, and the last edge list. */
const reroutes = new WeakMap<FlowEdge, FlowEdge>();
let lastEdges: FlowEdge[] = [];
const blockNodes = new WeakMap<NodeGroup, { key: string; node: BlockFlowNode }>();
const framed = new WeakMap<LayerFlowNode, { frame: Rect; node: LayerFlowNode }>();

/**
 * A member node placed relative to its frame: the same object while neither it nor the frame
 * moved, so React Flow leaves it alone (a new object re-processes and re-renders the node, which
 * during a drag meant every member of every frame on every frame).
 */
function inFrame(n: LayerFlowNode, parentId: string, frame: Rect): LayerFlowNode {
  const hit = framed.get(n);
  if (hit && hit.frame.x === frame.x && hit.frame.y === frame.y && hit.node.parentId === parentId)
    return hit.node;
  const node = { ...n, parentId, position: { x: n.position.x - frame.x, y: n.position.y - frame.y } };
  framed.set(n, { frame, node });
  return node;
}

/** Adds group frames and summary blocks to the projected nodes and edges (unchanged when there are none). */
export function withGroups(
  groups: readonly NodeGroup[] | undefined,
  graph: Graph,
  measured: Record<string, Size>,
  selection: Selection,
  nodes: LayerFlowNode[],
  edges: FlowEdge[],
  direction: Direction = 'TB',
): { nodes: CanvasNode[]; edges: FlowEdge[] } {
  const previous = placed;
  placed = new Map();
  if (!groups?.length) return { nodes, edges };
  const selected = new Set(selection.nodes);
  const owner = new Map<string, NodeGroup>();
  for (const g of groups) for (const m of g.members) owner.set(m, g);

  const blocks: BlockFlowNode[] = groups.map((g) => {
    let frame = frameOf(g, graph, measured, direction);
    const before = previous.get(g.id);
    if (frozen.has(g.id) && before && !g.collapsed) {
      const right = Math.max(before.x + before.width, frame.x + frame.width);
      const bottom = Math.max(before.y + before.height, frame.y + frame.height);
      frame = { x: before.x, y: before.y, width: right - before.x, height: bottom - before.y };
    }
    placed.set(g.id, frame);
    // Only a collapsed card is sized by what it shows; a frame's size is its members' (above).
    const size = g.collapsed ? measured[g.id] : undefined;
    const isSelected = g.members.every((m) => selected.has(m));
    // The same object while nothing about the block changed (see inFrame).
    const key = [frame.x, frame.y, frame.width, frame.height, isSelected, size?.width, size?.height].join();
    const hit = blockNodes.get(g);
    if (hit?.key === key) return hit.node;
    const node: BlockFlowNode = {
      id: g.id,
      type: 'block',
      position: { x: frame.x, y: frame.y },
      data: { collapsed: g.collapsed },
      selected: isSelected,
      className: g.collapsed ? 'block-node block-node--collapsed' : 'block-node',
      ...(g.collapsed ? (size ? { measured: size } : {}) : { width: frame.width, height: frame.height }),
    };
    blockNodes.set(g, { key, node });
    return node;
  });

  const members: LayerFlowNode[] = [];
  for (const n of nodes) {
    const g = owner.get(n.id);
    if (!g) members.push(n);
    else if (!g.collapsed) members.push(inFrame(n, g.id, placed.get(g.id)!));
  }

  const hiddenIn = (id: string) => {
    const g = owner.get(id);
    return g?.collapsed ? g : undefined;
  };
  const rerouted = new Map<string, FlowEdge>();
  const kept: FlowEdge[] = [];
  for (const e of edges) {
    const gs = hiddenIn(e.source);
    const gt = hiddenIn(e.target);
    if (!gs && !gt) {
      kept.push(e);
      continue;
    }
    if (gs && gs === gt) continue; // inside one collapsed block
    const source = gs ? gs.id : e.source;
    const target = gt ? gt.id : e.target;
    const sourceHandle = gs ? outHandle(0) : e.sourceHandle;
    const targetHandle = gt ? inHandle(0) : e.targetHandle;
    const id = `block:${source}:${sourceHandle}->${target}:${targetHandle}`;
    if (rerouted.has(id)) continue;
    const hit = reroutes.get(e);
    if (hit?.id === id) {
      rerouted.set(id, hit);
      continue;
    }
    const edge = {
      ...e,
      id,
      source,
      target,
      sourceHandle,
      targetHandle,
      selected: false,
      selectable: false,
      deletable: false,
    };
    reroutes.set(e, edge);
    rerouted.set(id, edge);
  }
  const all = [...kept, ...rerouted.values()];
  if (all.length !== lastEdges.length || all.some((e, i) => e !== lastEdges[i])) lastEdges = all;
  return { nodes: [...blocks, ...members], edges: lastEdges };
}
