// The fuzz targets by name; each is loaded only in the thread that runs it.
import type { FuzzTarget } from '../target.ts';

export const TARGETS = ['onnx', 'project', 'hostapi', 'data'] as const;
export type TargetName = (typeof TARGETS)[number];

export async function loadTarget(name: string): Promise<FuzzTarget> {
  if (!(TARGETS as readonly string[]).includes(name)) throw new Error(`no fuzz target '${name}'`);
  const m = (await import(`./${name}.ts`)) as { target: FuzzTarget };
  return m.target;
}
