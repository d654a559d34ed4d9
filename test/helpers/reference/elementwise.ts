// Element-wise activations, Softmax/LogSoftmax along a dim, and Dropout, with PyTorch semantics.
import type { Attrs } from './attrs.ts';
import { attrNumber } from './attrs.ts';
import { normalCdf } from './special.ts';
import type { RefTensor } from './tensor.ts';
import { expectShape, fmt } from './tensor.ts';

/** 1.6732632423543772848170429916717 and 1.0507009873554804934193349852946, rounded to float64. */
export const SELU_ALPHA = 1.6732632423543772;
export const SELU_SCALE = 1.0507009873554805;
/** alpha * scale rounded once from the exact constants (the float64 product is 1 ulp low). */
const SELU_ALPHA_SCALE = 1.7580993408473768;
const SQRT_2_OVER_PI = 0.7978845608028654; // sqrt(2/pi)

export function map(x: RefTensor, f: (v: number) => number): RefTensor {
  const data = new Float64Array(x.data.length);
  for (let i = 0; i < data.length; i++) data[i] = f(x.data[i]);
  return { shape: [...x.shape], data };
}

export const relu = (v: number) => (v <= 0 ? 0 : v); // NaN stays NaN
export const leakyRelu = (slope: number) => (v: number) => (v > 0 ? v : v * slope);
export const sigmoid = (v: number) => {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
};
export const elu = (alpha: number) => (v: number) => (v > 0 ? v : alpha * Math.expm1(v));
export const selu = (v: number) => (v > 0 ? SELU_SCALE * v : SELU_ALPHA_SCALE * Math.expm1(v));
/** x * Phi(x), Phi the standard normal CDF (erf form). */
export const geluExact = (v: number) => v * normalCdf(v);
export const geluTanh = (v: number) => 0.5 * v * (1 + Math.tanh(SQRT_2_OVER_PI * (v + 0.044715 * v * v * v)));

/** Visits every 1-d slice along `dim`: calls f(offset, stride, length). */
export function forEachLine(
  shape: readonly number[],
  dim: number,
  f: (offset: number, stride: number, len: number) => void,
) {
  const len = shape[dim];
  let inner = 1;
  for (let i = dim + 1; i < shape.length; i++) inner *= shape[i];
  let outer = 1;
  for (let i = 0; i < dim; i++) outer *= shape[i];
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) f(o * len * inner + i, inner, len);
}

export function normalizeDim(dim: number, rank: number): number {
  const d = dim < 0 ? dim + rank : dim;
  if (!Number.isInteger(d) || d < 0 || d >= rank) throw new Error(`dim ${dim} is outside a ${rank}-d tensor`);
  return d;
}

/** softmax or log_softmax along dim, shifted by the max for stability. */
export function softmax(x: RefTensor, dim: number, log: boolean): RefTensor {
  const d = normalizeDim(dim, x.shape.length);
  const y = { shape: [...x.shape], data: new Float64Array(x.data.length) };
  forEachLine(x.shape, d, (off, st, len) => {
    let m = -Infinity;
    for (let i = 0; i < len; i++) m = Math.max(m, x.data[off + i * st]);
    if (m === -Infinity) m = 0; // an all -inf line gives NaN below, as in PyTorch
    let sum = 0;
    for (let i = 0; i < len; i++) sum += Math.exp(x.data[off + i * st] - m);
    const logSum = Math.log(sum);
    for (let i = 0; i < len; i++) {
      const z = x.data[off + i * st] - m;
      y.data[off + i * st] = log ? z - logSum : Math.exp(z) / sum;
    }
  });
  return y;
}

/** Training: x * mask / (1 - p) with a given 0/1 keep-mask; evaluation: the identity. */
export function dropout(a: Attrs, x: RefTensor, mode: 'train' | 'eval', mask?: RefTensor): RefTensor {
  const p = attrNumber(a, 'p');
  if (p < 0 || p > 1) throw new Error(`dropout p must be in [0, 1], got ${p}`);
  if (mode === 'eval') return map(x, (v) => v);
  if (!mask) {
    if (p === 0) return map(x, (v) => v);
    throw new Error(`Dropout in training mode needs a mask of shape ${fmt(x.shape)}`);
  }
  expectShape('dropout mask', mask, x.shape);
  if (p === 1) return map(x, (v) => v * 0); // ATen: input * zeros
  const data = new Float64Array(x.data.length);
  for (let i = 0; i < data.length; i++) {
    const k = mask.data[i];
    if (k !== 0 && k !== 1) throw new Error(`dropout mask must hold 0 or 1, got ${k}`);
    data[i] = x.data[i] * (k / (1 - p)); // ATen: input * (mask / (1 - p))
  }
  return { shape: [...x.shape], data };
}
