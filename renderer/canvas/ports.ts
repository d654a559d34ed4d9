// React Flow handle ids <-> engine ports. Handles are "in-<port>" and "out-<port>".
import type { Connection as EngineConnection } from '../../engine/index.ts';

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
