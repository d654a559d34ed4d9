// The one in-memory form every loader produces and every op consumes: samples stored
// back to back in one Float32Array, so a batch is a copy of contiguous runs and the trainer can
// hand it to onnxruntime without reshaping. Targets are class indices (Int32Array, one per
// sample) or dense values (Float32Array, y.length / length values per sample: one-hot rows,
// regression targets).

export interface Dataset {
  name: string;
  /** Shape of one sample, without the batch dimension (MNIST: [1, 28, 28]; 2-D sets: [2]). */
  inputShape: number[];
  /** 0 for regression targets. */
  numClasses: number;
  classNames?: string[];
  /** length * sampleSize values, sample-major. */
  x: Float32Array;
  y: Int32Array | Float32Array;
  length: number;
  /**
   * Streams for truncated BPTT: sample k * streams + b is window k of long sequence b, which
   * continues window k - 1 of the same sequence. Absent: the samples are independent.
   */
  streams?: number;
}

/** Values per sample: the product of inputShape. */
export function sampleSize(inputShape: readonly number[]): number {
  let n = 1;
  for (const d of inputShape) n *= d;
  return n;
}

/** Target values per sample: 1 for class indices, numClasses for one-hot rows, etc. */
export function targetSize(ds: Pick<Dataset, 'y' | 'length'>): number {
  return ds.length === 0 ? (ds.y instanceof Int32Array ? 1 : 0) : ds.y.length / ds.length;
}

/**
 * Builds a Dataset and checks that the arrays agree with the shapes. Every loader goes through
 * here, so a mismatch is caught where it is made, not as a garbled batch much later.
 */
export function makeDataset(d: Omit<Dataset, 'length'> & { length?: number }): Dataset {
  const per = sampleSize(d.inputShape);
  if (d.inputShape.some((s) => !Number.isInteger(s) || s <= 0)) {
    throw new Error(`dataset "${d.name}": inputShape [${d.inputShape.join(', ')}] must be positive integers`);
  }
  const length = d.length ?? d.x.length / per;
  if (!Number.isInteger(length) || d.x.length !== length * per) {
    throw new Error(
      `dataset "${d.name}": x has ${d.x.length} values, not a whole number of samples of shape [${d.inputShape.join(', ')}]`,
    );
  }
  if (length > 0 && d.y.length % length !== 0) {
    throw new Error(
      `dataset "${d.name}": ${d.y.length} targets do not divide evenly among ${length} samples`,
    );
  }
  if (d.y instanceof Int32Array && d.y.length !== length) {
    throw new Error(`dataset "${d.name}": ${d.y.length} class labels for ${length} samples`);
  }
  if (d.classNames && d.classNames.length !== d.numClasses) {
    throw new Error(`dataset "${d.name}": ${d.classNames.length} class names for ${d.numClasses} classes`);
  }
  return { ...d, length };
}

/** How many samples carry each class index (class-index targets only). */
export function classCounts(ds: Dataset): number[] {
  const y = requireLabels(ds, 'classCounts');
  const counts = new Array<number>(ds.numClasses).fill(0);
  for (let i = 0; i < y.length; i++) counts[y[i]]++;
  return counts;
}

/** The class-index targets, or a clear error for ops that only make sense on them. */
export function requireLabels(ds: Dataset, op: string): Int32Array {
  if (!(ds.y instanceof Int32Array)) {
    throw new Error(`${op}: dataset "${ds.name}" has dense targets, not class indices`);
  }
  return ds.y;
}
