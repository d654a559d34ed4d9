// The vocabulary of shape inference: dims that may be symbols or unknown, the value facts a node's
// rule reads and returns, and the small readers every operator family shares.
import type { Dim, Shape } from '../../../tensor/shape.ts';
import { addDims, productDims } from '../../../tensor/symbolic.ts';
import { DataType, type OnnxAttribute } from '../../types.ts';
import type { Attrs } from '../attrs.ts';
import { isIntType, makeConst, numbers, type ConstTensor } from '../values.ts';

export const UNKNOWN: Dim = '?';

export interface ValueInfo {
  /** null: the rank is unknown. */
  shape: Shape | null;
  /** ONNX DataType code; null when unknown. */
  dtype: number | null;
  /** The value, when it is a constant (initializer, Constant, or folded). */
  value?: ConstTensor;
  /** Elements of a small integer tensor of rank 0 or 1, where some are only known symbolically. */
  sym?: Dim[];
}

export interface OpSpec {
  opType: string;
  domain: string;
  /** Version of the node's domain in its model. */
  opset: number;
  attributes: readonly OnnxAttribute[];
  outputs: number;
}

/** Largest tensor folded into a constant (elements); filling one (ConstantOfShape) may be larger. */
export const MAX_FOLD_ELEMENTS = 1 << 26;
export const MAX_FILL_ELEMENTS = 1 << 28;

export const known = (d: Dim | undefined): d is number => typeof d === 'number';
export const unknownOut = (n: number): ValueInfo[] =>
  Array.from({ length: n }, () => ({ shape: null, dtype: null }));

export function normAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new InferError(`axis ${axis} is outside a ${rank}-d tensor`);
  return a;
}

/** Thrown for a node whose inputs make no sense for its operator (reported, never fatal). */
export class InferError extends Error {}

/** Product of dims: a number when all are known, a product of symbols ("4*N"), or '?'. */
export function dimProduct(dims: readonly Dim[]): Dim {
  return productDims(dims);
}

function broadcastDims(a: Dim, b: Dim): Dim {
  if (a === b) return a;
  if (a === 1) return b;
  if (b === 1) return a;
  if (known(a) && known(b)) throw new InferError(`shapes don't broadcast (${a} vs ${b})`);
  if (known(a)) return a;
  if (known(b)) return b;
  return UNKNOWN;
}

export function broadcastShapes(shapes: readonly Shape[]): Dim[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: Dim[] = Array(rank).fill(1);
  for (const s of shapes)
    for (let i = 0; i < s.length; i++) {
      const j = rank - s.length + i;
      out[j] = broadcastDims(out[j], s[i]);
    }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reading inputs

export function valueOf(v: ValueInfo | null | undefined): ConstTensor | undefined {
  return v?.value;
}

/** Integer elements known exactly (constant) or symbolically; undefined for non-integer tensors. */
export function intsOf(v: ValueInfo | null | undefined): Dim[] | undefined {
  if (!v) return undefined;
  if (v.value) {
    // The type first: reading a float fill's data would write it out (values.ts lazyFill).
    if (!isIntType(v.value.dtype) || Array.isArray(v.value.data)) return undefined;
    const n = numbers(v.value);
    return n.every(Number.isSafeInteger) ? n : undefined;
  }
  return v.sym;
}

/**
 * A small integer tensor's elements as a constant when every one is known (a Shape element picked
 * out of a partly symbolic shape), else as symbolic elements.
 */
export function intsValue(
  dims: number[],
  elems: Dim[],
  dtype: number | null,
): Pick<ValueInfo, 'value' | 'sym'> {
  return elems.every(known) ? { value: makeConst(dtype ?? INT64, dims, elems as number[]) } : { sym: elems };
}

/** Integer elements that are all known, from a constant or symbolic tensor. */
export function knownInts(v: ValueInfo | null | undefined): number[] | undefined {
  const e = intsOf(v);
  return e && e.every(known) ? (e as number[]) : undefined;
}

/** Sizes read from a tensor must be whole and not negative. */
export function sizes(dims: Dim[] | undefined, what: string): Dim[] | undefined {
  if (dims && dims.some((d) => known(d) && (!Number.isSafeInteger(d) || d < 0)))
    throw new InferError(`${what} [${dims.join(', ')}] is not a list of sizes`);
  return dims;
}

export function numericConst(v: ValueInfo | null | undefined): number[] | undefined {
  const c = valueOf(v);
  return c && !Array.isArray(c.data) ? numbers(c) : undefined;
}

export function isFloatType(t: number): boolean {
  return t === DataType.FLOAT || t === DataType.DOUBLE || t === DataType.FLOAT16 || t === DataType.BFLOAT16;
}

export interface Ctx {
  spec: OpSpec;
  a: Attrs;
  inputs: (ValueInfo | null)[];
  fold: boolean;
}

export type Rule = (c: Ctx) => ValueInfo[];

export const input = (c: Ctx, i: number): ValueInfo | null => c.inputs[i] ?? null;
export const shapeOf = (c: Ctx, i: number): Shape | null => input(c, i)?.shape ?? null;
export const dtypeOf = (c: Ctx, i: number): number | null => input(c, i)?.dtype ?? null;

/** Output 0 like input 0; the rest of the outputs unknown. */
export const sameAsInput: Rule = (c) => [
  { shape: shapeOf(c, 0), dtype: dtypeOf(c, 0) },
  ...unknownOut(c.spec.outputs - 1),
];

export const BOOL = DataType.BOOL;
export const INT64 = DataType.INT64;
export function axesInput(c: Ctx, inputIndex: number, sinceOpset: number): number[] | undefined {
  if (c.spec.opset >= sinceOpset) {
    const v = input(c, inputIndex);
    if (!v) return undefined;
    const vals = numericConst(v);
    if (!vals) throw new InferError('axes are not constant');
    return vals;
  }
  return c.a.ints('axes');
}

export function sumDims(dims: Dim[]): Dim {
  let n: Dim = 0;
  for (const d of dims) n = addDims(n, d);
  return n;
}
