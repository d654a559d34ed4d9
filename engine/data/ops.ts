// Dataset operations. Every op returns a new Dataset and leaves its input alone, so a test set
// can be derived from the same loaded data as the train set without surprises.
import { makeDataset, requireLabels, sampleSize, targetSize, type Dataset } from './dataset.ts';
import { createRng, permutation } from './random.ts';

/** The samples at `indices`, in that order (indices may repeat). */
export function take(ds: Dataset, indices: ArrayLike<number>, name = ds.name): Dataset {
  const per = sampleSize(ds.inputShape);
  const tPer = targetSize(ds);
  const n = indices.length;
  const x = new Float32Array(n * per);
  const y = ds.y instanceof Int32Array ? new Int32Array(n * tPer) : new Float32Array(n * tPer);
  for (let i = 0; i < n; i++) {
    const s = indices[i];
    if (!(s >= 0 && s < ds.length))
      throw new Error(`take: index ${s} is out of range for ${ds.length} samples`);
    x.set(ds.x.subarray(s * per, (s + 1) * per), i * per);
    y.set(ds.y.subarray(s * tPer, (s + 1) * tPer), i * tPer);
  }
  return makeDataset({ ...ds, name, x, y, length: n });
}

export function shuffle(ds: Dataset, seed: number): Dataset {
  return take(ds, permutation(ds.length, seed));
}

/** The first `limit` samples (all when limit is undefined or larger). Shuffle first for a random subset. */
export function subset(ds: Dataset, limit?: number): Dataset {
  if (limit === undefined || limit >= ds.length) return ds;
  if (!Number.isInteger(limit) || limit < 0)
    throw new Error(`subset: limit must be a non-negative integer, got ${limit}`);
  const per = sampleSize(ds.inputShape);
  const tPer = targetSize(ds);
  return makeDataset({
    ...ds,
    x: ds.x.slice(0, limit * per),
    y: ds.y.slice(0, limit * tPer),
    length: limit,
  });
}

/**
 * Splits into train and test parts. `test` is a fraction (0..1) or a sample count. With a seed
 * the samples are shuffled first; without one the split keeps order (the tail is the test set).
 */
export function split(ds: Dataset, opts: { test: number; seed?: number }): { train: Dataset; test: Dataset } {
  const nTest = opts.test < 1 ? Math.round(ds.length * opts.test) : opts.test;
  if (!Number.isInteger(nTest) || nTest < 0 || nTest > ds.length) {
    throw new Error(`split: test size ${opts.test} does not fit ${ds.length} samples`);
  }
  const order =
    opts.seed === undefined
      ? Int32Array.from({ length: ds.length }, (_, i) => i)
      : permutation(ds.length, opts.seed);
  const nTrain = ds.length - nTest;
  return {
    train: take(ds, order.subarray(0, nTrain), `${ds.name} (train)`),
    test: take(ds, order.subarray(nTrain), `${ds.name} (test)`),
  };
}

/** Joins datasets with the same sample shape and classes (the five CIFAR-10 training batches). */
export function concat(parts: Dataset[], name = parts[0]?.name ?? 'dataset'): Dataset {
  if (parts.length === 0) throw new Error('concat: no datasets');
  const [first] = parts;
  for (const p of parts) {
    if (p.inputShape.join('x') !== first.inputShape.join('x') || p.numClasses !== first.numClasses) {
      throw new Error(
        `concat: "${p.name}" has samples [${p.inputShape.join(', ')}] with ${p.numClasses} classes, ` +
          `"${first.name}" has [${first.inputShape.join(', ')}] with ${first.numClasses}`,
      );
    }
    if (p.y instanceof Int32Array !== first.y instanceof Int32Array)
      throw new Error('concat: mixed target types');
  }
  const x = new Float32Array(parts.reduce((a, p) => a + p.x.length, 0));
  const yLen = parts.reduce((a, p) => a + p.y.length, 0);
  const y = first.y instanceof Int32Array ? new Int32Array(yLen) : new Float32Array(yLen);
  let xi = 0;
  let yi = 0;
  for (const p of parts) {
    x.set(p.x, xi);
    y.set(p.y, yi);
    xi += p.x.length;
    yi += p.y.length;
  }
  return makeDataset({ ...first, name, x, y, length: parts.reduce((a, p) => a + p.length, 0) });
}

/**
 * The memorization demo (Zhang et al. 2017, "Understanding deep learning requires rethinking
 * generalization"): every label replaced by a uniformly random class. A big enough network still
 * reaches ~100% train accuracy while test accuracy stays at chance.
 */
export function randomLabels(ds: Dataset, seed: number): Dataset {
  requireLabels(ds, 'randomLabels');
  const rng = createRng(seed);
  const y = new Int32Array(ds.length);
  for (let i = 0; i < y.length; i++) y[i] = rng.int(ds.numClasses);
  return { ...ds, name: `${ds.name} (random labels)`, y };
}

/** Class indices to rows of numClasses values, a single 1 in each. */
export function oneHot(labels: Int32Array, numClasses: number): Float32Array {
  const out = new Float32Array(labels.length * numClasses);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    if (!(c >= 0 && c < numClasses))
      throw new Error(`oneHot: label ${c} at ${i} is out of range for ${numClasses} classes`);
    out[i * numClasses + c] = 1;
  }
  return out;
}

/** The same dataset with one-hot Float32Array targets (for MSE or BCE losses). */
export function oneHotDataset(ds: Dataset): Dataset {
  return { ...ds, y: oneHot(requireLabels(ds, 'oneHot'), ds.numClasses) };
}

// Normalization: "channel" is the first axis of a sample, so [C, H, W] images get one mean/std
// per colour channel (as torchvision's Normalize) and [F] tabular rows one per feature.

export interface ChannelStats {
  mean: number[];
  std: number[];
}

/** Mean and (population) standard deviation per channel. Compute on the train set only. */
export function channelStats(ds: Dataset): ChannelStats {
  const channels = ds.inputShape[0];
  const inner = sampleSize(ds.inputShape) / channels;
  const sum = new Float64Array(channels);
  const sumSq = new Float64Array(channels);
  for (let s = 0; s < ds.length; s++) {
    for (let c = 0; c < channels; c++) {
      const at = (s * channels + c) * inner;
      let a = 0;
      let b = 0;
      for (let k = 0; k < inner; k++) {
        const v = ds.x[at + k];
        a += v;
        b += v * v;
      }
      sum[c] += a;
      sumSq[c] += b;
    }
  }
  const count = ds.length * inner;
  const mean = Array.from(sum, (v) => v / count);
  const std = Array.from(sumSq, (v, c) => Math.sqrt(Math.max(0, v / count - mean[c] * mean[c])));
  return { mean, std };
}

/** (x - mean) / std per channel; a channel with zero spread is only centred. */
export function standardize(ds: Dataset, stats: ChannelStats): Dataset {
  const channels = ds.inputShape[0];
  if (stats.mean.length !== channels || stats.std.length !== channels) {
    throw new Error(
      `standardize: statistics for ${stats.mean.length} channels, dataset "${ds.name}" has ${channels}`,
    );
  }
  const inner = sampleSize(ds.inputShape) / channels;
  const x = new Float32Array(ds.x.length);
  const inv = stats.std.map((sd) => (sd > 1e-12 ? 1 / sd : 1));
  for (let s = 0; s < ds.length; s++) {
    for (let c = 0; c < channels; c++) {
      const at = (s * channels + c) * inner;
      const m = stats.mean[c];
      for (let k = at; k < at + inner; k++) x[k] = (ds.x[k] - m) * inv[c];
    }
  }
  return { ...ds, x };
}

/** Every value times `factor` (1/255 turns raw bytes into [0, 1]). */
export function scale(ds: Dataset, factor: number): Dataset {
  return { ...ds, x: ds.x.map((v) => v * factor) };
}

export type Normalization = 'none' | 'standardize';

/**
 * Normalizes a train/test pair with statistics of the train set only, so nothing about the test
 * set leaks into training. Loaders already scale pixels to [0, 1]; 'standardize' goes on to zero
 * mean and unit variance per channel.
 */
export function normalize(
  train: Dataset,
  test: Dataset | undefined,
  mode: Normalization,
): { train: Dataset; test?: Dataset; stats?: ChannelStats } {
  if (mode === 'none') return { train, test };
  const stats = channelStats(train);
  return { train: standardize(train, stats), test: test && standardize(test, stats), stats };
}

export interface Batch {
  /** size * sampleSize values, contiguous: a [size, ...inputShape] tensor. */
  x: Float32Array;
  /** size targets (class indices) or size * targetSize values. */
  y: Int32Array | Float32Array;
  size: number;
  /** Which samples of the dataset are in the batch. */
  indices: Int32Array;
}

/**
 * One epoch of mini-batches. With a seed the order is a fresh permutation (pass seed + epoch
 * to get a new order every epoch); without one it is dataset order. Every sample appears exactly
 * once; the last batch is smaller unless dropLast.
 */
export function* batches(
  ds: Dataset,
  batchSize: number,
  opts: { seed?: number; dropLast?: boolean } = {},
): Generator<Batch> {
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new Error(`batches: batch size must be a positive integer, got ${batchSize}`);
  const order = opts.seed === undefined ? null : permutation(ds.length, opts.seed);
  const per = sampleSize(ds.inputShape);
  const tPer = targetSize(ds);
  for (let start = 0; start < ds.length; start += batchSize) {
    const size = Math.min(batchSize, ds.length - start);
    if (size < batchSize && opts.dropLast) return;
    const indices = new Int32Array(size);
    const x = new Float32Array(size * per);
    const y = ds.y instanceof Int32Array ? new Int32Array(size * tPer) : new Float32Array(size * tPer);
    for (let i = 0; i < size; i++) {
      const s = order ? order[start + i] : start + i;
      indices[i] = s;
      x.set(ds.x.subarray(s * per, (s + 1) * per), i * per);
      y.set(ds.y.subarray(s * tPer, (s + 1) * tPer), i * tPer);
    }
    yield { x, y, size, indices };
  }
}

/** Number of batches per epoch, matching batches(). */
export function batchCount(length: number, batchSize: number, dropLast = false): number {
  return dropLast ? Math.floor(length / batchSize) : Math.ceil(length / batchSize);
}

/**
 * Only the samples of the given classes, relabelled 0, 1, … in the order given (digits 5–9 become
 * classes 0–4), with their names kept: a data set for a network with that many outputs.
 */
export function keepClasses(ds: Dataset, classes: readonly number[]): Dataset {
  if (!(ds.y instanceof Int32Array)) throw new Error(`${ds.name}: keeping classes needs class labels`);
  const bad = classes.find((c) => !Number.isInteger(c) || c < 0 || c >= ds.numClasses);
  if (bad !== undefined)
    throw new Error(`${ds.name}: there is no class ${bad}; its classes are 0 to ${ds.numClasses - 1}`);
  const index = new Map(classes.map((c, i) => [c, i]));
  const indices: number[] = [];
  for (let i = 0; i < ds.length; i++) if (index.has(ds.y[i])) indices.push(i);
  const kept = take(ds, indices);
  const y = Int32Array.from(kept.y, (c) => index.get(c)!);
  const classNames = ds.classNames && classes.map((c) => ds.classNames![c]);
  return { ...kept, y, numClasses: classes.length, ...(classNames && { classNames }) };
}
