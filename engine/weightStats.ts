// Statistics of one weight tensor as the inspector shows them: min, max, mean, std and a histogram.
// The host computes them for tensors it holds (a VGG classifier's 100 M values, in slices between
// which its event loop runs), the page for the small tensors it holds itself; both use these.

export interface WeightHistogram {
  /** The edges of the first and last bin; every finite value falls in [lo, hi]. */
  lo: number;
  hi: number;
  /** Values per bin, bins of equal width between lo and hi. */
  counts: number[];
}

export interface WeightStats {
  count: number;
  /** Over the finite values; null when there are none. */
  min: number | null;
  max: number | null;
  mean: number | null;
  std: number | null;
  /** NaN and infinite values, left out of everything else. */
  nonFinite: number;
  histogram: WeightHistogram;
}

/** Running sums over the values seen so far (float64, so 100 M float32 values sum without drift). */
export interface Moments {
  n: number;
  min: number;
  max: number;
  sum: number;
  sumSq: number;
  nonFinite: number;
}

export const emptyMoments = (): Moments => ({
  n: 0,
  min: Infinity,
  max: -Infinity,
  sum: 0,
  sumSq: 0,
  nonFinite: 0,
});

/** Adds values[start, end) to `m`. */
export function addMoments(m: Moments, values: ArrayLike<number>, start: number, end: number): void {
  let { n, min, max, sum, sumSq, nonFinite } = m;
  for (let i = start; i < end; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      nonFinite++;
      continue;
    }
    n++;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    sumSq += v * v;
  }
  Object.assign(m, { n, min, max, sum, sumSq, nonFinite });
}

/** Empty bins spanning what `m` saw (one value, or none: a unit-wide range around it). */
export function emptyHistogram(m: Moments, bins: number): WeightHistogram {
  const lo = m.n ? m.min : 0;
  const hi = m.n ? m.max : 0;
  return lo === hi
    ? { lo: lo - 0.5, hi: hi + 0.5, counts: new Array<number>(bins).fill(0) }
    : { lo, hi, counts: new Array<number>(bins).fill(0) };
}

/** Counts values[start, end) into `h` (non-finite values are left out). */
export function addToHistogram(
  h: WeightHistogram,
  values: ArrayLike<number>,
  start: number,
  end: number,
): void {
  const bins = h.counts.length;
  const scale = bins / (h.hi - h.lo);
  for (let i = start; i < end; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    h.counts[Math.min(bins - 1, Math.max(0, Math.floor((v - h.lo) * scale)))]++;
  }
}

export function finishStats(m: Moments, histogram: WeightHistogram): WeightStats {
  const mean = m.n ? m.sum / m.n : null;
  return {
    count: m.n + m.nonFinite,
    min: m.n ? m.min : null,
    max: m.n ? m.max : null,
    mean,
    std: mean === null ? null : Math.sqrt(Math.max(0, m.sumSq / m.n - mean * mean)),
    nonFinite: m.nonFinite,
    histogram,
  };
}

/** All at once, for tensors small enough to go through without a pause. */
export function weightStats(values: ArrayLike<number>, bins = 32): WeightStats {
  const m = emptyMoments();
  addMoments(m, values, 0, values.length);
  const h = emptyHistogram(m, bins);
  addToHistogram(h, values, 0, values.length);
  return finishStats(m, h);
}
