// Where a race run's weights have gone, cheaply: each snapshot is θ − θ₀ (θ₀ the shared initial
// weights), flattened over the trainable tensors in a fixed order and compressed with a count
// sketch (Charikar et al. 2002): coordinate i is added, with sign s(i), into bucket h(i). That is
// O(D) per snapshot whatever the model's size, and it keeps inner products in expectation, so the
// page's PCA of the sketches approximates the PCA of the real trajectories (Li et al. 2018). h and
// s come from the race's seed, the same for every contestant, so their sketches share one space.
// Models with at most `size` parameters are kept exactly instead.
import type { BufferTest, WeightMap } from '../../engine/index.ts';

/** Sketch buckets: relative error of a squared distance is about sqrt(2 / SIZE) ≈ 3%. */
export const TRAJECTORY_SIZE = 2048;
/**
 * About this many snapshots per run over the whole race (plus one at every epoch end): enough for
 * a smooth line, while a short race of a big model spends under a few percent of its time on them.
 */
export const TRAJECTORY_POINTS = 40;

/** murmur3's 32-bit finalizer: every input bit flips about half the output bits. */
function mix(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** The trainable tensors' keys in the order every run flattens them (buffers excluded). */
export function parameterOrder(
  weights: WeightMap,
  isBuffer: BufferTest,
): { nodeId: string; param: string }[] {
  const keys: { nodeId: string; param: string }[] = [];
  for (const [nodeId, params] of weights)
    for (const param of params.keys()) if (!isBuffer(nodeId, param)) keys.push({ nodeId, param });
  // Sorted, so the order cannot depend on how a run happened to build its map.
  return keys.sort((a, b) =>
    a.nodeId === b.nodeId ? (a.param < b.param ? -1 : 1) : a.nodeId < b.nodeId ? -1 : 1,
  );
}

/** h and s for every coordinate, computed once per run and read at every snapshot. */
function hashCoordinates(dimension: number, seed: number, size: number) {
  const buckets = new Uint16Array(dimension);
  const signs = new Float32Array(dimension);
  const key = mix((seed ^ 0x9e3779b9) >>> 0);
  for (let i = 0; i < dimension; i++) {
    const h = mix((mix(i) ^ key) >>> 0);
    buckets[i] = h & (size - 1);
    signs[i] = h >>> 31 ? -1 : 1;
  }
  return { buckets, signs };
}

// The hot loop on its own, so the engine compiles it for these exact array types (a few ns per
// weight; a branch on the sign or one packed code array measured over twice as slow).
function addSketched(
  acc: Float64Array,
  buckets: Uint16Array,
  signs: Float32Array,
  offset: number,
  v: Float32Array,
): void {
  for (let j = 0; j < v.length; j++) acc[buckets[offset + j]] += signs[offset + j] * v[j];
}

export interface Sketcher {
  /** Parameters in θ (D). */
  readonly dimension: number;
  /** Length of every point: D when exact, else the sketch size. */
  readonly length: number;
  readonly sketched: boolean;
  /** The point for weights θ: θ − θ₀, exact or sketched. */
  point(weights: WeightMap): Float32Array;
}

/**
 * A sketcher anchored at θ₀ (its buffers left out). `seed` fixes h and s; runs that share it (and
 * θ₀'s tensor shapes) land in the same space.
 */
export function createSketcher(
  origin: WeightMap,
  isBuffer: BufferTest,
  seed: number,
  size = TRAJECTORY_SIZE,
): Sketcher {
  if (!Number.isInteger(size) || size < 1 || size > 65_536 || (size & (size - 1)) !== 0)
    throw new Error(`The trajectory sketch size must be a power of two up to 65536, not ${size}.`);
  const order = parameterOrder(origin, isBuffer);
  const base = order.map(({ nodeId, param }) => origin.get(nodeId)!.get(param)!);
  const dimension = base.reduce((n, v) => n + v.length, 0);
  const sketched = dimension > size;
  const hashes = sketched ? hashCoordinates(dimension, seed, size) : null;
  // The sketch is linear, so S(θ − θ₀) = Sθ − Sθ₀: with Sθ₀ computed once, a snapshot reads θ alone.
  const sketchedOrigin = new Float64Array(sketched ? size : 0);
  if (hashes) {
    let i = 0;
    for (const b of base) {
      addSketched(sketchedOrigin, hashes.buckets, hashes.signs, i, b);
      i += b.length;
    }
  }
  return {
    dimension,
    length: sketched ? size : dimension,
    sketched,
    point(weights) {
      const acc = new Float64Array(sketched ? size : dimension);
      let i = 0;
      for (let t = 0; t < order.length; t++) {
        const { nodeId, param } = order[t];
        const v = weights.get(nodeId)?.get(param);
        const b = base[t];
        if (!v || v.length !== b.length)
          throw new Error(`The trajectory lost track of ${nodeId}.${param}: its tensor changed size.`);
        if (hashes) addSketched(acc, hashes.buckets, hashes.signs, i, v);
        else for (let j = 0; j < v.length; j++) acc[i + j] = v[j] - b[j];
        i += v.length;
      }
      for (let j = 0; j < sketchedOrigin.length; j++) acc[j] -= sketchedOrigin[j];
      return Float32Array.from(acc);
    },
  };
}

/** Snapshot every this many steps, so a run gives about TRAJECTORY_POINTS of them. */
export const trajectoryEvery = (totalSteps: number) => Math.max(1, Math.ceil(totalSteps / TRAJECTORY_POINTS));
