// Small 2-D classification sets for classroom demos: a decision boundary you can draw. Each
// follows the classic recipe (CS231n's spiral; scikit-learn's make_circles, make_moons,
// make_blobs; the XOR quadrants), generated from a seed so two runs give the same points.
//
// Sample i belongs to class i % classes, so classes are balanced (counts differ by at most one)
// and any prefix of the set is balanced too, e.g. after subset() without a shuffle.
import { makeDataset, type Dataset } from './dataset.ts';
import { createRng, type Rng } from './random.ts';
import { addingProblem, charStreams, charText, copyTask, noisySine, parityTask } from './sequences.ts';

export interface SyntheticOptions {
  /** Number of samples. */
  n: number;
  /** Standard deviation of the Gaussian noise added to each coordinate (default per generator). */
  noise?: number;
  seed?: number;
  /** Sequence sets: steps per sample (each set has its default). */
  length?: number;
  /** chars: the stream form for truncated BPTT, this many long sequences (charStreams). */
  streams?: number;
}

export interface MultiClassOptions extends SyntheticOptions {
  /** Number of classes (spiral arms, blobs). */
  classes?: number;
}

/** The 2-D sets, and the sequence sets of sequences.ts (generated text, adding, copy, parity, sine). */
export const SYNTHETIC_KINDS = [
  'spiral',
  'circles',
  'xor',
  'blobs',
  'moons',
  'chars',
  'adding',
  'copy',
  'parity',
  'sine',
] as const;
export type SyntheticKind = (typeof SYNTHETIC_KINDS)[number];

/** The sets whose targets are numbers (numClasses 0), to be learnt with mean squared error. */
export const REGRESSION_KINDS: readonly SyntheticKind[] = ['adding', 'sine'];

/** The sets whose samples are sequences: their length can follow the model's Input. */
export const SEQUENCE_KINDS: readonly SyntheticKind[] = ['chars', 'adding', 'copy', 'parity', 'sine'];

/** Spiral arms in [-1, 1]^2, one per class; noise perturbs the angle (CS231n). Default noise 0.2. */
export function spiral(opts: MultiClassOptions): Dataset {
  const k = classCount(opts, 3);
  return generate('spiral', opts, k, 0.2, (cls, j, count, rng, noise) => {
    const t = count > 1 ? j / (count - 1) : 0;
    const theta = cls * 4 + t * 4 + rng.normal(0, noise);
    return [t * Math.sin(theta), t * Math.cos(theta)];
  });
}

/** Class 0 on the unit circle, class 1 on a circle of radius 0.5 inside it. Default noise 0.05. */
export function circles(opts: SyntheticOptions & { factor?: number }): Dataset {
  const factor = opts.factor ?? 0.5;
  return generate('circles', opts, 2, 0.05, (cls, _j, _count, rng, noise) => {
    const r = cls === 0 ? 1 : factor;
    const a = rng.uniform(0, 2 * Math.PI);
    return [r * Math.cos(a) + rng.normal(0, noise), r * Math.sin(a) + rng.normal(0, noise)];
  });
}

/** Points in [-1, 1]^2; class 0 where x*y > 0 (quadrants I and III), class 1 elsewhere. Default noise 0. */
export function xor(opts: SyntheticOptions): Dataset {
  return generate('xor', opts, 2, 0, (cls, _j, _count, rng, noise) => {
    const a = rng.uniform(-1, 1);
    // Pick b's sign so that sign(a*b) matches the class, keeping classes balanced.
    const b = Math.abs(rng.uniform(-1, 1)) * (Math.sign(a) || 1) * (cls === 0 ? 1 : -1);
    return [a + rng.normal(0, noise), b + rng.normal(0, noise)];
  });
}

/** Gaussian blobs with centres evenly spaced on a circle of radius 3. Default noise (std) 0.5. */
export function blobs(opts: MultiClassOptions & { radius?: number }): Dataset {
  const k = classCount(opts, 3);
  const radius = opts.radius ?? 3;
  return generate('blobs', opts, k, 0.5, (cls, _j, _count, rng, noise) => {
    const a = (2 * Math.PI * cls) / k;
    return [radius * Math.cos(a) + rng.normal(0, noise), radius * Math.sin(a) + rng.normal(0, noise)];
  });
}

/** Two interleaving half circles (scikit-learn's make_moons). Default noise 0.1. */
export function moons(opts: SyntheticOptions): Dataset {
  return generate('moons', opts, 2, 0.1, (cls, _j, _count, rng, noise) => {
    const t = rng.uniform(0, Math.PI);
    const [px, py] = cls === 0 ? [Math.cos(t), Math.sin(t)] : [1 - Math.cos(t), 0.5 - Math.sin(t)];
    return [px + rng.normal(0, noise), py + rng.normal(0, noise)];
  });
}

export const SYNTHETIC: Record<SyntheticKind, (opts: MultiClassOptions) => Dataset> = {
  spiral,
  circles,
  xor,
  blobs,
  moons,
  chars: (opts) =>
    opts.streams
      ? charStreams({ n: opts.n, length: opts.length, seed: opts.seed, streams: opts.streams })
      : charText({ n: opts.n, length: opts.length, seed: opts.seed }),
  adding: addingProblem,
  copy: copyTask,
  parity: parityTask,
  sine: noisySine,
};

type Point = (
  cls: number,
  indexInClass: number,
  classSize: number,
  rng: Rng,
  noise: number,
) => [number, number];

function generate(
  name: string,
  opts: SyntheticOptions,
  k: number,
  defaultNoise: number,
  point: Point,
): Dataset {
  const n = opts.n;
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name}: n must be a non-negative integer, got ${n}`);
  const noise = opts.noise ?? defaultNoise;
  if (!(noise >= 0)) throw new Error(`${name}: noise must be >= 0, got ${noise}`);
  const rng = createRng(opts.seed ?? 0);
  const x = new Float32Array(2 * n);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const cls = i % k;
    const classSize = Math.floor(n / k) + (cls < n % k ? 1 : 0);
    const [a, b] = point(cls, Math.floor(i / k), classSize, rng, noise);
    x[2 * i] = a;
    x[2 * i + 1] = b;
    y[i] = cls;
  }
  return makeDataset({ name, inputShape: [2], numClasses: k, x, y });
}

function classCount(opts: MultiClassOptions, fallback: number): number {
  const k = opts.classes ?? fallback;
  if (!Number.isInteger(k) || k < 1) throw new Error(`classes must be a positive integer, got ${k}`);
  return k;
}
