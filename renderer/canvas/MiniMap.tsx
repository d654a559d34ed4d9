// The canvas's minimap: React Flow's MiniMap as it looks (the same panel, classes, mask and pan and
// zoom), but its nodes drawn as one SVG path per colour instead of one component per node. React
// Flow's version mounts two components and one store subscription per node: a 1,000-layer graph
// rendered 2,000 components when it opened, and ran 1,000 selectors on every store update of a drag
// (docs/canvas-performance.md, fifth pass).
import type { InternalNode, ReactFlowState } from '@xyflow/react';
import { Panel, useStore, useStoreApi } from '@xyflow/react';
import { XYMinimap } from '@xyflow/system';
import { useEffect, useRef } from 'react';

const WIDTH = 200;
const HEIGHT = 150;
/** As React Flow's MiniMap: the nodes' corner radius (flow units) and the margin around them (pixels). */
const CORNER = 5;
const OFFSET_SCALE = 5;

interface Bounds {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** What the minimap draws: each colour's path (frames under layers) and the nodes' bounds. */
interface Drawing {
  paths: { color: string; d: string }[];
  nodes: Bounds | null;
  /** The whole drawing as one string, so an unchanged drawing is told apart in one comparison. */
  key: string;
}

/** A rounded rectangle as path commands, its corners clipped to fit a small box. */
function roundedRect(x: number, y: number, w: number, h: number): string {
  const r = Math.min(CORNER, w / 2, h / 2);
  const [iw, ih] = [w - 2 * r, h - 2 * r];
  return (
    `M${x + r},${y}h${iw}a${r},${r} 0 0 1 ${r},${r}v${ih}a${r},${r} 0 0 1 ${-r},${r}` +
    `h${-iw}a${r},${r} 0 0 1 ${-r},${-r}v${-ih}a${r},${r} 0 0 1 ${r},${-r}z`
  );
}

/** Each node's rectangle, kept while it neither moved nor changed size (most nodes, in a drag). */
const drawn = new WeakMap<InternalNode, { at: string; d: string }>();

function rectOf(node: InternalNode, x: number, y: number, w: number, h: number): string {
  const at = `${x},${y},${w},${h}`;
  const hit = drawn.get(node);
  if (hit?.at === at) return hit.d;
  const d = roundedRect(x, y, w, h);
  drawn.set(node, { at, d });
  return d;
}

function sizeOf(node: InternalNode): { width: number; height: number } | null {
  const width = node.measured.width ?? node.width ?? node.initialWidth;
  const height = node.measured.height ?? node.height ?? node.initialHeight;
  return width && height ? { width, height } : null;
}

/**
 * The drawing for the nodes React Flow holds, in flow coordinates rounded to whole units (a unit
 * is under a pixel of the minimap for any graph too big to fit the canvas at zoom 1).
 */
export function drawNodes(
  lookup: ReadonlyMap<string, InternalNode>,
  colorOf: (node: { id: string }) => string,
): Drawing {
  // React Flow replaces a node's object whenever it changes: the same objects draw the same.
  if (last && last.colorOf === colorOf && sameNodes(last.nodes, lookup)) return last.drawing;
  const drawing = draw(lookup, colorOf);
  last = { nodes: [...lookup.values()], colorOf, drawing };
  return drawing;
}

/** The last drawing and the node objects it was drawn from (the selector runs on every store update). */
let last: { nodes: InternalNode[]; colorOf: (node: { id: string }) => string; drawing: Drawing } | null =
  null;

function sameNodes(before: readonly InternalNode[], lookup: ReadonlyMap<string, InternalNode>): boolean {
  if (before.length !== lookup.size) return false;
  let i = 0;
  for (const node of lookup.values()) if (node !== before[i++]) return false;
  return true;
}

function draw(lookup: ReadonlyMap<string, InternalNode>, colorOf: (node: { id: string }) => string): Drawing {
  // Frames (nodes with children) first, so the layers inside them are drawn over them.
  const layers: [Map<string, string[]>, Map<string, string[]>] = [new Map(), new Map()];
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  const parents = new Set<string>();
  for (const node of lookup.values()) if (node.parentId) parents.add(node.parentId);
  for (const node of lookup.values()) {
    const size = node.hidden ? null : sizeOf(node);
    if (!size) continue;
    const { x, y } = node.internals.positionAbsolute;
    const byColor = layers[parents.has(node.id) ? 0 : 1];
    const color = colorOf(node);
    let list = byColor.get(color);
    if (!list) byColor.set(color, (list = []));
    list.push(rectOf(node, Math.round(x), Math.round(y), Math.round(size.width), Math.round(size.height)));
    [x0, y0] = [Math.min(x0, x), Math.min(y0, y)];
    [x1, y1] = [Math.max(x1, x + size.width), Math.max(y1, y + size.height)];
  }
  const paths = layers.flatMap((byColor) =>
    [...byColor].map(([color, rects]) => ({ color, d: rects.join('') })),
  );
  const nodes = Number.isFinite(x0) ? { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } : null;
  const key = `${nodes ? [x0, y0, x1, y1].join() : ''}|${paths.map((p) => p.color + p.d).join('|')}`;
  return { paths, nodes, key };
}

const union = (a: Bounds, b: Bounds): Bounds => {
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return {
    x,
    y,
    width: Math.max(a.x + a.width, b.x + b.width) - x,
    height: Math.max(a.y + a.height, b.y + b.height) - y,
  };
};

const viewSelector = (s: ReactFlowState) => ({
  x: -s.transform[0] / s.transform[2],
  y: -s.transform[1] / s.transform[2],
  width: s.width / s.transform[2],
  height: s.height / s.transform[2],
});
const sameRect = (a: Bounds, b: Bounds) =>
  a.x === b.x && a.y === b.y && a.width === b.width && a.height === b.height;

export function MiniMap({
  nodeColor,
  ariaLabel,
}: {
  nodeColor: (node: { id: string }) => string;
  ariaLabel: string;
}) {
  const store = useStoreApi();
  const svg = useRef<SVGSVGElement>(null);
  const drawing = useStore(
    (s) => drawNodes(s.nodeLookup, nodeColor),
    (a, b) => a.key === b.key,
  );
  const view = useStore(viewSelector, sameRect);
  const panZoom = useStore((s) => s.panZoom);
  const translateExtent = useStore((s) => s.translateExtent);
  const flowWidth = useStore((s) => s.width);
  const flowHeight = useStore((s) => s.height);

  const bounds = drawing.nodes ? union(drawing.nodes, view) : view;
  const viewScale = Math.max(bounds.width / WIDTH, bounds.height / HEIGHT);
  const offset = OFFSET_SCALE * viewScale;
  const x = bounds.x - (viewScale * WIDTH - bounds.width) / 2 - offset;
  const y = bounds.y - (viewScale * HEIGHT - bounds.height) / 2 - offset;
  const width = viewScale * WIDTH + offset * 2;
  const height = viewScale * HEIGHT + offset * 2;
  const scale = useRef(viewScale);
  scale.current = viewScale;

  const minimap = useRef<ReturnType<typeof XYMinimap> | null>(null);
  useEffect(() => {
    if (!svg.current || !panZoom) return;
    const instance = XYMinimap({
      domNode: svg.current,
      panZoom,
      getTransform: () => store.getState().transform,
      getViewScale: () => scale.current,
    });
    minimap.current = instance;
    return () => instance.destroy();
  }, [panZoom, store]);
  useEffect(() => {
    minimap.current?.update({
      translateExtent,
      width: flowWidth,
      height: flowHeight,
      pannable: true,
      zoomable: true,
      zoomStep: 1,
    });
  }, [translateExtent, flowWidth, flowHeight, panZoom]);

  const title = 'netwright-minimap-title';
  return (
    <Panel position="bottom-right" className="react-flow__minimap" data-testid="rf__minimap">
      <svg
        width={WIDTH}
        height={HEIGHT}
        viewBox={`${x} ${y} ${width} ${height}`}
        className="react-flow__minimap-svg"
        role="img"
        aria-labelledby={title}
        ref={svg}
      >
        <title id={title}>{ariaLabel}</title>
        {drawing.paths.map((p, i) => (
          <path
            key={i}
            className="react-flow__minimap-node"
            d={p.d}
            style={{ fill: p.color }}
            shapeRendering="crispEdges"
          />
        ))}
        <path
          className="react-flow__minimap-mask"
          d={`M${x - offset},${y - offset}h${width + offset * 2}v${height + offset * 2}h${-width - offset * 2}z
        M${view.x},${view.y}h${view.width}v${view.height}h${-view.width}z`}
          fillRule="evenodd"
          pointerEvents="none"
        />
      </svg>
    </Panel>
  );
}
