// React Flow handle ids <-> engine ports. Handles are "in-<port>" and "out-<port>".
import type { NodeHandle } from '@xyflow/react';
import { Position } from '@xyflow/react';
import type { Connection as EngineConnection } from '../../engine/index.ts';
import { getLayer } from '../../engine/index.ts';
import type { NodeBox } from './nodeBox.ts';

export const inHandle = (port: number) => `in-${port}`;
export const outHandle = (port: number) => `out-${port}`;

const portOf = (handle: string | null | undefined) =>
  Number(/^(?:in|out)-(\d+)$/.exec(handle ?? '')?.[1] ?? 0);

export function toEngineConnection(c: {
  source: string;
  target: string;
  sourceHandle?: string | null;
  targetHandle?: string | null;
}): EngineConnection {
  return {
    source: c.source,
    sourcePort: portOf(c.sourceHandle),
    target: c.target,
    targetPort: portOf(c.targetHandle),
  };
}

/** A layer's input ports: its named inputs, or for a variadic one (Add, Concat) one free port more. */
export function inputPortCount(type: string, connected: number): number {
  const def = getLayer(type);
  if (!def) return 1;
  if ('names' in def.inputs) return def.inputs.names.length;
  return Math.max(def.inputs.variadic.min, connected + 1);
}

/**
 * Chromium lays boxes out in 1/64 px and cuts a percentage's length down to it: a port at 1/3 of
 * a node's width sits there, not at the exact third.
 */
const toLayoutUnit = (px: number) => Math.floor(px * 64) / 64;

/**
 * Where a node's ports will be, before React Flow has measured them, as canvas.css places them:
 * centred on the edges of the node's padding box (inside its borders), the input ports spread
 * along its top (left, laid out left to right), the output centred on the opposite side. A node
 * given its ports up front need not be rendered before it comes into view (React Flow renders
 * every node without them, in view or not); once it has rendered, React Flow's measured ports
 * replace these, and since they match, no edge moves.
 */
export function estimatedHandles(inputs: number, box: NodeBox, direction: 'TB' | 'LR'): NodeHandle[] {
  const half = box.port / 2;
  const inner = {
    width: box.width - 2 * box.border,
    height: box.height - box.top - box.border,
  };
  const lr = direction === 'LR';
  const along = lr ? inner.height : inner.width;
  const start = lr ? box.top : box.border;
  const handles: NodeHandle[] = Array.from({ length: inputs }, (_, i) => {
    const at = start + toLayoutUnit((along * (i + 1)) / (inputs + 1)) - half;
    return {
      id: inHandle(i),
      type: 'target',
      position: lr ? Position.Left : Position.Top,
      x: lr ? box.border - half : at,
      y: lr ? at : box.top - half,
      width: box.port,
      height: box.port,
    };
  });
  handles.push({
    id: outHandle(0),
    type: 'source',
    position: lr ? Position.Right : Position.Bottom,
    x: lr ? box.width - box.border - half : box.border + toLayoutUnit(inner.width / 2) - half,
    y: lr ? box.top + toLayoutUnit(inner.height / 2) - half : box.height - box.border - half,
    width: box.port,
    height: box.port,
  });
  return handles;
}
