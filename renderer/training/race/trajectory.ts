// The optimizer race's parameter trajectories in the plane that explains most of their movement.
// Every point is θ − θ₀ (exact or count-sketched by the host, host/training/trajectory.ts), all
// contestants' points are stacked, and their top two principal directions, uncentred, so the
// shared start θ₀ stays at (0, 0) (Li et al. 2018, "Visualizing the Loss Landscape of Neural
// Nets"), come from the small N×N Gram matrix of the points: with P = UΣVᵀ, the coordinates of
// the points on the k-th direction are σₖuₖ, and uₖ, σₖ² are the Gram matrix's eigenpairs. The
// Gram matrix grows one row per arriving point, so a live race pays O(N·length) per point.
import { decodeFloat32 } from '../../../engine/index.ts';

export interface TrajectoryPoint {
  /** Index of the race's contestant (lane). */
  lane: number;
  step: number;
  /** Epochs completed when the snapshot was taken. */
  epoch: number;
  values: Float32Array;
}

/** The float32 values of a protocol trajectory point, or null when any is not finite (diverged). */
export function decodePoint(base64: string): Float32Array | null {
  const values = decodeFloat32(base64);
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return null;
  return values;
}

/** Inner products of the points, lower triangle: rows[i][j] = pᵢ·pⱼ for j ≤ i. */
export interface Gram {
  points: readonly Float32Array[];
  rows: Float64Array[];
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * The Gram matrix of `points`, reusing `previous` when its points are the start of these (the
 * same arrays, as a race appends them), so only the new rows are computed.
 */
export function extendGram(previous: Gram | null, points: readonly Float32Array[]): Gram {
  const reuse =
    previous && previous.points.length <= points.length && previous.points.every((p, i) => p === points[i])
      ? previous.rows
      : [];
  const rows = reuse.slice();
  for (let i = rows.length; i < points.length; i++) {
    if (points[i].length !== points[0].length)
      throw new Error(
        `Trajectory point ${i} has ${points[i].length} numbers, the first has ${points[0].length}; the runs were not sketched alike.`,
      );
    const row = new Float64Array(i + 1);
    for (let j = 0; j <= i; j++) row[j] = dot(points[i], points[j]);
    rows.push(row);
  }
  return { points: points.slice(), rows };
}

/** Eigenvalues and eigenvectors of a small symmetric matrix (cyclic Jacobi), largest first. */
export function symmetricEigen(a: readonly (readonly number[])[]): { values: number[]; vectors: number[][] } {
  const n = a.length;
  const m = a.map((r) => r.slice());
  const v = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j): number => (i === j ? 1 : 0)),
  );
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p][q] ** 2;
    if (
      off <
      1e-30 *
        Math.max(
          1e-300,
          m.reduce((s, r, i) => s + r[i] ** 2, 0),
        )
    )
      break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        if (m[p][q] === 0) continue;
        const theta = (m[q][q] - m[p][p]) / (2 * m[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = m[k][p];
          const mkq = m[k][q];
          m[k][p] = c * mkp - s * mkq;
          m[k][q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p][k];
          const mqk = m[q][k];
          m[p][k] = c * mpk - s * mqk;
          m[q][k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k][p];
          const vkq = v[k][q];
          v[k][p] = c * vkp - s * vkq;
          v[k][q] = s * vkp + c * vkq;
        }
      }
  }
  const order = m.map((r, i) => [r[i], i] as const).sort((x, y) => y[0] - x[0]);
  return { values: order.map(([val]) => val), vectors: order.map(([, i]) => v.map((row) => row[i])) };
}

const MAX_ITERATIONS = 200;

/** Orthonormalizes the columns in place (modified Gram–Schmidt); a dependent one becomes zero. */
function orthonormalize(cols: Float64Array[]): void {
  for (let k = 0; k < cols.length; k++) {
    for (let j = 0; j < k; j++) {
      let d = 0;
      for (let i = 0; i < cols[k].length; i++) d += cols[k][i] * cols[j][i];
      for (let i = 0; i < cols[k].length; i++) cols[k][i] -= d * cols[j][i];
    }
    let n = 0;
    for (let i = 0; i < cols[k].length; i++) n += cols[k][i] ** 2;
    n = Math.sqrt(n);
    for (let i = 0; i < cols[k].length; i++) cols[k][i] = n > 1e-300 ? cols[k][i] / n : 0;
  }
}

function multiply(g: Gram, x: Float64Array): Float64Array {
  const n = g.rows.length;
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const row = g.rows[i];
    let s = 0;
    for (let j = 0; j < i; j++) {
      s += row[j] * x[j];
      y[j] += row[j] * x[i];
    }
    y[i] += s + row[i] * x[i];
  }
  return y;
}

/**
 * The `k` largest eigenpairs of the Gram matrix: subspace iteration on a block of k + 2 vectors
 * with a Rayleigh–Ritz step each round (so two nearly equal eigenvalues are still told apart),
 * until every wanted pair's residual is below 1e-8 of the largest eigenvalue (far finer than a
 * pixel), or MAX_ITERATIONS rounds have passed (points without a dominant plane, like noise).
 */
export function topEigen(g: Gram, k = 2): { values: number[]; vectors: Float64Array[] } {
  const n = g.rows.length;
  const b = Math.min(n, k + 2);
  if (n === 0) return { values: [], vectors: [] };
  // A fixed start (no randomness: the same points always give the same picture).
  let q = Array.from({ length: b }, (_, c) =>
    Float64Array.from(
      { length: n },
      (_, i) => Math.sin((i + 1) * (c + 1) * 12.9898 + c) + (i % (c + 2) === 0 ? 1 : 0),
    ),
  );
  orthonormalize(q);
  let values: number[] = [];
  for (let iter = 0; iter < MAX_ITERATIONS; iter++) {
    const gq = q.map((v) => multiply(g, v));
    const h = q.map((qi) => gq.map((gqj) => qi.reduce((s, x, t) => s + x * gqj[t], 0)));
    const eig = symmetricEigen(h);
    values = eig.values;
    // Ritz vectors and G times them, from the same rotation.
    const ritz = eig.vectors.map((w) => {
      const v = new Float64Array(n);
      w.forEach((c, j) => q[j].forEach((x, i) => (v[i] += c * x)));
      return v;
    });
    const gRitz = eig.vectors.map((w) => {
      const v = new Float64Array(n);
      w.forEach((c, j) => gq[j].forEach((x, i) => (v[i] += c * x)));
      return v;
    });
    const scale = Math.max(Math.abs(values[0]), 1e-300);
    const converged = ritz.slice(0, k).every((v, c) => {
      let r = 0;
      for (let i = 0; i < n; i++) r += (gRitz[c][i] - values[c] * v[i]) ** 2;
      return Math.sqrt(r) <= 1e-8 * scale;
    });
    if (converged || iter === MAX_ITERATIONS - 1)
      return { values: values.slice(0, k), vectors: ritz.slice(0, k) };
    q = gRitz;
    orthonormalize(q);
  }
  return { values: values.slice(0, k), vectors: [] };
}

export interface TrajectoryLine {
  lane: number;
  x: number[];
  y: number[];
  step: number[];
  epoch: number[];
}

export interface TrajectoryPlot {
  lines: TrajectoryLine[];
  /** Share of the points' total squared distance from θ₀ along PC1 and PC2 (0..1). */
  explained: [number, number];
  /** Points per lane. */
  counts: number[];
}

/**
 * The points of `lanes` contestants in the PC1/PC2 plane, one line per lane in step order. Each
 * direction's sign is chosen so the points lie mostly on its positive side: the same race always
 * comes out the same way round.
 */
export function projectTrajectories(
  points: readonly TrajectoryPoint[],
  lanes: number,
  gram: Gram = extendGram(
    null,
    points.map((p) => p.values),
  ),
): TrajectoryPlot {
  const n = points.length;
  const { values, vectors } = topEigen(gram, 2);
  const trace = gram.rows.reduce((s, r, i) => s + r[i], 0);
  const coords = [0, 1].map((c) => {
    const lambda = Math.max(0, values[c] ?? 0);
    const u = vectors[c];
    if (!u || lambda <= 1e-12 * Math.max(trace, 1e-300)) return new Array<number>(n).fill(0);
    const sign = u.reduce((s, x) => s + x, 0) < 0 ? -1 : 1;
    return Array.from(u, (x) => sign * Math.sqrt(lambda) * x + 0); // + 0: no -0 at the origin
  });
  const explained: [number, number] =
    trace > 0 ? [Math.max(0, values[0] ?? 0) / trace, Math.max(0, values[1] ?? 0) / trace] : [0, 0];
  const lines: TrajectoryLine[] = Array.from({ length: lanes }, (_, lane) => ({
    lane,
    x: [],
    y: [],
    step: [],
    epoch: [],
  }));
  const order = points.map((p, i) => i).sort((a, b) => points[a].step - points[b].step);
  for (const i of order) {
    const line = lines[points[i].lane];
    if (!line) continue;
    line.x.push(coords[0][i]);
    line.y.push(coords[1][i]);
    line.step.push(points[i].step);
    line.epoch.push(points[i].epoch);
  }
  return { lines, explained, counts: lines.map((l) => l.x.length) };
}

/** "PC1 (62% of the movement)". */
export const axisLabel = (component: 1 | 2, share: number) =>
  `PC${component} (${Math.round(share * 100)}% of the movement)`;

/** One row per point: contestant, step, epochs completed, PC1, PC2. */
export function trajectoryCsv(plot: TrajectoryPlot, labels: readonly string[]): string {
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const head = `optimizer,step,epoch,${axisLabel(1, plot.explained[0])},${axisLabel(2, plot.explained[1])}`;
  const rows = plot.lines.flatMap((l) =>
    l.x.map((x, i) =>
      [quote(labels[l.lane] ?? `run ${l.lane + 1}`), l.step[i], l.epoch[i], x, l.y[i]].join(','),
    ),
  );
  return [head, ...rows].join('\n') + '\n';
}

/** Round tick values covering [lo, hi], about `count` of them. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  // The round step (1, 2 or 5 times a power of ten) giving the nearest number of ticks.
  const step = [1, 2, 5, 10]
    .map((f) => f * mag)
    .reduce((best, s) => (Math.abs((hi - lo) / s - count) < Math.abs((hi - lo) / best - count) ? s : best));
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step)
    out.push(Math.abs(t) < step * 1e-9 ? 0 : Number(t.toPrecision(12)));
  return out;
}
