// React Flow handle ids <-> engine ports. Handles are "in-<port>" and "out-<port>".
import type { NodeHandle } from '@xyflow/react';
import { Position } from '@xyflow/react';
import type { Connection as EngineConnection } from '../../engine/index.ts';
import { getLayer } from '../../engine/index.ts';

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

/** A port's width and height (--port-size in styles.css). */
const PORT = 10;

/**
 * Where a node's ports will be, before React Flow has measured them: the input ports spread
 * along its top (left, laid out left to right), the output centred on the opposite side, as
 * LayerNode draws them. A node given its ports up front need not be rendered before it comes
 * into view (React Flow renders every node without them, in view or not); once it has rendered,
 * React Flow's measured ports replace these.
 */
export function estimatedHandles(
  inputs: number,
  size: { width: number; height: number },
  direction: 'TB' | 'LR',
): NodeHandle[] {
  const half = PORT / 2;
  const along = direction === 'LR' ? size.height : size.width;
  const handles: NodeHandle[] = Array.from({ length: inputs }, (_, i) => {
    const at = (along * (i + 1)) / (inputs + 1) - half;
    return {
      id: inHandle(i),
      type: 'target',
      position: direction === 'LR' ? Position.Left : Position.Top,
      x: direction === 'LR' ? -half : at,
      y: direction === 'LR' ? at : -half,
      width: PORT,
      height: PORT,
    };
  });
  handles.push({
    id: outHandle(0),
    type: 'source',
    position: direction === 'LR' ? Position.Right : Position.Bottom,
    x: direction === 'LR' ? size.width - half : size.width / 2 - half,
    y: direction === 'LR' ? size.height / 2 - half : size.height - half,
    width: PORT,
    height: PORT,
  });
  return handles;
}
