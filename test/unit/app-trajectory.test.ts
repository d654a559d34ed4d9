// The optimizer race's 2-D parameter trajectory: the count sketch the host compresses θ − θ₀ with,
// the PCA the page projects the points with (against a float64 eigen-decomposition written here,
// of the D×D second-moment matrix rather than the N×N Gram matrix the page uses), and whole races
// through the real host: the points are θ − θ₀ exactly for a small model, and the same seed gives
// the same losses and the same trajectory, point for point.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BufferTest, ProjectDocument, WeightMap } from '../../engine/index.ts';
import { analyze, decodeFloat32, GraphBuilder, newDocument, resolveWeights } from '../../engine/index.ts';
import { createSketcher, parameterOrder, TRAJECTORY_SIZE } from '../../host/training/trajectory.ts';
import type { RaceEntry, TrainingConfig, TrainingDataset, TrainingEvent } from '../../protocol/training.ts';
import { trainingEventMessageSchema } from '../../protocol/training.ts';
import { raceRequested, raceStarted, receiveRaceMessage } from '../../renderer/training/race/race.ts';
import type { TrajectoryPoint } from '../../renderer/training/race/trajectory.ts';
import {
  axisLabel,
  extendGram,
  niceTicks,
  projectTrajectories,
  trajectoryCsv,
} from '../../renderer/training/race/trajectory.ts';
import { connectedHost } from '../helpers/host.ts';

// ---- independent float64 references ----

/** A seeded uniform source (xorshift32), separate from the engine's. */
function uniform(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}
const gaussian = (rand: () => number) => () =>
  Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());

/** Classic cyclic Jacobi on a symmetric matrix: eigenvalues descending, eigenvectors as rows. */
function jacobi(input: number[][]): { values: number[]; vectors: number[][] } {
  const n = input.length;
  const a = input.map((r) => [...r]);
  const v = input.map((_, i) => input.map((__, j): number => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 200; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) off += a[i][j] ** 2;
    if (off < 1e-28) break;
    for (let p = 0; p < n - 1; p++)
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(a[p][q]) < 1e-300) continue;
        const phi = 0.5 * Math.atan2(2 * a[p][q], a[q][q] - a[p][p]);
        const c = Math.cos(phi);
        const s = Math.sin(phi);
        // A ← JᵀAJ with the rotation J in the (p, q) plane.
        const rot = (x: number, y: number) => [c * x - s * y, s * x + c * y];
        for (let k = 0; k < n; k++) [a[k][p], a[k][q]] = rot(a[k][p], a[k][q]);
        for (let k = 0; k < n; k++) [a[p][k], a[q][k]] = rot(a[p][k], a[q][k]);
        for (let k = 0; k < n; k++) [v[k][p], v[k][q]] = rot(v[k][p], v[k][q]);
      }
  }
  const idx = a.map((_, i) => i).sort((x, y) => a[y][y] - a[x][x]);
  return { values: idx.map((i) => a[i][i]), vectors: idx.map((i) => v.map((row) => row[i])) };
}

const points = (rows: number[][], lanes: number[] = rows.map(() => 0)): TrajectoryPoint[] =>
  rows.map((r, i) => ({ lane: lanes[i], step: i, epoch: 0, values: Float32Array.from(r) }));

describe('The trajectory PCA', () => {
  it('finds known axes: a line with a zig-zag across it', () => {
    // Points t·a ± ε·b in 12-D with a ⟂ b: PC1 is a (coordinate t), PC2 is b (coordinate ±ε),
    // and PC1 explains Σ2t² / (Σ2t² + Nε²) of the squared distance from the origin.
    const dim = 12;
    const a = Array.from({ length: dim }, (_, i) => (i < 4 ? 0.5 : 0));
    const b = Array.from({ length: dim }, (_, i) => (i === 5 ? 0.6 : i === 7 ? 0.8 : 0));
    const eps = 1.5;
    const rows: number[][] = [];
    const truth: [number, number][] = [];
    for (let t = 1; t <= 10; t++)
      for (const s of [1, -1]) {
        rows.push(a.map((x, i) => t * x + s * eps * b[i]));
        truth.push([t, s * eps]);
      }
    const plot = projectTrajectories(points(rows), 1);
    const sumT2 = 2 * [...Array(10)].reduce((s, _, i) => s + (i + 1) ** 2, 0);
    const expected = sumT2 / (sumT2 + rows.length * eps * eps);
    assert.ok(Math.abs(plot.explained[0] - expected) < 1e-6, `${plot.explained[0]} vs ${expected}`);
    assert.ok(Math.abs(plot.explained[0] + plot.explained[1] - 1) < 1e-6);
    const line = plot.lines[0];
    // The points come back in step order; every t is positive, so PC1 points along +a.
    truth.forEach(([t, e], i) => {
      assert.ok(Math.abs(line.x[i] - t) < 1e-5, `x ${line.x[i]} vs ${t}`);
      assert.ok(Math.abs(Math.abs(line.y[i]) - Math.abs(e)) < 1e-5, `y ${line.y[i]} vs ${e}`);
    });
    assert.equal(axisLabel(1, plot.explained[0]), 'PC1 (94% of the movement)');
    assert.equal(axisLabel(2, plot.explained[1]), 'PC2 (6% of the movement)');
  });

  it('agrees with a Jacobi eigen-decomposition of the D×D second-moment matrix on random data', () => {
    const rand = gaussian(uniform(7));
    const dim = 9;
    // Anisotropic: coordinate i scaled by 1/(i+1), so the leading directions are well separated.
    const rows = Array.from({ length: 40 }, () =>
      Array.from({ length: dim }, (_, i) => rand() * (3 / (i + 1)) + (i === 0 ? 1 : 0)),
    );
    const lanes = rows.map((_, i) => i % 3);
    // The test's route: M = PᵀP (D×D, float64), its top eigenvectors v, coordinates P·v.
    const m = Array.from({ length: dim }, (_, i) =>
      Array.from({ length: dim }, (_, j) => rows.reduce((s, r) => s + r[i] * r[j], 0)),
    );
    const ref = jacobi(m);
    const trace = ref.values.reduce((s, x) => s + x, 0);
    const plot = projectTrajectories(points(rows, lanes), 3);
    for (const c of [0, 1]) {
      assert.ok(Math.abs(plot.explained[c] - ref.values[c] / trace) < 1e-6, `PC${c + 1} share`);
      const coords = rows.map((r) => r.reduce((s, x, i) => s + x * ref.vectors[c][i], 0));
      // Same points, regrouped by lane in step order (the steps here are the row indices).
      const mine = plot.lines.flatMap((l) => l.step.map((st, k) => [st, c === 0 ? l.x[k] : l.y[k]]));
      const sign = Math.sign(mine.find(([st]) => st === 0)![1] * coords[0]);
      for (const [st, value] of mine)
        assert.ok(Math.abs(value - sign * coords[st]) < 1e-4 * Math.sqrt(ref.values[0]), `PC${c + 1} ${st}`);
    }
    assert.deepEqual(plot.counts, [14, 13, 13]);
  });

  it('keeps distances in the plane when two directions are equally strong (a circle)', () => {
    const rows = Array.from({ length: 36 }, (_, i) => {
      const t = (i / 36) * 2 * Math.PI;
      return [Math.cos(t), 0.01 * ((i % 2) - 0.5), Math.sin(t), 0];
    });
    const plot = projectTrajectories(points(rows), 1);
    assert.ok(Math.abs(plot.explained[0] - 0.5) < 0.01 && Math.abs(plot.explained[1] - 0.5) < 0.01);
    plot.lines[0].x.forEach((x, i) =>
      assert.ok(Math.abs(Math.hypot(x, plot.lines[0].y[i]) - 1) < 1e-4, `radius at ${i}`),
    );
  });

  it('grows the Gram matrix one row per new point and reuses the rows it has', () => {
    const rand = uniform(3);
    const pts = Array.from({ length: 6 }, () => Float32Array.from({ length: 5 }, rand));
    const first = extendGram(null, pts.slice(0, 4));
    const grown = extendGram(first, pts);
    assert.equal(grown.rows[3], first.rows[3]);
    const full = extendGram(null, pts);
    assert.deepEqual(grown.rows, full.rows);
    // A different start (another race) is computed afresh.
    const other = extendGram(first, [pts[1], pts[0]]);
    assert.notEqual(other.rows[0], first.rows[0]);
    assert.throws(() => extendGram(null, [pts[0], new Float32Array(3)]), /not sketched alike/);
  });

  it('shows an untrained start (all points at θ₀) at the origin, and round ticks', () => {
    const plot = projectTrajectories(points([[0, 0, 0]], [0]), 2);
    assert.deepEqual(plot.explained, [0, 0]);
    assert.deepEqual(plot.lines[0].x, [0]);
    assert.deepEqual(plot.counts, [1, 0]);
    assert.deepEqual(
      niceTicks(-0.13, 0.92, 5),
      [-0.2, 0, 0.2, 0.4, 0.6, 0.8].filter((t) => t >= -0.13),
    );
    assert.match(
      trajectoryCsv(plot, ['SGD, plain', 'Adam']),
      /^optimizer,step,epoch,PC1 \(0% of the movement\),PC2/,
    );
    assert.match(trajectoryCsv(plot, ['SGD, plain', 'Adam']), /\n"SGD, plain",0,0,0,0\n$/);
  });
});

function weightMap(tensors: Record<string, Record<string, Float32Array>>): WeightMap {
  return new Map(Object.entries(tensors).map(([id, params]) => [id, new Map(Object.entries(params))]));
}

function randomWeights(seed: number, sizes: number[]): WeightMap {
  const rand = gaussian(uniform(seed));
  return weightMap(
    Object.fromEntries(
      sizes.map((n, i) => [`node_${i}`, { weight: Float32Array.from({ length: n }, rand) }]),
    ),
  );
}

/** These weight maps are built by hand: their running statistics are the buffers. */
const runningStats: BufferTest = (_id, param) => param.startsWith('running_');
const flat = (w: WeightMap) =>
  parameterOrder(w, runningStats).flatMap(({ nodeId, param }) => [...w.get(nodeId)!.get(param)!]);
const sq = (v: ArrayLike<number>) => Array.from(v).reduce((s, x) => s + x * x, 0);

describe('The count sketch of θ − θ₀', () => {
  const sizes = [12_000, 7_000, 1_000];
  const origin = randomWeights(1, sizes);
  const originFlat = flat(origin);

  it('is θ − θ₀ exactly when the model has at most `size` numbers, running statistics left out', () => {
    const small = weightMap({
      b: { weight: Float32Array.of(1, 2, 3), running_mean: Float32Array.of(9) },
      a: { bias: Float32Array.of(0.5) },
    });
    const later = weightMap({
      b: { weight: Float32Array.of(1.5, 2, 2), running_mean: Float32Array.of(-9) },
      a: { bias: Float32Array.of(0.25) },
    });
    const s = createSketcher(small, runningStats, 5, 8);
    assert.equal(s.sketched, false);
    assert.equal(s.dimension, 4);
    // Sorted by node id, then parameter: a.bias, then b.weight.
    assert.deepEqual([...s.point(later)], [-0.25, 0.5, 0, -1]);
    assert.throws(() => createSketcher(small, runningStats, 5, 100), /power of two/);
    assert.throws(
      () => s.point(weightMap({ a: { bias: Float32Array.of(0) }, b: { weight: new Float32Array(2) } })),
      /b\.weight/,
    );
  });

  it('keeps squared distances between points within its statistical error (fixed seed)', () => {
    // For a count sketch E|Sx|² = |x|² and Var |Sx|² ≤ 2|x|⁴/m: a relative error of about
    // sqrt(2/m) ≈ 3.1% for m = 2048. Twenty snapshots, all 190 pairwise distances.
    const sketch = createSketcher(origin, runningStats, 11);
    assert.equal(sketch.sketched, true);
    assert.equal(sketch.length, TRAJECTORY_SIZE);
    const snaps = Array.from({ length: 20 }, (_, k) => randomWeights(100 + k, sizes));
    const exact = snaps.map((w) => flat(w).map((x, i) => x - originFlat[i]));
    const sketched = snaps.map((w) => sketch.point(w));
    const errors: number[] = [];
    for (let i = 0; i < snaps.length; i++)
      for (let j = 0; j < i; j++) {
        const d = sq(exact[i].map((x, t) => x - exact[j][t]));
        const ds = sq(sketched[i].map((x, t) => x - sketched[j][t]));
        errors.push(ds / d - 1);
      }
    const sigma = Math.sqrt(2 / TRAJECTORY_SIZE);
    const rms = Math.sqrt(errors.reduce((s, e) => s + e * e, 0) / errors.length);
    assert.ok(rms < 1.5 * sigma, `rms relative error ${rms} (σ ${sigma})`);
    assert.ok(Math.max(...errors.map(Math.abs)) < 5 * sigma, 'no pair beyond 5σ');
    // Different seeds would not share a space: another seed, another sketch.
    assert.notDeepEqual([...createSketcher(origin, runningStats, 12).point(snaps[0])], [...sketched[0]]);
    assert.deepEqual([...createSketcher(origin, runningStats, 11).point(snaps[0])], [...sketched[0]]);
  });

  it('is unbiased: over many seeds the mean squared length is the true one', () => {
    const target = randomWeights(50, sizes);
    const truth = sq(flat(target).map((x, i) => x - originFlat[i]));
    const seeds = 48;
    let mean = 0;
    for (let seed = 0; seed < seeds; seed++)
      mean += sq(createSketcher(origin, runningStats, seed).point(target)) / seeds;
    const sigma = Math.sqrt(2 / TRAJECTORY_SIZE / seeds);
    assert.ok(Math.abs(mean / truth - 1) < 4 * sigma, `${mean / truth}`);
  });
});

// ---- whole races through the host ----

function mlp(hidden: number): ProjectDocument {
  const b = new GraphBuilder();
  b.chain(b.input([2]), [
    ['Linear', { out_features: hidden }],
    ['ReLU'],
    ['Linear', { out_features: hidden }],
    ['ReLU'],
    ['Linear', { out_features: 3 }],
  ]);
  return newDocument('Race MLP', b.graph);
}

const blobs: TrainingDataset = { kind: 'synthetic', generator: 'blobs', n: 300, classes: 3, seed: 1 };
const config: TrainingConfig = {
  epochs: 2,
  batchSize: 16,
  loss: 'cross-entropy',
  optimizer: { kind: 'sgd' },
  lr: 0.05,
  seed: 3,
};
const entries: RaceEntry[] = [
  { label: 'SGD', optimizer: { kind: 'sgd' }, lr: 0.05 },
  { label: 'Momentum', optimizer: { kind: 'momentum', momentum: 0.9 }, lr: 0.05 },
  { label: 'Adam', optimizer: { kind: 'adam' }, lr: 0.01 },
];

async function race(doc: ProjectDocument) {
  const { client, events, of, finished } = connectedHost();
  const started = await client.startRace({ document: doc, dataset: blobs, config, entries });
  const ids = started.runs.map((r) => r.runId);
  await Promise.all(ids.map((id) => finished(id)));
  const byRun = ids.map(of);
  return { client, started, byRun, messages: events.map((e) => e.payload) };
}

type Trajectory = Extract<TrainingEvent, { event: 'trajectory' }>;
const trajectoryOf = (run: TrainingEvent[]) => run.filter((e): e is Trajectory => e.event === 'trajectory');
/**
 * What must repeat exactly: every loss, accuracy and point. Timings and speeds are left out, and so
 * are decision boundaries: they are drawn beside the training and skip epochs when it outpaces them.
 */
const repeatable = (run: TrainingEvent[]) =>
  run
    .filter((e) => e.event !== 'boundary')
    .map((e) => {
      if (e.event === 'step') return { ...e, samplesPerSecond: null };
      // Timings differ from run to run; everything else must not.
      if (e.event === 'epoch') return { ...e, samplesPerSecond: null, msPerUpdate: null };
      if (e.event === 'finished') return { event: e.event, reason: e.reason };
      return e;
    });

describe('A race through the host', () => {
  it('sends θ − θ₀ exactly for a small model: the last point is the trained weights minus the start', async () => {
    const doc = mlp(8); // 2·8+8 + 8·8+8 + 8·3+3 = 123 parameters, under the sketch size
    const { client, started, byRun } = await race(doc);
    for (const run of byRun) assert.equal(run.at(-1)?.event, 'finished');
    const initial = resolveWeights(analyze(doc.graph), undefined, config.seed);
    const steps = started.stepsPerEpoch * config.epochs; // 18 per epoch, 36 in all
    for (const [i, run] of byRun.entries()) {
      const points = trajectoryOf(run);
      // One at the start, one every step (36 steps need no thinning to stay under 100) and none
      // extra at epoch ends (they fall on a step already taken).
      assert.deepEqual(
        points.map((p) => p.step),
        Array.from({ length: steps + 1 }, (_, k) => k),
      );
      assert.deepEqual(
        points.map((p) => p.epoch),
        points.map((p) => Math.floor(p.step / started.stepsPerEpoch)),
      );
      assert.ok(points.every((p) => !p.sketched));
      assert.deepEqual([...decodeFloat32(points[0].point)], new Array(123).fill(0));
      const trained = await client.trainedWeights(started.runs[i].runId);
      const after: WeightMap = new Map(
        Object.entries(trained).map(([id, params]) => [
          id,
          new Map(Object.entries(params).map(([p, t]) => [p, decodeFloat32(t.data)])),
        ]),
      );
      const start = flat(initial);
      const expected = flat(after).map((x, t) => Math.fround(x - start[t]));
      assert.deepEqual([...decodeFloat32(points.at(-1)!.point)], expected, entries[i].label);
    }
  });

  it('repeats itself: the same seed gives the same losses and the same (sketched) trajectories', async () => {
    const doc = mlp(64); // 4,547 parameters: sketched to 2,048 numbers
    const first = await race(doc);
    const second = await race(doc);
    for (let i = 0; i < entries.length; i++) {
      const a = first.byRun[i];
      const b = second.byRun[i];
      assert.equal(a.at(-1)?.event, 'finished');
      assert.equal(trajectoryOf(a).length, first.started.stepsPerEpoch * config.epochs + 1);
      assert.ok(trajectoryOf(a).every((p) => p.sketched));
      assert.ok(a.filter((e) => e.event === 'step').length > 10);
      assert.deepEqual(repeatable(a), repeatable(b), entries[i].label);
    }
    // ... and the contestants really differ (a test of sameness that all runs pass is no test).
    assert.notDeepEqual(trajectoryOf(first.byRun[0]).at(-1), trajectoryOf(first.byRun[2]).at(-1));

    // The page's side: the race state keeps every point in arrival order, decoded, and the plot
    // puts each contestant on its own line, all starting at the origin.
    let state = raceRequested(entries, config);
    state = raceStarted(state, first.started, 0);
    for (const m of first.messages) {
      assert.ok(trainingEventMessageSchema.safeParse(m).success);
      state = receiveRaceMessage(state, m, 0);
    }
    assert.equal(state.sketched, true);
    const counts = first.byRun.map((run) => trajectoryOf(run).length);
    const plot = projectTrajectories(state.trajectory, entries.length);
    assert.deepEqual(plot.counts, counts);
    for (const line of plot.lines) {
      assert.equal(line.x[0], 0);
      assert.equal(line.y[0], 0);
    }
    assert.ok(plot.explained[0] > 0.3 && plot.explained[0] + plot.explained[1] <= 1 + 1e-9);
  });
});

describe('The trajectory event on the wire', () => {
  const message = (point: string) => ({
    runId: 'run-abc',
    event: { event: 'trajectory', epoch: 0, step: 0, point, sketched: false },
  });
  it('accepts whole float32 values in base64 and refuses anything else', () => {
    assert.ok(trainingEventMessageSchema.safeParse(message('AACAPwAAAEA=')).success); // [1, 2]
    assert.ok(trainingEventMessageSchema.safeParse(message('AACAPw==')).success); // [1]
    assert.ok(!trainingEventMessageSchema.safeParse(message('AACA')).success); // 3 bytes
    assert.ok(!trainingEventMessageSchema.safeParse(message('not base64!')).success);
    const sketch = Buffer.from(new Float32Array(TRAJECTORY_SIZE).buffer).toString('base64');
    assert.ok(trainingEventMessageSchema.safeParse(message(sketch)).success);
    assert.ok(!trainingEventMessageSchema.safeParse(message('A'.repeat(30_000))).success);
  });

  it('drops a point with a non-finite value (a diverging step) on the page', () => {
    let state = raceRequested(entries.slice(0, 2), config);
    state = raceStarted(
      state,
      {
        trainSamples: 1,
        testSamples: 0,
        stepsPerEpoch: 1,
        runs: [
          { runId: 'run-a', label: 'SGD' },
          { runId: 'run-b', label: 'Momentum' },
        ],
      },
      0,
    );
    const nan = Buffer.from(Float32Array.of(1, Number.NaN).buffer).toString('base64');
    const ok = Buffer.from(Float32Array.of(1, 2).buffer).toString('base64');
    const ev = (runId: string, point: string) =>
      ({ runId, event: { event: 'trajectory', epoch: 0, step: 1, point, sketched: false } }) as const;
    state = receiveRaceMessage(state, ev('run-a', nan), 0);
    state = receiveRaceMessage(state, ev('run-b', ok), 0);
    assert.equal(state.trajectory.length, 1);
    assert.equal(state.trajectory[0].lane, 1);
    assert.deepEqual([...state.trajectory[0].values], [1, 2]);
  });
});
