// A layer node's box, in one place: canvas.css draws the node from these numbers (the canvas
// carries them as custom properties, nodeBoxVars) and the canvas places the ports of a node React
// Flow has not measured yet from them (ports.ts estimatedHandles), so what React Flow then
// measures is what was estimated: edges don't move, and the opening fit is the measured one.
import type { CSSProperties } from 'react';
import type { LevelOfDetail } from './useLayerView.ts';

/** In px at the normal root font size. */
const BOX = {
  width: 220,
  /** The left, right and bottom border. */
  border: 1,
  /** The category stripe along the top: a full node's, and a compact tile's. */
  stripe: 4,
  tileStripe: 8,
  /** A compact tile is this tall at every zoom (its text scales instead). */
  tileHeight: 84,
  /**
   * A full node's height is its content's (53 px with its name and shape, 72 with a line of
   * parameters too): the shortest, for the bottom port of a full node not measured yet, which only
   * a big network zoomed in has. Measuring corrects it.
   */
  fullHeight: 53,
  port: 10,
};

/**
 * Presentation mode's type is 17 px instead of 13 (styles.css), and a full node's width grows with
 * it, to a whole number of pixels so the estimate stays exact; its ports are 14 px.
 */
const PRESENTATION = { width: Math.round((BOX.width * 17) / 13), port: 14 };

/** A node's box at one level of detail: its size, borders and port size, in flow pixels. */
export interface NodeBox {
  width: number;
  height: number;
  /** The top border (the category stripe). */
  top: number;
  /** The left, right and bottom border. */
  border: number;
  port: number;
}

export function nodeBox(lod: LevelOfDetail, presentation = false): NodeBox {
  const compact = lod !== 'full';
  return {
    width: presentation ? PRESENTATION.width : BOX.width,
    height: compact ? BOX.tileHeight : BOX.fullHeight,
    top: compact ? BOX.tileStripe : BOX.stripe,
    border: BOX.border,
    port: presentation ? PRESENTATION.port : BOX.port,
  };
}

/** The custom properties canvas.css draws nodes with (set on the canvas element). */
export function nodeBoxVars(presentation: boolean): CSSProperties {
  const full = nodeBox('full', presentation);
  const tile = nodeBox('compact', presentation);
  return {
    '--node-width': `${full.width}px`,
    '--node-border': `${full.border}px`,
    '--node-stripe': `${full.top}px`,
    '--tile-stripe': `${tile.top}px`,
    '--tile-height': `${tile.height}px`,
    '--port-size': `${full.port}px`,
  } as CSSProperties;
}
