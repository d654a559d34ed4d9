// Layered layout with ELK, top-to-bottom or left-to-right, shared by the host (imported models open
// laid out) and the canvas's Auto layout. Groups are laid out inside first; then each group is one
// box in the layout of the whole (its collapsed card, or its frame around the members), so a
// collapsed stage takes the room of its card and expanding it later makes room in place.
// elkjs is pure JavaScript and large, so it is loaded on first use only.
import type { NodeGroup } from './document.ts';
import type { Graph } from './graph.ts';

export interface Size {
  width: number;
  height: number;
}

export type Direction = 'TB' | 'LR';

export interface Point {
  x: number;
  y: number;
}

/**
 * What a group adds around its members when expanded: the title column on the left
 * (renderer/canvas/groupProjection.ts draws it) and a margin on the other sides.
 */
export const GROUP_FRAME = { left: 138, top: 18, right: 18, bottom: 18 };
/** A collapsed group's card (the renderer measures it; this is its usual size). */
export const GROUP_CARD: Size = { width: 240, height: 112 };

export interface LayoutOptions {
  direction?: Direction;
  groups?: readonly NodeGroup[];
}

/** What layout needs of an ELK instance (elkjs's ELK, in this thread or over a Web Worker). */
export interface ElkApi {
  layout(graph: unknown): Promise<{ children?: { id: string; x?: number; y?: number }[] }>;
}
let elk: Promise<ElkApi> | null = null;
/** Runs ELK elsewhere: the renderer hands it a Web Worker, so a big layout never blocks the page. */
export function setElkFactory(make: () => ElkApi): void {
  elk = Promise.resolve(make());
}
const loadElk = () =>
  (elk ??= import('elkjs/lib/elk.bundled.js').then((m) => new m.default() as unknown as ElkApi));

/** One flat ELK run: node sizes in, top-left corners out. */
async function layered(
  nodes: readonly { id: string; size: Size }[],
  edges: readonly { source: string; target: string }[],
  direction: Direction,
): Promise<Map<string, Point>> {
  if (!nodes.length) return new Map();
  const seen = new Set<string>();
  const unique = edges.filter((e) => {
    const key = `${e.source}->${e.target}`;
    if (e.source === e.target || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const result = await (
    await loadElk()
  ).layout({
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': direction === 'LR' ? 'RIGHT' : 'DOWN',
      'elk.layered.spacing.nodeNodeBetweenLayers': direction === 'LR' ? '60' : '48',
      'elk.spacing.nodeNode': direction === 'LR' ? '28' : '40',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
    },
    children: nodes.map((n) => ({ id: n.id, ...n.size })),
    edges: unique.map((e, i) => ({ id: `e${i}`, sources: [e.source], targets: [e.target] })),
  });
  return new Map(
    (result.children ?? []).map((c) => [c.id, { x: Math.round(c.x ?? 0), y: Math.round(c.y ?? 0) }]),
  );
}

/** The members' own layout, moved so their bounding box starts at (0, 0). */
async function insideLayout(
  graph: Graph,
  group: NodeGroup,
  sizeOf: (id: string) => Size,
  direction: Direction,
): Promise<{ at: Map<string, Point>; size: Size }> {
  const members = new Set(group.members);
  const at = await layered(
    group.members.map((id) => ({ id, size: sizeOf(id) })),
    graph.edges.filter((e) => members.has(e.source) && members.has(e.target)),
    direction,
  );
  let width = 0;
  let height = 0;
  for (const [id, p] of at) {
    const s = sizeOf(id);
    width = Math.max(width, p.x + s.width);
    height = Math.max(height, p.y + s.height);
  }
  return { at, size: { width, height } };
}

/**
 * Where a collapsed group's card sits, given its members' bounding box: across the flow it is
 * centred on them, along the flow it starts where they start (so the edges into it stay straight,
 * and expanding it grows the graph forward, in place).
 */
export function cardPlace(
  members: { x: number; y: number; width: number; height: number },
  direction: Direction,
): Point {
  return direction === 'LR'
    ? { x: members.x, y: members.y + members.height / 2 - GROUP_CARD.height / 2 }
    : { x: members.x + members.width / 2 - GROUP_CARD.width / 2, y: members.y };
}

/** Where every node goes (top-left corners in flow coordinates). */
export async function layoutPositions(
  graph: Graph,
  sizeOf: (nodeId: string) => Size,
  options: LayoutOptions = {},
): Promise<Record<string, Point>> {
  if (!graph.nodes.length) return {};
  const direction = options.direction ?? 'TB';
  const ids = new Set(graph.nodes.map((n) => n.id));
  const groups = (options.groups ?? []).filter((g) => g.members.some((m) => ids.has(m)));
  const owner = new Map<string, string>();
  for (const g of groups) for (const m of g.members) owner.set(m, g.id);
  const inside = new Map(
    await Promise.all(
      groups.map(async (g) => [g.id, await insideLayout(graph, g, sizeOf, direction)] as const),
    ),
  );
  const boxOf = (g: NodeGroup): Size => {
    const { size } = inside.get(g.id)!;
    if (g.collapsed) return GROUP_CARD;
    const f = GROUP_FRAME;
    return { width: size.width + f.left + f.right, height: size.height + f.top + f.bottom };
  };
  const top = [
    ...graph.nodes.filter((n) => !owner.has(n.id)).map((n) => ({ id: n.id, size: sizeOf(n.id) })),
    ...groups.map((g) => ({ id: g.id, size: boxOf(g) })),
  ];
  const lift = (id: string) => owner.get(id) ?? id;
  const placed = await layered(
    top,
    graph.edges.map((e) => ({ source: lift(e.source), target: lift(e.target) })),
    direction,
  );
  const out: Record<string, Point> = {};
  for (const n of graph.nodes) if (!owner.has(n.id)) out[n.id] = placed.get(n.id) ?? n.position;
  for (const g of groups) {
    const { at, size } = inside.get(g.id)!;
    const corner = placed.get(g.id) ?? { x: 0, y: 0 };
    // Where the members go so that the card (cardPlace) or the frame lands on `corner`.
    const origin = g.collapsed
      ? direction === 'LR'
        ? { x: corner.x, y: corner.y + GROUP_CARD.height / 2 - size.height / 2 }
        : { x: corner.x + GROUP_CARD.width / 2 - size.width / 2, y: corner.y }
      : { x: corner.x + GROUP_FRAME.left, y: corner.y + GROUP_FRAME.top };
    for (const [id, p] of at) out[id] = { x: Math.round(origin.x + p.x), y: Math.round(origin.y + p.y) };
  }
  return out;
}
