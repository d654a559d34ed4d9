// Float64 tensors for the reference implementation (test oracle only): a shape and a row-major
// Float64Array, plus small helpers for building, comparing and randomly filling them.

export interface RefTensor {
  shape: number[];
  data: Float64Array;
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** A tensor from a shape and values (a plain array, any typed array, or nothing for zeros). */
export function refTensor(shape: readonly number[], values?: ArrayLike<number>): RefTensor {
  for (const d of shape)
    if (!Number.isInteger(d) || d < 0) throw new Error(`bad tensor shape [${shape.join(', ')}]`);
  const n = numel(shape);
  const data = new Float64Array(n);
  if (values !== undefined) {
    if (values.length !== n)
      throw new Error(`shape [${shape.join(', ')}] holds ${n} values, got ${values.length}`);
    for (let i = 0; i < n; i++) data[i] = values[i];
  }
  return { shape: [...shape], data };
}

export const zeros = (shape: readonly number[]): RefTensor => refTensor(shape);

export function cloneTensor(t: RefTensor): RefTensor {
  return { shape: [...t.shape], data: Float64Array.from(t.data) };
}

/** Row-major strides. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function fmt(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

export function expectShape(what: string, t: RefTensor | undefined, shape: readonly number[]): RefTensor {
  if (!t) throw new Error(`${what} is missing; expected a tensor of shape ${fmt(shape)}`);
  if (!sameShape(t.shape, shape))
    throw new Error(`${what} has shape ${fmt(t.shape)}, expected ${fmt(shape)}`);
  if (t.data.length !== numel(shape))
    throw new Error(`${what} holds ${t.data.length} values, not ${numel(shape)}`);
  return t;
}

/** Largest |a - b| over all elements (NaN when shapes differ or either side has a NaN). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return NaN;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (Number.isNaN(d)) return NaN;
    if (d > m) m = d;
  }
  return m;
}

/** numpy.allclose: |a - b| <= atol + rtol * |b| everywhere. */
export function allClose(a: ArrayLike<number>, b: ArrayLike<number>, rtol = 1e-5, atol = 1e-8): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue; // equal infinities
    if (!(Math.abs(a[i] - b[i]) <= atol + rtol * Math.abs(b[i]))) return false;
  }
  return true;
}

/** mulberry32: a tiny seeded PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform values in [-scale, scale). */
export function randomTensor(shape: readonly number[], rng: () => number, scale = 1): RefTensor {
  const t = refTensor(shape);
  for (let i = 0; i < t.data.length; i++) t.data[i] = (2 * rng() - 1) * scale;
  return t;
}

/** Whole numbers in [0, count): ids for an Embedding. */
export function randomIds(shape: readonly number[], rng: () => number, count: number): RefTensor {
  const t = refTensor(shape);
  for (let i = 0; i < t.data.length; i++) t.data[i] = Math.floor(rng() * count);
  return t;
}

/** A 0/1 keep-mask with P(keep) = 1 - p, for Dropout in training mode. */
export function randomMask(shape: readonly number[], rng: () => number, p: number): RefTensor {
  const t = refTensor(shape);
  for (let i = 0; i < t.data.length; i++) t.data[i] = rng() < p ? 0 : 1;
  return t;
}

/** Float32 copy, e.g. to feed onnxruntime. */
export function toFloat32(t: RefTensor): Float32Array {
  return Float32Array.from(t.data);
}
