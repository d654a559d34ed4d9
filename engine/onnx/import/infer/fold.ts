// Constant folding: moving and combining the elements of constant tensors, bounded in size.
import type { TensorValues } from '../../tensor.ts';
import type { Dim } from '../../../tensor/shape.ts';
import { DataType } from '../../types.ts';
import { allocate, makeConst, numbers, withDims, type ConstTensor } from '../values.ts';
import { InferError, input, known, MAX_FOLD_ELEMENTS, valueOf, type Ctx, type ValueInfo } from './core.ts';

export function strides(dims: readonly number[]): number[] {
  const s = Array(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--) s[i] = s[i + 1] * dims[i + 1];
  return s;
}

export function total(dims: readonly number[]): number {
  return dims.reduce((p, d) => p * d, 1);
}

/** New container of `dtype` holding src[index[i]]. */
export function take(src: TensorValues, dtype: number, index: ArrayLike<number>): TensorValues {
  const out = allocate(dtype, index.length) as unknown as { [i: number]: unknown };
  const s = src as unknown as { [i: number]: unknown };
  for (let i = 0; i < index.length; i++) {
    const k = index[i];
    if (!(k >= 0 && k < src.length)) throw new InferError('an index is outside the tensor');
    out[i] = s[k];
  }
  return out as unknown as TensorValues;
}

/** Flat input index for every output element when `inDims` broadcasts to `outDims`. */
export function broadcastIndex(inDims: readonly number[], outDims: readonly number[]): Int32Array {
  const n = total(outDims);
  const idx = new Int32Array(n);
  const rank = outDims.length;
  const pad = [...Array(rank - inDims.length).fill(1), ...inDims];
  const inStr = strides(pad).map((s, i) => (pad[i] === 1 ? 0 : s));
  const counter = Array(rank).fill(0);
  let flat = 0;
  for (let i = 0; i < n; i++) {
    idx[i] = flat;
    for (let d = rank - 1; d >= 0; d--) {
      counter[d]++;
      flat += inStr[d];
      if (counter[d] < outDims[d]) break;
      flat -= inStr[d] * counter[d];
      counter[d] = 0;
    }
  }
  return idx;
}

/** Element-wise op over broadcast constants, computed in double and stored in `outType`. */
export function foldElementwise(
  inputs: ConstTensor[],
  outDims: number[],
  outType: number,
  f: (...xs: number[]) => number,
): ConstTensor | undefined {
  const n = total(outDims);
  if (n > MAX_FOLD_ELEMENTS) return undefined;
  if (inputs.some((c) => Array.isArray(c.data))) return undefined;
  const arrays = inputs.map((c) => numbers(c));
  const maps = inputs.map((c) => broadcastIndex(c.dims, outDims));
  const values = new Array<number>(n);
  const args = new Array<number>(inputs.length);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < arrays.length; k++) args[k] = arrays[k][maps[k][i]];
    values[i] = f(...args);
  }
  if (outType === DataType.FLOAT) for (let i = 0; i < n; i++) values[i] = Math.fround(values[i]);
  return makeConst(outType, outDims, values);
}

export function foldMove(
  c: Ctx,
  outDims: number[],
  index: (outFlat: number) => number,
  src?: ConstTensor,
): ConstTensor | undefined {
  const x = src ?? valueOf(input(c, 0));
  if (!c.fold || !x) return undefined;
  const n = total(outDims);
  if (n > MAX_FOLD_ELEMENTS) return undefined;
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = index(i);
  return { dtype: x.dtype, dims: outDims, data: take(x.data, x.dtype, idx) };
}

/** A reshape-like op (same elements, new dims): folds by copying and keeps symbolic elements. */
export function relabel(c: Ctx, shape: Dim[] | null, dtype: number | null): ValueInfo {
  const out: ValueInfo = { shape, dtype };
  const x = input(c, 0);
  if (shape && shape.every(known)) {
    if (x?.value && c.fold) out.value = withDims(x.value, shape as number[]);
    else if (x?.sym && shape.length <= 1) out.sym = x.sym;
  }
  return out;
}
