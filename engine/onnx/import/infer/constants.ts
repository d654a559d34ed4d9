// Shape rules of the operators that make values: constants, shapes and sizes as tensors, casts,
// ranges and random fills. Their outputs fold wherever the inputs are known.
import { DataType } from '../../types.ts';
import {
  allocate,
  constSize,
  fromOnnxTensor,
  isIntType,
  lazyFill,
  LAZY_FILL_ELEMENTS,
  makeConst,
  numbers,
  type ConstTensor,
} from '../values.ts';
import {
  dimProduct,
  dtypeOf,
  input,
  INT64,
  intsOf,
  knownInts,
  known,
  MAX_FILL_ELEMENTS,
  MAX_FOLD_ELEMENTS,
  numericConst,
  shapeOf,
  sizes,
  unknownOut,
  UNKNOWN,
  type Rule,
  type ValueInfo,
} from './core.ts';
import { total } from './fold.ts';

export const constantsRules: Record<string, Rule> = {
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
      const value = (fill.data as Float32Array)[0] ?? 0;
      if (n >= LAZY_FILL_ELEMENTS) out.value = lazyFill(fill.dtype, dims as number[], value);
      else
        out.value = {
          dtype: fill.dtype,
          dims: dims as number[],
          data: allocate(fill.dtype, n).fill(value as never),
        };
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
    if (
      x?.value &&
      dtype !== null &&
      c.fold &&
      constSize(x.value) <= MAX_FOLD_ELEMENTS &&
      !Array.isArray(x.value.data) &&
      dtype !== DataType.STRING
    ) {
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
  Range: (c) => {
    // Limits computed from shapes (a sequence length) count when known.
    const [s, l, d] = [0, 1, 2].map((i) => (numericConst(input(c, i)) ?? knownInts(input(c, i)))?.[0]);
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
  // Folded when constant: PyTorch writes a causal mask as Trilu(ones(L, L), 1).
  Trilu: (c) => {
    const x = input(c, 0);
    const out: ValueInfo = { shape: shapeOf(c, 0), dtype: dtypeOf(c, 0) };
    const k = c.inputs.length > 1 ? numericConst(input(c, 1))?.[0] : 0;
    const v = x?.value;
    const dims = v?.dims ?? [];
    if (!c.fold || !v || Array.isArray(v.data) || k === undefined || dims.length < 2) return [out];
    const [rows, cols] = dims.slice(-2);
    const upper = c.a.int('upper', 1) === 1;
    const data = allocate(v.dtype, v.data.length) as Float32Array;
    const values = v.data as Float32Array;
    for (let i = 0; i < values.length; i++) {
      const col = i % cols;
      const row = Math.floor(i / cols) % rows;
      if (upper ? col - row >= k : col - row <= k) data[i] = values[i];
    }
    out.value = { dtype: v.dtype, dims, data };
    return [out];
  },
  EyeLike: (c) => [{ shape: shapeOf(c, 0), dtype: c.a.int('dtype') ?? dtypeOf(c, 0) }],
  RandomNormalLike: (c) => [{ shape: shapeOf(c, 0), dtype: c.a.int('dtype') ?? dtypeOf(c, 0) }],
  RandomUniformLike: (c) => [{ shape: shapeOf(c, 0), dtype: c.a.int('dtype') ?? dtypeOf(c, 0) }],
  Bernoulli: (c) => [{ shape: shapeOf(c, 0), dtype: c.a.int('dtype') ?? dtypeOf(c, 0) }],
  RandomNormal: (c) => [{ shape: c.a.ints('shape') ?? null, dtype: c.a.int('dtype', DataType.FLOAT) }],
  RandomUniform: (c) => [{ shape: c.a.ints('shape') ?? null, dtype: c.a.int('dtype', DataType.FLOAT) }],
};
