// What the training loop and its evaluation feed per batch: the targets of a batch's samples, and
// batches grouped a call's worth at a time (several train steps per onnxruntime call).
import type { Dataset } from '../../engine/data/index.ts';
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

/** The next `n` items (fewer at the end). */
export function take<T>(items: Iterator<T>, n: number): T[] {
  const out: T[] = [];
  while (out.length < n) {
    const r = items.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}
