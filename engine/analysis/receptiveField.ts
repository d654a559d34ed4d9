// Receptive fields composed forward from the inputs (Araujo, Norris & Sim, Distill 2019).
// For a node, output position u sees input rows u*stride + start ... u*stride + start + size - 1
// along each spatial axis; start = -P, the effective padding.
import type { RFTransfer } from '../layer.ts';

export interface ReceptiveField {
  size: number[];
  stride: number[];
  start: number[];
}

export type RFResult = ReceptiveField | { global: true } | null;

export const isGlobal = (rf: RFResult): rf is { global: true } => rf !== null && 'global' in rf;

export function sourceField(spatialAxes: number): RFResult {
  if (spatialAxes <= 0) return null;
  return {
    size: Array(spatialAxes).fill(1),
    stride: Array(spatialAxes).fill(1),
    start: Array(spatialAxes).fill(0),
  };
}

/** Applies one layer's transfer to the field of its (merged) input. */
export function applyTransfer(input: RFResult, t: RFTransfer): RFResult {
  if (input === null) return null;
  if (isGlobal(input) || t.kind === 'global' || t.kind === 'sequence') return { global: true };
  if (t.kind === 'identity') return input;
  const axes = input.size.length;
  if (t.kernel.length !== axes) return { global: true };
  const size: number[] = [];
  const stride: number[] = [];
  const start: number[] = [];
  for (let i = 0; i < axes; i++) {
    const [r, S, s0] = [input.size[i], input.stride[i], input.start[i]];
    if (t.kind === 'window') {
      size.push(r + (t.kernel[i] - 1) * S);
      stride.push(S * t.stride[i]);
      start.push(s0 - t.pad[i] * S);
    } else {
      // Transposed conv: output o receives input i with i*s - p + j = o, j < k. At most
      // ceil(k/s) inputs meet in one output; the first one is ceil((p - k + 1)/s).
      const reach = Math.ceil(t.kernel[i] / t.stride[i]);
      size.push(r + (reach - 1) * S);
      stride.push(S / t.stride[i]);
      start.push(s0 + Math.ceil((t.pad[i] - t.kernel[i] + 1) / t.stride[i]) * S);
    }
  }
  return { size, stride, start };
}

export interface MergedField {
  field: RFResult;
  /** Each incoming path's field, for the viewer to draw. */
  paths: ReceptiveField[];
  /** Paths disagree on stride or centre: the region is not one rectangle per output position. */
  unaligned: boolean;
}

const area = (rf: ReceptiveField) => rf.size.reduce((a, b) => a * b, 1);
const centre = (rf: ReceptiveField, i: number) => rf.start[i] + (rf.size[i] - 1) / 2;

/** Several paths meet (Add, Concat): report the largest field and flag misaligned paths. */
export function mergeFields(inputs: RFResult[]): MergedField {
  const paths = inputs.filter((f): f is ReceptiveField => f !== null && !isGlobal(f));
  if (inputs.some(isGlobal)) return { field: { global: true }, paths, unaligned: false };
  if (paths.length === 0) return { field: null, paths, unaligned: false };
  let best = paths[0];
  for (const p of paths) if (area(p) > area(best)) best = p;
  const unaligned = paths.some(
    (p) =>
      p.size.length !== best.size.length ||
      p.stride.some((s, i) => s !== best.stride[i] || centre(p, i) !== centre(best, i)),
  );
  return { field: best, paths, unaligned };
}
