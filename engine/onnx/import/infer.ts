// ONNX shape and element-type inference for the common operators, with constant folding: what an
// imported model's values look like without running it. The importer walks a graph with it, and
// the opaque OnnxOp layer reruns it in analysis so shapes follow edits upstream.
//
// A dimension is a number, a symbol (the batch 'N', a dim_param) or '?' (unknown). Small integer
// tensors computed from shapes (Shape -> Gather -> Concat, as PyTorch writes `x.view(x.size(0), -1)`)
// are tracked element by element in `sym`, so a Reshape target that depends on the batch is still
// known.
import type { Dim, Shape } from '../../tensor/shape.ts';
import { effectiveKernel, windowOutput } from '../../tensor/window.ts';
import { DataType, type OnnxAttribute } from '../types.ts';
import { Attrs } from './attrs.ts';
import { allocate, fromOnnxTensor, isIntType, makeConst, numbers, type ConstTensor } from './values.ts';
import type { TensorValues } from '../tensor.ts';

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
const MAX_FILL_ELEMENTS = 1 << 28;
/** More dimensions than any real tensor has; a rank read from data beyond it is refused. */
const MAX_RANK = 64;

const known = (d: Dim | undefined): d is number => typeof d === 'number';
const unknownOut = (n: number): ValueInfo[] =>
  Array.from({ length: n }, () => ({ shape: null, dtype: null }));

function normAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new InferError(`axis ${axis} is outside a ${rank}-d tensor`);
  return a;
}

/** Thrown for a node whose inputs make no sense for its operator (reported, never fatal). */
export class InferError extends Error {}

/** Product of dims: a number when all are known, a lone symbol times ones, or '?'. */
export function dimProduct(dims: readonly Dim[]): Dim {
  let n = 1;
  let sym: Dim | null = null;
  for (const d of dims) {
    if (known(d)) n *= d;
    else if (sym === null && d !== UNKNOWN) sym = d;
    else return UNKNOWN;
  }
  if (sym === null) return n;
  return n === 1 ? sym : UNKNOWN;
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
// Constant helpers

function valueOf(v: ValueInfo | null | undefined): ConstTensor | undefined {
  return v?.value;
}

/** Integer elements known exactly (constant) or symbolically; undefined for non-integer tensors. */
function intsOf(v: ValueInfo | null | undefined): Dim[] | undefined {
  if (!v) return undefined;
  if (v.value) {
    if (Array.isArray(v.value.data) || !isIntType(v.value.dtype)) return undefined;
    const n = numbers(v.value);
    return n.every(Number.isSafeInteger) ? n : undefined;
  }
  return v.sym;
}

/** Sizes read from a tensor must be whole and not negative. */
function sizes(dims: Dim[] | undefined, what: string): Dim[] | undefined {
  if (dims && dims.some((d) => known(d) && (!Number.isSafeInteger(d) || d < 0)))
    throw new InferError(`${what} [${dims.join(', ')}] is not a list of sizes`);
  return dims;
}

function numericConst(v: ValueInfo | null | undefined): number[] | undefined {
  const c = valueOf(v);
  return c && !Array.isArray(c.data) ? numbers(c) : undefined;
}

function strides(dims: readonly number[]): number[] {
  const s = Array(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--) s[i] = s[i + 1] * dims[i + 1];
  return s;
}

function total(dims: readonly number[]): number {
  return dims.reduce((p, d) => p * d, 1);
}

/** New container of `dtype` holding src[index[i]]. */
function take(src: TensorValues, dtype: number, index: ArrayLike<number>): TensorValues {
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
function broadcastIndex(inDims: readonly number[], outDims: readonly number[]): Int32Array {
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

function isFloatType(t: number): boolean {
  return t === DataType.FLOAT || t === DataType.DOUBLE || t === DataType.FLOAT16 || t === DataType.BFLOAT16;
}

/** Element-wise op over broadcast constants, computed in double and stored in `outType`. */
function foldElementwise(
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

// ---------------------------------------------------------------------------------------------
// Window arithmetic (Conv, pools)

interface Window {
  kernel: number[];
  strides: number[];
  dilations: number[];
  pads: number[] | 'SAME_UPPER' | 'SAME_LOWER' | 'VALID';
}

function readWindow(a: Attrs, spatial: number, kernel?: number[]): Window {
  const k = a.ints('kernel_shape') ?? kernel;
  if (!k || k.length !== spatial) throw new InferError('kernel_shape is missing or has the wrong length');
  const autoPad = a.string('auto_pad', 'NOTSET');
  const pads =
    autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER' || autoPad === 'VALID'
      ? autoPad
      : (a.ints('pads') ?? Array(2 * spatial).fill(0));
  return {
    kernel: k,
    strides: a.ints('strides') ?? Array(spatial).fill(1),
    dilations: a.ints('dilations') ?? Array(spatial).fill(1),
    pads,
  };
}

/** Explicit (before..., after...) pads of a window, resolving auto_pad for known input sizes. */
export function resolvePads(w: Window, spatialIn: readonly Dim[]): number[] | null {
  const n = w.kernel.length;
  if (Array.isArray(w.pads)) return w.pads;
  if (w.pads === 'VALID') return Array(2 * n).fill(0);
  const before: number[] = [];
  const after: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = spatialIn[i];
    if (!known(x)) return null;
    const out = Math.ceil(x / w.strides[i]);
    const totalPad = Math.max(0, (out - 1) * w.strides[i] + effectiveKernel(w.kernel[i], w.dilations[i]) - x);
    const small = Math.floor(totalPad / 2);
    before.push(w.pads === 'SAME_UPPER' ? small : totalPad - small);
    after.push(w.pads === 'SAME_UPPER' ? totalPad - small : small);
  }
  return [...before, ...after];
}

function windowShape(x: Shape, w: Window, ceil: boolean): Dim[] {
  const n = w.kernel.length;
  const spatial = x.slice(2);
  if (spatial.length !== n) throw new InferError(`expected ${n} spatial dims, got ${spatial.length}`);
  const out: Dim[] = [];
  for (let i = 0; i < n; i++) {
    const d = spatial[i];
    if (!known(d)) {
      out.push(UNKNOWN);
      continue;
    }
    if (w.pads === 'SAME_UPPER' || w.pads === 'SAME_LOWER') {
      out.push(Math.ceil(d / w.strides[i]));
      continue;
    }
    const pads = w.pads === 'VALID' ? Array(2 * n).fill(0) : w.pads;
    const span = d + pads[i] + pads[i + n] - effectiveKernel(w.kernel[i], w.dilations[i]);
    if (span < 0) throw new InferError('the window is larger than the padded input');
    out.push(windowOutput(d, w.kernel[i], w.strides[i], pads[i], pads[i + n], w.dilations[i], ceil));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Operators

interface Ctx {
  spec: OpSpec;
  a: Attrs;
  inputs: (ValueInfo | null)[];
  fold: boolean;
}

type Rule = (c: Ctx) => ValueInfo[];

const input = (c: Ctx, i: number): ValueInfo | null => c.inputs[i] ?? null;
const shapeOf = (c: Ctx, i: number): Shape | null => input(c, i)?.shape ?? null;
const dtypeOf = (c: Ctx, i: number): number | null => input(c, i)?.dtype ?? null;

/** Output 0 like input 0; the rest of the outputs unknown. */
const sameAsInput: Rule = (c) => [
  { shape: shapeOf(c, 0), dtype: dtypeOf(c, 0) },
  ...unknownOut(c.spec.outputs - 1),
];

function unaryFold(f: (x: number) => number): Rule {
  return (c) => {
    const x = valueOf(input(c, 0));
    const out: ValueInfo = { shape: shapeOf(c, 0), dtype: dtypeOf(c, 0) };
    if (c.fold && x && !Array.isArray(x.data) && (isFloatType(x.dtype) || isIntType(x.dtype)))
      out.value = foldElementwise([x], x.dims, x.dtype, f);
    return [out];
  };
}

function binary(f: ((...xs: number[]) => number) | null, outType?: number): Rule {
  return (c) => {
    const present = c.inputs.filter((v): v is ValueInfo => !!v);
    let shapes = present.map((v) => v.shape);
    // Before opset 7, `broadcast=1` with `axis` aligned B's dims to A's at that axis.
    if (c.spec.domain === '' && c.spec.opset < 7 && c.a.int('broadcast', 0) === 1 && shapes[0] && shapes[1]) {
      const axis = c.a.int('axis');
      if (axis !== undefined) {
        const a = shapes[0]!;
        const b = shapes[1]!;
        const ax = normAxis(axis, a.length);
        shapes = [a, [...b, ...Array(Math.max(0, a.length - ax - b.length)).fill(1)]];
      }
    }
    const shape = shapes.every((s): s is Shape => !!s) ? broadcastShapes(shapes) : null;
    const dtype = outType ?? present[0]?.dtype ?? null;
    const out: ValueInfo = { shape, dtype };
    if (c.fold && f && shape && present.every((v) => v.value) && dtype !== null) {
      const consts = present.map((v, i) => ({ ...v.value!, dims: (shapes[i] as number[]).slice() }));
      if (shape.every(known)) out.value = foldElementwise(consts, shape as number[], dtype, f);
    }
    // Symbolic arithmetic on shape scalars: only when every operand is a plain number.
    if (!out.value && f && present.length === 2) {
      const [x, y] = present.map((v) => intsOf(v));
      if (
        x &&
        y &&
        x.length === y.length &&
        [...x, ...y].every(known) &&
        dtype !== null &&
        isIntType(dtype)
      ) {
        const vals = (x as number[]).map((v, i) => Math.trunc(f(v, (y as number[])[i])));
        out.value = makeConst(dtype, shapes[0] ? (shapes[0] as number[]) : [vals.length], vals);
      }
    }
    return [out];
  };
}

const BOOL = DataType.BOOL;
const INT64 = DataType.INT64;

function reshapeTo(x: Shape, target: readonly Dim[], allowZero: boolean): Dim[] {
  const out = target.map((d, i) => (d === 0 && !allowZero ? (x[i] ?? UNKNOWN) : d));
  const free = out.findIndex((d) => d === -1);
  if (free >= 0) {
    // Cancel symbols that appear on both sides, then divide the known products.
    const left = [...x];
    const right = out.filter((_, i) => i !== free);
    const rest: Dim[] = [];
    for (const d of right) {
      const j = !known(d) ? left.indexOf(d) : -1;
      if (j >= 0 && d !== UNKNOWN) left.splice(j, 1);
      else rest.push(d);
    }
    const num = dimProduct(left);
    const den = dimProduct(rest);
    out[free] = known(num) && known(den) && den > 0 && num % den === 0 ? num / den : UNKNOWN;
    if (!known(num) && known(den) && den === 1 && num !== UNKNOWN) out[free] = num;
  }
  return out;
}

function foldMove(
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
function relabel(c: Ctx, shape: Dim[] | null, dtype: number | null): ValueInfo {
  const out: ValueInfo = { shape, dtype };
  const x = input(c, 0);
  if (shape && shape.every(known)) {
    if (x?.value && c.fold) out.value = { ...x.value, dims: shape as number[] };
    else if (x?.sym && shape.length <= 1) out.sym = x.sym;
  }
  return out;
}

function axesInput(c: Ctx, inputIndex: number, sinceOpset: number): number[] | undefined {
  if (c.spec.opset >= sinceOpset) {
    const v = input(c, inputIndex);
    if (!v) return undefined;
    const vals = numericConst(v);
    if (!vals) throw new InferError('axes are not constant');
    return vals;
  }
  return c.a.ints('axes');
}

const reduce =
  (since: number): Rule =>
  (c) => {
    const x = shapeOf(c, 0);
    const keep = c.a.int('keepdims', 1) === 1;
    if (!x) return [{ shape: null, dtype: dtypeOf(c, 0) }];
    let axes: number[] | undefined;
    try {
      axes = axesInput(c, 1, since);
    } catch {
      return [{ shape: null, dtype: dtypeOf(c, 0) }];
    }
    if (!axes || axes.length === 0) {
      if (c.spec.opset >= since && c.a.int('noop_with_empty_axes', 0) === 1)
        return [{ shape: x, dtype: dtypeOf(c, 0) }];
      axes = x.map((_, i) => i);
    }
    const set = new Set(axes.map((a) => normAxis(a, x.length)));
    const shape = keep ? x.map((d, i) => (set.has(i) ? 1 : d)) : x.filter((_, i) => !set.has(i));
    return [{ shape, dtype: dtypeOf(c, 0) }];
  };

const RULES: Record<string, Rule> = {
  Identity: (c) => [{ ...(input(c, 0) ?? { shape: null, dtype: null }) }],
  Constant: (c) => {
    const t = c.a.tensor('value');
    let v: ConstTensor | undefined;
    if (t) v = fromOnnxTensor(t);
    else if (c.a.has('value_float')) v = makeConst(DataType.FLOAT, [], [c.a.float('value_float', 0)]);
    else if (c.a.has('value_floats')) {
      const f = c.a.floats('value_floats')!;
      v = makeConst(DataType.FLOAT, [f.length], f);
    } else if (c.a.has('value_int')) v = makeConst(INT64, [], [c.a.int('value_int', 0)]);
    else if (c.a.has('value_ints')) {
      const f = c.a.ints('value_ints')!;
      v = makeConst(INT64, [f.length], f);
    } else if (c.a.has('value_string'))
      v = { dtype: DataType.STRING, dims: [], data: [c.a.string('value_string', '')] };
    else if (c.a.has('value_strings')) {
      const s = c.a.strings('value_strings')!;
      v = { dtype: DataType.STRING, dims: [s.length], data: [...s] };
    }
    if (!v) return unknownOut(1);
    return [{ shape: v.dims, dtype: v.dtype, value: v }];
  },
  ConstantOfShape: (c) => {
    const dims = sizes(intsOf(input(c, 0)), 'the shape');
    const t = c.a.tensor('value');
    const fill = t ? fromOnnxTensor(t) : makeConst(DataType.FLOAT, [1], [0]);
    const out: ValueInfo = { shape: dims ?? null, dtype: fill.dtype };
    if (
      c.fold &&
      dims &&
      dims.every(known) &&
      total(dims as number[]) <= MAX_FILL_ELEMENTS &&
      !Array.isArray(fill.data)
    ) {
      const n = total(dims as number[]);
      const data = allocate(fill.dtype, n) as Float32Array;
      data.fill((fill.data as Float32Array)[0] ?? 0);
      out.value = { dtype: fill.dtype, dims: dims as number[], data };
    }
    return [out];
  },
  Shape: (c) => {
    const x = shapeOf(c, 0);
    if (!x) return [{ shape: null, dtype: INT64 }];
    const start = c.a.int('start', 0);
    const end = c.a.int('end', x.length);
    const clamp = (v: number) => Math.min(x.length, Math.max(0, v < 0 ? v + x.length : v));
    const dims = x.slice(clamp(start), clamp(end));
    const out: ValueInfo = { shape: [dims.length], dtype: INT64, sym: dims };
    if (dims.every(known)) out.value = makeConst(INT64, [dims.length], dims as number[]);
    return [out];
  },
  Size: (c) => {
    const x = shapeOf(c, 0);
    const n = x ? dimProduct(x) : UNKNOWN;
    return [{ shape: [], dtype: INT64, sym: [n], ...(known(n) ? { value: makeConst(INT64, [], [n]) } : {}) }];
  },
  Cast: (c) => {
    const to = c.a.get('to');
    const names: Record<string, number> = DataType as unknown as Record<string, number>;
    const dtype = to?.type === 'STRING' ? (names[to.value.toUpperCase()] ?? null) : (c.a.int('to') ?? null);
    const out: ValueInfo = { shape: shapeOf(c, 0), dtype };
    const x = input(c, 0);
    if (x?.value && dtype !== null && c.fold && !Array.isArray(x.value.data) && dtype !== DataType.STRING) {
      const vals = numbers(x.value);
      try {
        out.value = makeConst(dtype, x.value.dims, dtype === DataType.FLOAT ? vals.map(Math.fround) : vals);
      } catch {
        // an element type we can't hold: leave it unfolded
      }
    } else if (x?.sym && dtype !== null && isIntType(dtype)) out.sym = x.sym;
    return [out];
  },
  CastLike: (c) => [{ shape: shapeOf(c, 0), dtype: dtypeOf(c, 1) }],
  Reshape: (c) => {
    const x = shapeOf(c, 0);
    const target = c.spec.opset < 5 ? c.a.ints('shape') : intsOf(input(c, 1));
    if (target?.some((d) => known(d) && d < -1))
      throw new InferError(`Reshape target [${target.join(', ')}] has sizes below -1`);
    if (!target) {
      const n = input(c, 1)?.shape?.[0];
      // A target of more than MAX_RANK entries is no shape (and Array(n) of a huge n never ends).
      return [{ shape: known(n) && n <= MAX_RANK ? Array(n).fill(UNKNOWN) : null, dtype: dtypeOf(c, 0) }];
    }
    if (!x) return [{ shape: target.map((d) => (d === -1 || d === 0 ? UNKNOWN : d)), dtype: dtypeOf(c, 0) }];
    return [relabel(c, reshapeTo(x, target, c.a.int('allowzero', 0) === 1), dtypeOf(c, 0))];
  },
  Flatten: (c) => {
    const x = shapeOf(c, 0);
    if (!x) return [{ shape: null, dtype: dtypeOf(c, 0) }];
    const axis = c.a.int('axis', 1);
    const ax = axis < 0 ? axis + x.length : axis;
    if (ax < 0 || ax > x.length) throw new InferError(`Flatten axis ${axis} is outside the input`);
    return [relabel(c, [dimProduct(x.slice(0, ax)), dimProduct(x.slice(ax))], dtypeOf(c, 0))];
  },
  Squeeze: (c) => {
    const x = shapeOf(c, 0);
    if (!x) return [{ shape: null, dtype: dtypeOf(c, 0) }];
    const axes = axesInput(c, 1, 13);
    let shape: Dim[];
    if (axes && axes.length) {
      const set = new Set(axes.map((a) => normAxis(a, x.length)));
      shape = x.filter((_, i) => !set.has(i));
    } else {
      if (!x.every(known)) return [{ shape: null, dtype: dtypeOf(c, 0) }];
      shape = x.filter((d) => d !== 1);
    }
    return [relabel(c, shape, dtypeOf(c, 0))];
  },
  Unsqueeze: (c) => {
    const x = shapeOf(c, 0);
    const axes = axesInput(c, 1, 13);
    if (!x || !axes) return [{ shape: null, dtype: dtypeOf(c, 0) }];
    const rank = x.length + axes.length;
    const set = new Set(axes.map((a) => normAxis(a, rank)));
    const shape: Dim[] = [];
    let j = 0;
    for (let i = 0; i < rank; i++) shape.push(set.has(i) ? 1 : x[j++]);
    return [relabel(c, shape, dtypeOf(c, 0))];
  },
  Transpose: (c) => {
    const x = shapeOf(c, 0);
    if (!x) return [{ shape: null, dtype: dtypeOf(c, 0) }];
    const perm = c.a.ints('perm') ?? x.map((_, i) => x.length - 1 - i);
    if (perm.length !== x.length || [...perm].sort((p, q) => p - q).some((p, i) => p !== i))
      throw new InferError(`perm [${perm.join(', ')}] is not a permutation of the ${x.length} axes`);
    const shape = perm.map((p) => x[p]);
    const out: ValueInfo = { shape, dtype: dtypeOf(c, 0) };
    const v = valueOf(input(c, 0));
    if (v) {
      const inStr = strides(v.dims);
      const outDims = perm.map((p) => v.dims[p]);
      const outStr = strides(outDims);
      out.value = foldMove(c, outDims, (flat) => {
        let src = 0;
        for (let d = 0; d < outDims.length; d++) {
          const coord = Math.floor(flat / outStr[d]) % outDims[d];
          src += coord * inStr[perm[d]];
        }
        return src;
      });
    }
    return [out];
  },
  Concat: (c) => {
    const present = c.inputs.filter((v): v is ValueInfo => !!v);
    const shapes = present.map((v) => v.shape);
    const dtype = present[0]?.dtype ?? null;
    // ONNX requires one element type; folding mixed ones would put floats into a BigInt64Array.
    if (present.some((v) => v.dtype !== null && dtype !== null && v.dtype !== dtype))
      throw new InferError(`inputs have different element types (${present.map((v) => v.dtype).join(', ')})`);
    if (!shapes.every((s): s is Shape => !!s) || !shapes.length) return [{ shape: null, dtype }];
    const rank = shapes[0].length;
    const axis = normAxis(c.a.int('axis', 1), rank);
    const shape = shapes[0].map((d, i) => {
      if (i === axis) return sumDims(shapes.map((s) => s[axis]));
      let out = d;
      for (const s of shapes) if (known(s[i])) out = s[i];
      return out;
    });
    const out: ValueInfo = { shape, dtype };
    // The size is checked before the index list is built: a fold of huge constants (filled by
    // ConstantOfShape) would otherwise exhaust the heap first.
    if (
      present.every((v) => v.value) &&
      c.fold &&
      shape.every(known) &&
      total(shape as number[]) <= MAX_FOLD_ELEMENTS
    ) {
      const consts = present.map((v) => v.value!);
      const outer = total(shape.slice(0, axis) as number[]);
      const pieces = consts.map((k) => total(k.dims.slice(axis)));
      const idx: [number, number][] = [];
      for (let o = 0; o < outer; o++)
        consts.forEach((_, k) => {
          for (let e = 0; e < pieces[k]; e++) idx.push([k, o * pieces[k] + e]);
        });
      if (idx.length <= MAX_FOLD_ELEMENTS) {
        const data = allocate(consts[0].dtype, idx.length) as unknown as { [i: number]: unknown };
        idx.forEach(([k, e], i) => (data[i] = (consts[k].data as unknown as { [i: number]: unknown })[e]));
        out.value = {
          dtype: consts[0].dtype,
          dims: shape as number[],
          data: data as unknown as TensorValues,
        };
      }
    } else if (rank === 1 && present.every((v) => intsOf(v))) {
      out.sym = present.flatMap((v) => intsOf(v)!);
    }
    return [out];
  },
  Gather: (c) => {
    const x = shapeOf(c, 0);
    const ind = shapeOf(c, 1);
    const dtype = dtypeOf(c, 0);
    if (!x || !ind) return [{ shape: null, dtype }];
    const axis = normAxis(c.a.int('axis', 0), x.length);
    const shape = [...x.slice(0, axis), ...ind, ...x.slice(axis + 1)];
    const out: ValueInfo = { shape, dtype };
    const indices = numericConst(input(c, 1));
    const xs = input(c, 0);
    if (indices && x.length === 1 && ind.length <= 1 && xs && intsOf(xs)) {
      const elems = intsOf(xs)!;
      const picked = indices.map((i) => elems[i < 0 ? i + elems.length : i]);
      if (picked.every((p) => p !== undefined)) {
        if (picked.every(known) && xs.value) out.value = makeConst(xs.value.dtype, shape as number[], picked);
        else out.sym = picked;
      }
    } else if (indices && xs?.value && c.fold && shape.every(known)) {
      const v = xs.value;
      const inner = total(v.dims.slice(axis + 1));
      const n = v.dims[axis];
      const outDims = shape as number[];
      out.value = foldMove(c, outDims, (flat) => {
        const i = flat % inner;
        const rest = Math.floor(flat / inner);
        const k = rest % indices.length;
        const o = Math.floor(rest / indices.length);
        const j = indices[k] < 0 ? indices[k] + n : indices[k];
        return (o * n + j) * inner + i;
      });
    }
    return [out];
  },
  Slice: (c) => {
    const x = shapeOf(c, 0);
    const dtype = dtypeOf(c, 0);
    if (!x) return [{ shape: null, dtype }];
    let starts: number[] | undefined;
    let ends: number[] | undefined;
    let axes: number[] | undefined;
    let steps: number[] | undefined;
    if (c.spec.opset < 10) {
      starts = c.a.ints('starts');
      ends = c.a.ints('ends');
      axes = c.a.ints('axes');
    } else {
      starts = numericConst(input(c, 1));
      ends = numericConst(input(c, 2));
      axes = input(c, 3) ? numericConst(input(c, 3)) : undefined;
      steps = input(c, 4) ? numericConst(input(c, 4)) : undefined;
      if ((input(c, 3) && !axes) || (input(c, 4) && !steps)) return [{ shape: x.map(() => UNKNOWN), dtype }];
    }
    if (!starts || !ends) return [{ shape: x.map(() => UNKNOWN), dtype }];
    const ax = (axes ?? starts.map((_, i) => i)).map((a) => normAxis(a, x.length));
    const shape: Dim[] = [...x];
    const ranges: { start: number; step: number; count: number }[] = x.map((d) => ({
      start: 0,
      step: 1,
      count: known(d) ? d : -1,
    }));
    ax.forEach((a, i) => {
      const d = x[a];
      const step = steps?.[i] ?? 1;
      if (step === 0) throw new InferError('Slice step 0');
      if (!known(d)) {
        shape[a] = starts![i] === 0 && ends![i] >= 2 ** 31 - 1 && step === 1 ? d : UNKNOWN;
        ranges[a] = { start: 0, step, count: -1 };
        return;
      }
      let s = starts![i] < 0 ? starts![i] + d : starts![i];
      let e = ends![i] < 0 ? ends![i] + d : ends![i];
      if (step > 0) {
        s = Math.min(Math.max(s, 0), d);
        e = Math.min(Math.max(e, 0), d);
      } else {
        s = Math.min(Math.max(s, -1), d - 1);
        e = Math.min(Math.max(e, -1), d - 1);
      }
      const count = Math.max(0, Math.ceil((e - s) / step));
      shape[a] = count;
      ranges[a] = { start: s, step, count };
    });
    const out: ValueInfo = { shape, dtype };
    const xs = input(c, 0);
    if (x.length === 1 && xs && intsOf(xs) && shape.every(known)) {
      const elems = intsOf(xs)!;
      const r = ranges[0];
      const picked = Array.from({ length: r.count }, (_, i) => elems[r.start + i * r.step]);
      if (picked.every(known) && xs.value)
        out.value = makeConst(xs.value.dtype, [picked.length], picked as number[]);
      else out.sym = picked;
    } else if (xs?.value && shape.every(known)) {
      const v = xs.value;
      const inStr = strides(v.dims);
      const outDims = shape as number[];
      const outStr = strides(outDims);
      out.value = foldMove(c, outDims, (flat) => {
        let src = 0;
        for (let d = 0; d < outDims.length; d++) {
          const coord = Math.floor(flat / outStr[d]) % outDims[d];
          src += (ranges[d].start + coord * ranges[d].step) * inStr[d];
        }
        return src;
      });
    }
    return [out];
  },
  Split: (c) => {
    const x = shapeOf(c, 0);
    const dtype = dtypeOf(c, 0);
    const n = c.spec.outputs;
    if (!x) return Array.from({ length: n }, () => ({ shape: null, dtype }));
    const axis = normAxis(c.a.int('axis', 0), x.length);
    let sizes: Dim[] | undefined = c.spec.opset < 13 ? c.a.ints('split') : numericConst(input(c, 1));
    const d = x[axis];
    if (!sizes || !sizes.length) {
      if (known(d)) {
        const chunk = c.spec.opset >= 18 ? Math.ceil(d / n) : d / n;
        sizes = Array.from({ length: n }, (_, i) => (i < n - 1 ? chunk : d - chunk * (n - 1)));
        if (!sizes.every((s) => Number.isInteger(s) && (s as number) >= 0)) sizes = Array(n).fill(UNKNOWN);
      } else sizes = Array(n).fill(UNKNOWN);
    }
    return sizes.slice(0, n).map((s) => ({ shape: x.map((v, i) => (i === axis ? s : v)), dtype }));
  },
  Expand: (c) => {
    const x = shapeOf(c, 0);
    const target = sizes(intsOf(input(c, 1)), 'the Expand shape');
    if (!x || !target) return [{ shape: null, dtype: dtypeOf(c, 0) }];
    const shape = broadcastShapes([x, target]);
    const out: ValueInfo = { shape, dtype: dtypeOf(c, 0) };
    const v = valueOf(input(c, 0));
    if (v && shape.every(known)) {
      const idx = broadcastIndex(v.dims, shape as number[]);
      out.value = foldMove(c, shape as number[], (i) => idx[i]);
    }
    return [out];
  },
  Tile: (c) => {
    const x = shapeOf(c, 0);
    const reps = sizes(intsOf(input(c, 1)), 'the repeats') as number[] | undefined;
    if (reps && reps.length !== x?.length) throw new InferError('Tile repeats must match the input rank');
    if (!x || !reps) return [{ shape: x ? x.map(() => UNKNOWN) : null, dtype: dtypeOf(c, 0) }];
    return [
      {
        shape: x.map((d, i) => (known(d) ? d * reps[i] : reps[i] === 1 ? d : UNKNOWN)),
        dtype: dtypeOf(c, 0),
      },
    ];
  },
  Pad: (c) => {
    const x = shapeOf(c, 0);
    if (!x) return [{ shape: null, dtype: dtypeOf(c, 0) }];
    let pads = c.spec.opset < 11 ? c.a.ints('pads') : numericConst(input(c, 1));
    if (!pads) return [{ shape: x.map(() => UNKNOWN), dtype: dtypeOf(c, 0) }];
    const axesV = c.spec.opset >= 18 && input(c, 3) ? numericConst(input(c, 3)) : undefined;
    if (c.spec.opset >= 18 && input(c, 3) && !axesV)
      return [{ shape: x.map(() => UNKNOWN), dtype: dtypeOf(c, 0) }];
    if (axesV) {
      const full = Array(2 * x.length).fill(0);
      axesV.forEach((a, i) => {
        const ax = normAxis(a, x.length);
        full[ax] = pads![i];
        full[ax + x.length] = pads![i + axesV.length];
      });
      pads = full;
    }
    return [
      {
        shape: x.map((d, i) => (known(d) ? d + pads![i] + pads![i + x.length] : UNKNOWN)),
        dtype: dtypeOf(c, 0),
      },
    ];
  },
  Range: (c) => {
    const [s, l, d] = [0, 1, 2].map((i) => numericConst(input(c, i))?.[0]);
    const dtype = dtypeOf(c, 0);
    if (s === undefined || l === undefined || d === undefined || d === 0)
      return [{ shape: [UNKNOWN], dtype }];
    const n = Math.max(0, Math.ceil((l - s) / d));
    const out: ValueInfo = { shape: [n], dtype };
    if (dtype !== null && n <= MAX_FOLD_ELEMENTS)
      out.value = makeConst(
        dtype,
        [n],
        Array.from({ length: n }, (_, i) => s + i * d),
      );
    return [out];
  },
  Where: (c) => {
    const shapes = [0, 1, 2].map((i) => shapeOf(c, i));
    const dtype = dtypeOf(c, 1);
    const shape = shapes.every((s): s is Shape => !!s) ? broadcastShapes(shapes) : null;
    const out: ValueInfo = { shape, dtype };
    const vals = [0, 1, 2].map((i) => valueOf(input(c, i)));
    if (c.fold && shape && shape.every(known) && vals.every((v) => v) && dtype !== null)
      out.value = foldElementwise(vals as ConstTensor[], shape as number[], dtype, (cond, a, b) =>
        cond ? a : b,
      );
    return [out];
  },
  MatMul: (c) => {
    const a = shapeOf(c, 0);
    const b = shapeOf(c, 1);
    const dtype = dtypeOf(c, 0);
    if (!a || !b) return [{ shape: null, dtype }];
    const A = a.length === 1 ? [1, a[0]] : [...a];
    const B = b.length === 1 ? [b[0], 1] : [...b];
    const batch = broadcastShapes([A.slice(0, -2), B.slice(0, -2)]);
    const shape: Dim[] = [...batch];
    if (a.length > 1) shape.push(A[A.length - 2]);
    if (b.length > 1) shape.push(B[B.length - 1]);
    return [{ shape, dtype }];
  },
  Gemm: (c) => {
    const a = shapeOf(c, 0);
    const b = shapeOf(c, 1);
    if (!a || !b || a.length !== 2 || b.length !== 2) return [{ shape: null, dtype: dtypeOf(c, 0) }];
    const m = c.a.int('transA', 0) ? a[1] : a[0];
    const n = c.a.int('transB', 0) ? b[0] : b[1];
    return [{ shape: [m, n], dtype: dtypeOf(c, 0) }];
  },
  Conv: (c) => {
    const x = shapeOf(c, 0);
    const w = shapeOf(c, 1);
    const dtype = dtypeOf(c, 0);
    if (!x || !w) return [{ shape: null, dtype }];
    const win = readWindow(c.a, x.length - 2, w.slice(2).every(known) ? (w.slice(2) as number[]) : undefined);
    return [{ shape: [x[0], w[0], ...windowShape(x, win, false)], dtype }];
  },
  ConvTranspose: (c) => {
    const x = shapeOf(c, 0);
    const w = shapeOf(c, 1);
    const dtype = dtypeOf(c, 0);
    if (!x || !w) return [{ shape: null, dtype }];
    const n = x.length - 2;
    const group = c.a.int('group', 1);
    const m: Dim = known(w[1]) ? w[1] * group : UNKNOWN;
    const outShape = c.a.ints('output_shape');
    if (outShape) return [{ shape: [x[0], m, ...outShape.slice(-n)], dtype }];
    const win = readWindow(c.a, n, w.slice(2).every(known) ? (w.slice(2) as number[]) : undefined);
    const op = c.a.ints('output_padding') ?? Array(n).fill(0);
    const spatial = x.slice(2).map((d, i) => {
      if (!known(d)) return UNKNOWN;
      if (win.pads === 'SAME_UPPER' || win.pads === 'SAME_LOWER') return d * win.strides[i];
      const pads = win.pads === 'VALID' ? Array(2 * n).fill(0) : win.pads;
      return (
        win.strides[i] * (d - 1) +
        op[i] +
        effectiveKernel(win.kernel[i], win.dilations[i]) -
        pads[i] -
        pads[i + n]
      );
    });
    return [{ shape: [x[0], m, ...spatial], dtype }];
  },
  MaxPool: (c) => pool(c, true),
  AveragePool: (c) => pool(c, false),
  LpPool: (c) => pool(c, false),
  MaxRoiPool: () => unknownOut(1),
  GlobalAveragePool: (c) => globalPool(c),
  GlobalMaxPool: (c) => globalPool(c),
  GlobalLpPool: (c) => globalPool(c),
  BatchNormalization: (c) => {
    const x = shapeOf(c, 0);
    const ch: Shape | null = x && x.length > 1 ? [x[1]] : null;
    return [
      { shape: x, dtype: dtypeOf(c, 0) },
      ...Array.from({ length: c.spec.outputs - 1 }, () => ({ shape: ch, dtype: dtypeOf(c, 1) })),
    ];
  },
  LayerNormalization: (c) => {
    const x = shapeOf(c, 0);
    if (!x) return [{ shape: null, dtype: dtypeOf(c, 0) }, ...unknownOut(c.spec.outputs - 1)];
    const axis = normAxis(c.a.int('axis', -1), x.length);
    const stat = x.map((d, i) => (i < axis ? d : 1));
    return [
      { shape: x, dtype: dtypeOf(c, 0) },
      ...Array.from({ length: c.spec.outputs - 1 }, () => ({ shape: stat, dtype: DataType.FLOAT })),
    ];
  },
  Dropout: (c) => [
    { shape: shapeOf(c, 0), dtype: dtypeOf(c, 0) },
    ...Array.from({ length: c.spec.outputs - 1 }, () => ({ shape: shapeOf(c, 0), dtype: BOOL })),
  ],
  ArgMax: (c) => argReduce(c),
  ArgMin: (c) => argReduce(c),
  TopK: (c) => {
    const x = shapeOf(c, 0);
    if (!x)
      return [
        { shape: null, dtype: dtypeOf(c, 0) },
        { shape: null, dtype: INT64 },
      ];
    const axis = normAxis(c.a.int('axis', -1), x.length);
    const k = c.spec.opset < 10 ? c.a.int('k') : numericConst(input(c, 1))?.[0];
    const shape = x.map((d, i) => (i === axis ? (k ?? UNKNOWN) : d));
    return [
      { shape, dtype: dtypeOf(c, 0) },
      { shape, dtype: INT64 },
    ];
  },
  Resize: (c) => resize(c),
  Upsample: (c) => resize(c),
  DepthToSpace: (c) => {
    const x = shapeOf(c, 0);
    const b = c.a.int('blocksize', 1);
    if (!x || x.length !== 4) return [{ shape: null, dtype: dtypeOf(c, 0) }];
    const [n, ch, h, w] = x;
    return [
      {
        shape: [
          n,
          known(ch) ? ch / (b * b) : UNKNOWN,
          known(h) ? h * b : UNKNOWN,
          known(w) ? w * b : UNKNOWN,
        ],
        dtype: dtypeOf(c, 0),
      },
    ];
  },
  SpaceToDepth: (c) => {
    const x = shapeOf(c, 0);
    const b = c.a.int('blocksize', 1);
    if (!x || x.length !== 4) return [{ shape: null, dtype: dtypeOf(c, 0) }];
    const [n, ch, h, w] = x;
    return [
      {
        shape: [n, known(ch) ? ch * b * b : UNKNOWN, known(h) ? h / b : UNKNOWN, known(w) ? w / b : UNKNOWN],
        dtype: dtypeOf(c, 0),
      },
    ];
  },
  NonZero: (c) => [{ shape: shapeOf(c, 0) ? [shapeOf(c, 0)!.length, UNKNOWN] : null, dtype: INT64 }],
  EyeLike: (c) => [{ shape: shapeOf(c, 0), dtype: c.a.int('dtype') ?? dtypeOf(c, 0) }],
  RandomNormalLike: (c) => [{ shape: shapeOf(c, 0), dtype: c.a.int('dtype') ?? dtypeOf(c, 0) }],
  RandomUniformLike: (c) => [{ shape: shapeOf(c, 0), dtype: c.a.int('dtype') ?? dtypeOf(c, 0) }],
  Bernoulli: (c) => [{ shape: shapeOf(c, 0), dtype: c.a.int('dtype') ?? dtypeOf(c, 0) }],
  RandomNormal: (c) => [{ shape: c.a.ints('shape') ?? null, dtype: c.a.int('dtype', DataType.FLOAT) }],
  RandomUniform: (c) => [{ shape: c.a.ints('shape') ?? null, dtype: c.a.int('dtype', DataType.FLOAT) }],
  GatherElements: (c) => [{ shape: shapeOf(c, 1), dtype: dtypeOf(c, 0) }],
  ScatterElements: sameAsInput,
  Scatter: sameAsInput,
  ScatterND: sameAsInput,
  QuantizeLinear: (c) => [{ shape: shapeOf(c, 0), dtype: dtypeOf(c, 2) ?? DataType.UINT8 }],
  DequantizeLinear: (c) => [{ shape: shapeOf(c, 0), dtype: dtypeOf(c, 1) ?? DataType.FLOAT }],
  OneHot: (c) => {
    const ind = shapeOf(c, 0);
    const depth = numericConst(input(c, 1))?.[0];
    if (!ind) return [{ shape: null, dtype: dtypeOf(c, 2) }];
    const axis = c.a.int('axis', -1);
    const rank = ind.length + 1;
    const ax = normAxis(axis, rank);
    const shape: Dim[] = [...ind];
    shape.splice(ax, 0, depth ?? UNKNOWN);
    return [{ shape, dtype: dtypeOf(c, 2) }];
  },
  // Both branches must give the same types: the then branch's declared outputs.
  If: (c) => {
    const then = c.a.get('then_branch');
    if (then?.type !== 'GRAPH') return unknownOut(c.spec.outputs);
    return then.value.outputs.map((o) => {
      const t = o.type;
      if (t?.kind !== 'tensor') return { shape: null, dtype: null };
      return {
        shape: t.shape ? t.shape.map((d) => d.value ?? d.param ?? UNKNOWN) : null,
        dtype: t.elemType || null,
      };
    });
  },
  LSTM: (c) => rnn(c, 3),
  GRU: (c) => rnn(c, 2),
  RNN: (c) => rnn(c, 2),
  ReduceSum: reduce(13),
  ReduceMean: reduce(18),
  ReduceMax: reduce(18),
  ReduceMin: reduce(18),
  ReduceProd: reduce(18),
  ReduceL1: reduce(18),
  ReduceL2: reduce(18),
  ReduceLogSum: reduce(18),
  ReduceLogSumExp: reduce(18),
  ReduceSumSquare: reduce(18),
  Add: binary((x, y) => x + y),
  Sub: binary((x, y) => x - y),
  Mul: binary((x, y) => x * y),
  Div: binary((x, y) => x / y),
  Pow: binary((x, y) => x ** y),
  Mod: binary(null),
  Max: binary((...xs) => Math.max(...xs)),
  Min: binary((...xs) => Math.min(...xs)),
  Sum: binary((...xs) => xs.reduce((p, v) => p + v, 0)),
  Mean: binary((...xs) => xs.reduce((p, v) => p + v, 0) / xs.length),
  PRelu: (c) => [{ shape: shapeOf(c, 0), dtype: dtypeOf(c, 0) }],
  BitShift: binary(null),
  Equal: binary((x, y) => (x === y ? 1 : 0), BOOL),
  Greater: binary((x, y) => (x > y ? 1 : 0), BOOL),
  Less: binary((x, y) => (x < y ? 1 : 0), BOOL),
  GreaterOrEqual: binary((x, y) => (x >= y ? 1 : 0), BOOL),
  LessOrEqual: binary((x, y) => (x <= y ? 1 : 0), BOOL),
  And: binary((x, y) => (x && y ? 1 : 0), BOOL),
  Or: binary((x, y) => (x || y ? 1 : 0), BOOL),
  Xor: binary((x, y) => (!x !== !y ? 1 : 0), BOOL),
  Not: (c) => {
    const [out] = unaryFold((x) => (x ? 0 : 1))(c);
    return [{ ...out, dtype: BOOL }];
  },
  IsNaN: (c) => [{ shape: shapeOf(c, 0), dtype: BOOL }],
  IsInf: (c) => [{ shape: shapeOf(c, 0), dtype: BOOL }],
  Neg: unaryFold((x) => -x),
  Abs: unaryFold(Math.abs),
  Sqrt: unaryFold(Math.sqrt),
  Reciprocal: unaryFold((x) => 1 / x),
  Floor: unaryFold(Math.floor),
  Ceil: unaryFold(Math.ceil),
  Relu: unaryFold((x) => Math.max(0, x)),
  Exp: unaryFold(Math.exp),
  Log: unaryFold(Math.log),
  Sigmoid: unaryFold((x) => 1 / (1 + Math.exp(-x))),
  Tanh: unaryFold(Math.tanh),
  Sign: unaryFold(Math.sign),
  Round: unaryFold((x) => {
    const r = Math.round(x);
    return Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : r;
  }),
};

function sumDims(dims: Dim[]): Dim {
  let n = 0;
  for (const d of dims) {
    if (!known(d)) return UNKNOWN;
    n += d;
  }
  return n;
}

function pool(c: Ctx, indices: boolean): ValueInfo[] {
  const x = shapeOf(c, 0);
  const dtype = dtypeOf(c, 0);
  if (!x) return [{ shape: null, dtype }, ...(c.spec.outputs > 1 ? [{ shape: null, dtype: INT64 }] : [])];
  const win = readWindow(c.a, x.length - 2);
  const shape = [x[0], x[1], ...windowShape(x, win, c.a.int('ceil_mode', 0) === 1)];
  return [{ shape, dtype }, ...(indices && c.spec.outputs > 1 ? [{ shape, dtype: INT64 }] : [])];
}

function globalPool(c: Ctx): ValueInfo[] {
  const x = shapeOf(c, 0);
  return [{ shape: x ? [x[0], x[1], ...x.slice(2).map(() => 1)] : null, dtype: dtypeOf(c, 0) }];
}

function argReduce(c: Ctx): ValueInfo[] {
  const x = shapeOf(c, 0);
  if (!x) return [{ shape: null, dtype: INT64 }];
  const axis = normAxis(c.a.int('axis', 0), x.length);
  const keep = c.a.int('keepdims', 1) === 1;
  return [
    { shape: keep ? x.map((d, i) => (i === axis ? 1 : d)) : x.filter((_, i) => i !== axis), dtype: INT64 },
  ];
}

function resize(c: Ctx): ValueInfo[] {
  const x = shapeOf(c, 0);
  const dtype = dtypeOf(c, 0);
  if (!x) return [{ shape: null, dtype }];
  let scales: number[] | undefined;
  let sizes: number[] | undefined;
  if (c.spec.opType === 'Upsample')
    scales = c.spec.opset < 9 ? c.a.floats('scales') : numericConst(input(c, 1));
  else if (c.spec.opset < 11) scales = numericConst(input(c, 1));
  else {
    scales = input(c, 2) ? numericConst(input(c, 2)) : undefined;
    sizes = input(c, 3) ? numericConst(input(c, 3)) : undefined;
    if (scales && scales.length === 0) scales = undefined;
    if (sizes && sizes.length === 0) sizes = undefined;
  }
  const axes = c.a.ints('axes')?.map((a) => normAxis(a, x.length)) ?? x.map((_, i) => i);
  if (sizes && c.a.string('keep_aspect_ratio_policy', 'stretch') === 'stretch') {
    const shape: Dim[] = [...x];
    axes.forEach((a, i) => (shape[a] = sizes![i]));
    return [{ shape, dtype }];
  }
  if (scales && !sizes) {
    const shape: Dim[] = [...x];
    axes.forEach((a, i) => {
      const d = x[a];
      shape[a] = known(d) ? Math.floor(d * scales![i]) : scales![i] === 1 ? d : UNKNOWN;
    });
    return [{ shape, dtype }];
  }
  return [{ shape: x.map(() => UNKNOWN), dtype }];
}

function rnn(c: Ctx, outputs: number): ValueInfo[] {
  const x = shapeOf(c, 0);
  const dtype = dtypeOf(c, 0);
  const hidden = c.a.int('hidden_size');
  const dirs = c.a.string('direction', 'forward') === 'bidirectional' ? 2 : 1;
  if (!x || x.length !== 3 || hidden === undefined) return unknownOut(c.spec.outputs);
  const layout = c.a.int('layout', 0);
  const [seq, batch] = layout === 0 ? [x[0], x[1]] : [x[1], x[0]];
  const y = layout === 0 ? [seq, dirs, batch, hidden] : [batch, seq, dirs, hidden];
  const h = layout === 0 ? [dirs, batch, hidden] : [batch, dirs, hidden];
  return [{ shape: y, dtype }, ...Array.from({ length: outputs - 1 }, () => ({ shape: h, dtype }))].slice(
    0,
    c.spec.outputs,
  );
}

/** Unary operators that keep shape and type (no folding). */
const SAME_SHAPE = [
  'Erf',
  'Sin',
  'Cos',
  'Tan',
  'Asin',
  'Acos',
  'Atan',
  'Sinh',
  'Cosh',
  'Asinh',
  'Acosh',
  'Atanh',
  'Softplus',
  'Softsign',
  'Elu',
  'Selu',
  'Celu',
  'LeakyRelu',
  'ThresholdedRelu',
  'HardSigmoid',
  'HardSwish',
  'Mish',
  'Gelu',
  'Swish',
  'Clip',
  'Shrink',
  'Softmax',
  'LogSoftmax',
  'Hardmax',
  'LRN',
  'InstanceNormalization',
  'LpNormalization',
  'MeanVarianceNormalization',
  'GroupNormalization',
  'RMSNormalization',
  'CumSum',
  'Trilu',
  'ReverseSequence',
  'Scaler',
  'ImageScaler',
  'Binarizer',
];
for (const op of SAME_SHAPE) RULES[op] ??= sameAsInput;

/** Whether this module knows the operator (standard domain). */
export function hasShapeRule(spec: Pick<OpSpec, 'opType' | 'domain'>): boolean {
  return (spec.domain === '' || spec.domain === 'ai.onnx') && spec.opType in RULES;
}

/**
 * Shapes, element types and (where all inputs are constant and `fold` is set) values of a node's
 * outputs. Unknown operators give unknown outputs; malformed nodes throw InferError.
 */
export function inferNode(spec: OpSpec, inputs: (ValueInfo | null)[], fold = true): ValueInfo[] {
  const rule = hasShapeRule(spec) ? RULES[spec.opType] : undefined;
  if (!rule) return unknownOut(spec.outputs);
  const out = rule({ spec, a: new Attrs(spec.attributes), inputs, fold });
  while (out.length < spec.outputs) out.push({ shape: null, dtype: null });
  for (const v of out)
    if (v.shape?.some((d) => typeof d === 'number' && !(Number.isSafeInteger(d) && d >= 0)))
      throw new InferError(`${spec.opType} would give the non-size shape [${v.shape.join(', ')}]`);
  return out.slice(0, spec.outputs);
}
