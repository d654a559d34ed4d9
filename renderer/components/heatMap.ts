// Pixels for a 2-D slice of a tensor. Signed data (gradients, weights, pre-activations) uses a
// diverging scale centred on zero, so sign and size read at a glance; non-negative data
// (images, ReLU outputs) uses viridis. Both scales are colour-blind safe: the diverging one is
// ColorBrewer's PuOr (purple for negative, orange for positive), readable under deuteranopia.
import { viridis } from './gradientColor.ts';

const PUOR: [number, number, number][] = [
  [45, 0, 75],
  [84, 39, 136],
  [128, 115, 172],
  [178, 171, 210],
  [216, 218, 235],
  [247, 247, 247],
  [254, 224, 182],
  [253, 184, 99],
  [224, 130, 20],
  [179, 88, 6],
  [127, 59, 8],
];

/** t in [-1, 1] -> PuOr colour, white at 0. */
export function diverging(t: number): [number, number, number] {
  const x = ((Math.min(1, Math.max(-1, t)) + 1) / 2) * (PUOR.length - 1);
  const i = Math.min(PUOR.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [PUOR[i], PUOR[i + 1]];
  return [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * f)) as [number, number, number];
}

export type HeatScale = 'diverging' | 'sequential';

export interface HeatRange {
  scale: HeatScale;
  /** Diverging: the largest |value| (maps to full colour). Sequential: [min, max]. */
  lo: number;
  hi: number;
}

/** The scale a slice of data calls for: diverging when it has both signs, else sequential. */
export function heatRange(values: ArrayLike<number>, scale?: HeatScale): HeatRange {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === Infinity) return { scale: scale ?? 'sequential', lo: 0, hi: 0 };
  const chosen = scale ?? (lo < 0 && hi > 0 ? 'diverging' : 'sequential');
  if (chosen === 'diverging') {
    const m = Math.max(Math.abs(lo), Math.abs(hi));
    return { scale: chosen, lo: -m, hi: m };
  }
  return { scale: chosen, lo, hi };
}

/** RGBA bytes for width x height values (row-major) under a range; NaN and ±Inf show as red-free grey. */
export function heatPixels(
  values: ArrayLike<number>,
  width: number,
  height: number,
  range: HeatRange,
): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(new ArrayBuffer(width * height * 4));
  const span = range.hi - range.lo;
  for (let i = 0; i < width * height; i++) {
    const v = values[i];
    let rgb: [number, number, number];
    if (!Number.isFinite(v)) rgb = [128, 128, 128];
    else if (range.scale === 'diverging') rgb = diverging(range.hi > 0 ? v / range.hi : 0);
    else rgb = viridis(span > 0 ? (v - range.lo) / span : 0.5);
    out.set(rgb, i * 4);
    out[i * 4 + 3] = 255;
  }
  return out;
}
