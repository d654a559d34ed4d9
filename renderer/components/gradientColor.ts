// Colours for gradient norms and update ratios on a log scale (viridis: dark purple for tiny,
// through blue and green, to yellow for large), and readable text on top of them.

const VIRIDIS: [number, number, number][] = [
  [68, 1, 84],
  [72, 40, 120],
  [62, 74, 137],
  [49, 104, 142],
  [38, 130, 142],
  [31, 158, 137],
  [53, 183, 121],
  [110, 206, 88],
  [181, 222, 43],
  [253, 231, 37],
];

/** Decades shown on the gradient-norm scale: 1e-8 (dark) to 1e1 (yellow). */
export const GRAD_SCALE: [number, number] = [-8, 1];
/** Per-epoch |ΔW|/|W|: 1e-6 (dark) to 1 (yellow). */
export const RATIO_SCALE: [number, number] = [-6, 0];

/** Position 0..1 of a positive value on a log10 scale [lo, hi] (decades). */
export function logPosition(value: number, [lo, hi]: [number, number]): number {
  if (!(value > 0)) return 0;
  return Math.min(1, Math.max(0, (Math.log10(value) - lo) / (hi - lo)));
}

export function viridis(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [VIRIDIS[i], VIRIDIS[i + 1]];
  return [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * f)) as [number, number, number];
}

export function scaleColor(value: number, scale: [number, number]): { background: string; color: string } {
  const [r, g, b] = viridis(logPosition(value, scale));
  // Relative luminance decides between black and white text.
  const lum = (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
  return { background: `rgb(${r}, ${g}, ${b})`, color: lum > 0.5 ? '#111' : '#fff' };
}

/** 0.000123 -> "1.2e-4"; 0.5 -> "0.50"; 12 -> "12". */
export function formatSci(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 0.01 && a < 100) return v.toFixed(a >= 10 ? 1 : 2);
  const [m, e] = v.toExponential(1).split('e');
  return `${m}e${Number(e)}`;
}

/** CSS gradient for a legend strip of the scale. */
export function scaleGradient(): string {
  const stops = VIRIDIS.map(
    (c, i) => `rgb(${c.join(', ')}) ${((i / (VIRIDIS.length - 1)) * 100).toFixed(0)}%`,
  );
  return `linear-gradient(to right, ${stops.join(', ')})`;
}

/** Log-axis ticks: 0.01 .. 1000 as plain numbers, the rest as powers of ten (1e-5). */
export function logTick(v: number): string {
  if (v >= 0.01 && v < 1000) return String(Number(v.toPrecision(2)));
  const e = Math.round(Math.log10(v));
  return Math.abs(v / 10 ** e - 1) < 1e-6 ? `1e${e}` : v.toExponential(0).replace('+', '');
}
