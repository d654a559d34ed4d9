// The canvas as a picture (React Flow's recipe): the bounds of every node, a viewport transform
// that fits them into the image, and html-to-image rendering the React Flow viewport element
// with that transform. PNG for slides, SVG (HTML in a foreignObject) for documents.
import type { ReactFlowInstance } from '@xyflow/react';
import { getViewportForBounds } from '@xyflow/react';
import { toPng, toSvg } from 'html-to-image';
import { useSyncExternalStore } from 'react';
import { fileSlug } from '../components/files.ts';
import { appStore } from '../state/appStore.ts';
import { downloadUrl } from '../components/download.ts';

export type ImageFormat = 'png' | 'svg';

/**
 * Margin around the graph, and the largest PNG Chromium draws reliably (a side of 16,384 px, 64
 * megapixels); larger graphs are scaled down. A tall network such as ResNet-50 stays at full size.
 */
const PADDING = 32;
const MAX_PNG_SIDE = 16_384;
const MAX_PNG_PIXELS = 64 * 1024 * 1024;

let flowInstance: ReactFlowInstance | null = null;

// A large graph renders only the nodes in view (see Canvas); a picture needs all of them, so the
// export asks the canvas to render everything for the moment it takes.
let renderAll = false;
const renderAllListeners = new Set<() => void>();
function setRenderAll(value: boolean): void {
  renderAll = value;
  renderAllListeners.forEach((l) => l());
}

/** True while an export needs every node in the DOM. */
export function useRenderAll(): boolean {
  return useSyncExternalStore(
    (l) => {
      renderAllListeners.add(l);
      return () => renderAllListeners.delete(l);
    },
    () => renderAll,
  );
}

const nextFrame = () => new Promise<void>((r) => requestAnimationFrame(() => r()));

/** Waits until every node is in the DOM and measured (unmeasured nodes are drawn hidden). */
async function allNodesRendered(root: HTMLElement, count: number): Promise<void> {
  for (let i = 0; i < 120; i++) {
    await nextFrame();
    const nodes = root.querySelectorAll<HTMLElement>('.react-flow__node');
    if (nodes.length >= count && ![...nodes].some((n) => n.style.visibility === 'hidden')) return;
  }
}

/** The canvas registers its React Flow instance so commands from menus and shortcuts can export. */
export function registerFlow(flow: ReactFlowInstance | null): void {
  flowInstance = flow;
}

/** Size of the image and the viewport transform that fits every node into it. */
export function imageFrame(
  bounds: { x: number; y: number; width: number; height: number },
  format: ImageFormat,
): { width: number; height: number; transform: string } {
  const w = Math.max(bounds.width, 1);
  const h = Math.max(bounds.height, 1);
  const zoom =
    format === 'png'
      ? Math.min(
          1,
          (MAX_PNG_SIDE - 2 * PADDING) / w,
          (MAX_PNG_SIDE - 2 * PADDING) / h,
          Math.sqrt(MAX_PNG_PIXELS / ((w + 2 * PADDING) * (h + 2 * PADDING))),
        )
      : 1;
  const width = Math.ceil(bounds.width * zoom + 2 * PADDING);
  const height = Math.ceil(bounds.height * zoom + 2 * PADDING);
  const v = getViewportForBounds(bounds, width, height, zoom, zoom, 0);
  return { width, height, transform: `translate(${v.x}px, ${v.y}px) scale(${v.zoom})` };
}

/** Presentation properties that SVG children (edges, their labels, arrowheads) take from CSS. */
const SVG_STYLE = [
  'fill',
  'fill-opacity',
  'stroke',
  'stroke-width',
  'stroke-opacity',
  'stroke-dasharray',
  'opacity',
  'font-family',
  'font-size',
  'font-weight',
  'visibility',
];

/**
 * html-to-image copies computed styles into the clone for HTML elements only; an <svg> is cloned
 * as-is, so edges would lose the stroke and labels the colours that the stylesheet gives them.
 * This writes those styles inline for the moment of the export and returns the undo.
 */
function inlineSvgStyles(root: HTMLElement): () => void {
  const touched: [Element, string | null][] = [];
  for (const el of root.querySelectorAll<SVGElement>('svg *')) {
    const computed = getComputedStyle(el);
    touched.push([el, el.getAttribute('style')]);
    for (const p of SVG_STYLE) el.style.setProperty(p, computed.getPropertyValue(p));
  }
  return () => {
    for (const [el, style] of touched)
      if (style === null) el.removeAttribute('style');
      else el.setAttribute('style', style);
  };
}

/**
 * The computed styles copied onto every cloned element. html-to-image copies all of them (~350)
 * by default, which takes a minute for a 1,000-layer graph; these are the ones the canvas uses.
 */
const STYLE_PROPERTIES = [
  'display',
  'position',
  'box-sizing',
  'top',
  'left',
  'right',
  'bottom',
  'width',
  'height',
  'min-width',
  'min-height',
  'max-width',
  'max-height',
  'margin-top',
  'margin-right',
  'margin-bottom',
  'margin-left',
  'padding-top',
  'padding-right',
  'padding-bottom',
  'padding-left',
  ...['top', 'right', 'bottom', 'left'].flatMap((side) =>
    ['width', 'style', 'color'].map((p) => `border-${side}-${p}`),
  ),
  'border-top-left-radius',
  'border-top-right-radius',
  'border-bottom-left-radius',
  'border-bottom-right-radius',
  'outline-width',
  'outline-style',
  'outline-color',
  'outline-offset',
  'box-shadow',
  'background-color',
  'color',
  'opacity',
  'visibility',
  'overflow',
  'overflow-x',
  'overflow-y',
  'z-index',
  'transform',
  'transform-origin',
  'filter',
  'flex-direction',
  'flex-wrap',
  'flex-grow',
  'flex-shrink',
  'flex-basis',
  'justify-content',
  'align-items',
  'align-self',
  'row-gap',
  'column-gap',
  'font-family',
  'font-size',
  'font-weight',
  'font-style',
  'line-height',
  'letter-spacing',
  'text-align',
  'text-overflow',
  'white-space',
  'overflow-wrap',
  'word-break',
  'pointer-events',
  ...SVG_STYLE,
];

/** Leaves out what is not part of the drawing (handles stay; they show where edges attach). */
const keep = (el: HTMLElement) =>
  !el.classList?.contains('react-flow__minimap') && !el.classList?.contains('react-flow__controls');

export async function exportImage(format: ImageFormat): Promise<void> {
  const { actions, doc } = appStore.getState();
  const flow = flowInstance;
  const viewport = document.querySelector<HTMLElement>('.react-flow__viewport');
  const nodes = flow?.getNodes() ?? [];
  if (!flow || !viewport || !nodes.length) return actions.notify('info', 'There is nothing to export yet.');
  const frame = imageFrame(flow.getNodesBounds(nodes), format);
  const options = {
    backgroundColor: getComputedStyle(document.documentElement).getPropertyValue('--bg').trim() || '#ffffff',
    width: frame.width,
    height: frame.height,
    pixelRatio: 1,
    filter: keep,
    includeStyleProperties: STYLE_PROPERTIES,
    style: { width: `${frame.width}px`, height: `${frame.height}px`, transform: frame.transform },
  };
  // Large graphs take seconds (every element's style is copied); say that something is happening.
  if (nodes.length > 100) actions.notify('info', `Drawing the ${format.toUpperCase()} picture…`);
  setRenderAll(true);
  await allNodesRendered(viewport, nodes.length);
  const restore = inlineSvgStyles(viewport);
  try {
    const url = format === 'png' ? await toPng(viewport, options) : await toSvg(viewport, options);
    downloadUrl(`${fileSlug(doc.name)}.${format}`, url);
  } catch (e) {
    actions.notify('error', `Could not export the picture: ${(e as Error).message}`);
  } finally {
    restore();
    setRenderAll(false);
  }
}
