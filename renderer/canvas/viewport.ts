// Where the canvas looks. Zoom to fit fits the part of the canvas left uncovered by what floats
// over it (import notes, the Problems panel, the Find bar, feature maps); a big network is shown
// whole, its nodes drawn compact (LayerNode's level of detail), a small one at a zoom where every
// number on a node can be read. Going to a node (Find, Problems, Step through) centres it at a
// readable zoom.
import type { ReactFlowInstance, Rect, Viewport, XYPosition } from '@xyflow/react';
import { appStore } from '../state/appStore.ts';

type Flow = Pick<
  ReactFlowInstance,
  'getNodes' | 'getNodesBounds' | 'setViewport' | 'getZoom' | 'getInternalNode'
>;

/** The zoom at which a node's normal text (12-13 px) reads as at least about 9 px. */
export const READABLE_ZOOM = 0.75;
const PRESENTATION_READABLE_ZOOM = 0.9;
/**
 * The furthest a fit zooms out: compact nodes still show their colour and a short figure. A power
 * of two, and the fit's offsets whole pixels, so React Flow measures the ports of a big network
 * opened there exactly where they were estimated (ports.ts); at 0.12 its measurements were a few
 * millionths of a pixel off, and every edge in view re-rendered once more (docs/canvas-performance.md).
 */
export const MIN_FIT_ZOOM = 0.125;
/** Up to this many layers a network is small: it opens readable rather than shown whole. */
const SMALL_NETWORK = 40;
const PAD = 24;

/** Things that float over the canvas mark themselves with this attribute. */
export const OVERLAY_ATTRIBUTE = 'data-canvas-overlay';

/**
 * The canvas rectangle (in its own coordinates) that no overlay covers: each overlay takes away
 * the strip along the canvas edge it sits against.
 */
export function visibleArea(canvas: DOMRect, overlays: readonly DOMRect[]): Rect {
  let [left, top, right, bottom] = [0, 0, canvas.width, canvas.height];
  for (const o of overlays) {
    const r = {
      left: o.left - canvas.left,
      top: o.top - canvas.top,
      right: o.right - canvas.left,
      bottom: o.bottom - canvas.top,
    };
    if (r.right <= left || r.left >= right || r.bottom <= top || r.top >= bottom) continue;
    // Cut the side that loses the least area.
    const cuts = [
      { side: 'left', keep: (right - Math.max(left, r.right)) * (bottom - top) },
      { side: 'right', keep: (Math.min(right, r.left) - left) * (bottom - top) },
      { side: 'top', keep: (bottom - Math.max(top, r.bottom)) * (right - left) },
      { side: 'bottom', keep: (Math.min(bottom, r.top) - top) * (right - left) },
    ].sort((a, b) => b.keep - a.keep);
    const side = cuts[0].side;
    if (side === 'left') left = Math.max(left, r.right);
    else if (side === 'right') right = Math.min(right, r.left);
    else if (side === 'top') top = Math.max(top, r.bottom);
    else bottom = Math.min(bottom, r.top);
  }
  return { x: left, y: top, width: Math.max(1, right - left), height: Math.max(1, bottom - top) };
}

function overlaysOver(): DOMRect[] {
  return [...document.querySelectorAll(`[${OVERLAY_ATTRIBUTE}]`)].map((el) => el.getBoundingClientRect());
}

const readableZoom = () => (appStore.getState().presentation ? PRESENTATION_READABLE_ZOOM : READABLE_ZOOM);

/**
 * Zoom to fit the visible area: the whole network, its nodes compact if need be. When a network
 * opens (`opening`), a small one is instead shown at a readable zoom, from its start (its
 * inputs) when it doesn't fit: the numbers on its nodes are what a student reads first. A
 * network too big even at MIN_FIT_ZOOM is shown from its start too.
 */
export async function zoomToFit(flow: Flow, canvas: HTMLElement | null, opening = false): Promise<void> {
  const nodes = flow.getNodes().filter((n) => !n.hidden);
  if (!nodes.length || !canvas) return;
  await flow.setViewport(fitViewport(flow.getNodesBounds(nodes), canvas, opening));
}

/** The viewport zoomToFit chooses for nodes within `bounds` (flow coordinates). */
export function fitViewport(bounds: Rect, canvas: HTMLElement, opening: boolean): Viewport {
  const area = visibleArea(canvas.getBoundingClientRect(), overlaysOver());
  const fit = Math.min((area.width - 2 * PAD) / bounds.width, (area.height - 2 * PAD) / bounds.height, 1.1);
  const small = appStore.getState().doc.graph.nodes.length <= SMALL_NETWORK;
  const floor = opening && small ? readableZoom() : MIN_FIT_ZOOM;
  const zoom = Math.max(fit, Math.min(floor, 1.1));
  const direction = appStore.getState().doc.layout?.direction ?? 'TB';
  const centre = (span: number, start: number, size: number) => start + size / 2 - span / 2;
  // Fits: centred. Too big: centred across the flow, from its start along it.
  const wide = bounds.width * zoom > area.width - 2 * PAD;
  const tall = bounds.height * zoom > area.height - 2 * PAD;
  const x =
    wide && direction === 'LR'
      ? area.x + PAD - bounds.x * zoom
      : centre(bounds.width * zoom, area.x, area.width) - bounds.x * zoom;
  const y =
    tall && direction === 'TB'
      ? area.y + PAD - bounds.y * zoom
      : centre(bounds.height * zoom, area.y, area.height) - bounds.y * zoom;
  return { x: Math.round(x), y: Math.round(y), zoom };
}

/**
 * The opening fit of a network not yet drawn, from its nodes' places and their measured (else
 * usual) sizes. A big network set at this zoom before its nodes first render draws them once, at
 * their level of detail there: drawn first at the old zoom, a 1,000-layer network rendered every
 * node in full and then again compact (scripts/bench-canvas.ts open-project). zoomToFit corrects
 * it once the nodes are measured.
 */
export function openingFit(
  nodes: readonly { id: string; position: XYPosition; parentId?: string; width?: number; height?: number }[],
  measured: Record<string, { width: number; height: number }>,
  canvas: HTMLElement,
  usual: { width: number; height: number },
): Viewport | null {
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const n of nodes) {
    if (n.parentId) continue; // inside a frame, which is a node too
    const size = measured[n.id] ?? { width: n.width ?? usual.width, height: n.height ?? usual.height };
    x0 = Math.min(x0, n.position.x);
    y0 = Math.min(y0, n.position.y);
    x1 = Math.max(x1, n.position.x + size.width);
    y1 = Math.max(y1, n.position.y + size.height);
  }
  if (!Number.isFinite(x0)) return null;
  return fitViewport({ x: x0, y: y0, width: x1 - x0, height: y1 - y0 }, canvas, true);
}

let registered: { flow: Flow; canvas: HTMLElement | null } | null = null;

/** The canvas registers itself, so commands (Find, Problems, Step through) can move its view. */
export function registerCanvas(flow: Flow | null, canvas: HTMLElement | null): void {
  registered = flow ? { flow, canvas } : null;
}

/** Zoom to fit on the registered canvas. */
export const fitCanvas = () =>
  registered ? zoomToFit(registered.flow, registered.canvas) : Promise.resolve();

/** Centres a node of the registered canvas at a readable zoom; false when it is not drawn. */
export const showNode = (id: string) =>
  registered ? focusNode(registered.flow, registered.canvas, id) : Promise.resolve(false);

/** Centres a node (or the block standing in for it) at a readable zoom, or closer if already so. */
export async function focusNode(flow: Flow, canvas: HTMLElement | null, id: string): Promise<boolean> {
  const n = flow.getInternalNode(id);
  if (!n || !canvas) return false;
  const { x, y } = n.internals.positionAbsolute;
  const w = n.measured.width ?? 0;
  const h = n.measured.height ?? 0;
  const area = visibleArea(canvas.getBoundingClientRect(), overlaysOver());
  const zoom = Math.max(flow.getZoom(), readableZoom());
  await flow.setViewport(
    {
      x: area.x + area.width / 2 - (x + w / 2) * zoom,
      y: area.y + area.height / 2 - (y + h / 2) * zoom,
      zoom,
    },
    { duration: 200 },
  );
  return true;
}
