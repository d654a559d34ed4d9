// What the training loop and its evaluation feed per batch: the targets of a batch's samples, and
// batches grouped a call's worth at a time (several train steps per onnxruntime call).
import type { Dataset } from '../../engine/data/index.ts';
import { permutation, sampleSize } from '../../engine/data/index.ts';
import { oneHotTargets } from '../../engine/index.ts';

export const isClassification = (d: Dataset) => d.y instanceof Int32Array;

/** The targets of the samples at `indices`: one-hot rows for classes, else the stored rows. */
export function targetsFor(
  d: Dataset,
  indices: Int32Array | number[],
  width: number,
  into: Float32Array,
): Float32Array {
  if (d.y instanceof Int32Array)
    return oneHotTargets(
      Int32Array.from(indices, (i) => (d.y as Int32Array)[i]),
      width,
      into,
    );
  for (let k = 0; k < indices.length; k++)
    into.set(d.y.subarray(indices[k] * width, (indices[k] + 1) * width), k * width);
  return into;
}

/** A batch's inputs and which samples it holds (its targets come from targetsFor). */
export interface GatheredBatch {
  /** size * sampleSize values: a [size, ...inputShape] tensor. */
  x: Float32Array;
  size: number;
  indices: Int32Array;
}

/**
 * An epoch's full batches, `perCall` at a time (the last group may be shorter): the batches and
 * order of engine/data's batches(ds, batchSize, { seed, dropLast: true }), gathered into buffers
 * that are reused from group to group, so a group is valid only until the next one is taken. A
 * fresh batch per step (627 KB for the MLP on MNIST) cost `netwright train` an allocation, its
 * zeroing and a share of the garbage collections per step (docs/engine-notes.md §4, mlp12 s8).
 */
export function* batchGroups(
  ds: Dataset,
  batchSize: number,
  perCall: number,
  seed?: number,
): Generator<GatheredBatch[]> {
  const per = sampleSize(ds.inputShape);
  const order = seed === undefined ? null : permutation(ds.length, seed);
  const slots: GatheredBatch[] = Array.from({ length: perCall }, () => ({
    x: new Float32Array(batchSize * per),
    size: batchSize,
    indices: new Int32Array(batchSize),
  }));
  const count = Math.floor(ds.length / batchSize);
  for (let first = 0; first < count; first += perCall) {
    const group = slots.slice(0, Math.min(perCall, count - first));
    group.forEach((b, j) => {
      const start = (first + j) * batchSize;
      for (let i = 0; i < batchSize; i++) {
        const s = order ? order[start + i] : start + i;
        b.indices[i] = s;
        b.x.set(ds.x.subarray(s * per, (s + 1) * per), i * per);
      }
    });
    yield group;
  }
}
