// Shape rules of the element-wise operators: broadcasting arithmetic and comparisons (folded for
// constants and for shape scalars), Where, and the unary functions.
import type { Dim, Shape } from '../../../tensor/shape.ts';
import { divDims, mulDims } from '../../../tensor/symbolic.ts';
import { isIntType, makeConst, numbers, withDims, type ConstTensor } from '../values.ts';
import {
  BOOL,
  broadcastShapes,
  dtypeOf,
  input,
  intsOf,
  intsValue,
  isFloatType,
  known,
  normAxis,
  shapeOf,
  valueOf,
  type Ctx,
  type Rule,
  UNKNOWN,
  type ValueInfo,
} from './core.ts';
import { foldElementwise } from './fold.ts';

function unaryFold(f: (x: number) => number): Rule {
  return (c) => {
    const x = valueOf(input(c, 0));
    const out: ValueInfo = { shape: shapeOf(c, 0), dtype: dtypeOf(c, 0) };
    if (c.fold && x && !Array.isArray(x.data) && (isFloatType(x.dtype) || isIntType(x.dtype)))
      out.value = foldElementwise([x], x.dims, x.dtype, f);
    return [out];
  };
}

function binary(
  f: ((...xs: number[]) => number) | null,
  outType?: number,
  symbolic?: (a: Dim, b: Dim) => Dim,
): Rule {
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
      const consts = present.map((v, i) => withDims(v.value!, (shapes[i] as number[]).slice()));
      if (shape.every(known)) out.value = foldElementwise(consts, shape as number[], dtype, f);
    }
    // Arithmetic on shape scalars: exact for plain numbers; Mul and Div also on symbols (4*N).
    if (!out.value && f && present.length === 2 && dtype !== null && isIntType(dtype)) {
      const [x, y] = present.map((v) => intsOf(v));
      const n = Math.max(x?.length ?? 0, y?.length ?? 0);
      if (x && y && (x.length === y.length || x.length === 1 || y.length === 1)) {
        const at = (v: Dim[], i: number) => (v.length === 1 ? v[0] : v[i]);
        const pairs = Array.from({ length: n }, (_, i) => [at(x, i), at(y, i)] as const);
        if (pairs.every(([p, q]) => known(p) && known(q))) {
          const vals = pairs.map(([p, q]) => Math.trunc(f(p as number, q as number)));
          out.value = makeConst(dtype, shape && shape.every(known) ? (shape as number[]) : [n], vals);
        } else if (symbolic) {
          const sym = pairs.map(([p, q]) => (known(p) && known(q) ? Math.trunc(f(p, q)) : symbolic(p, q)));
          if (sym.some((d) => d !== UNKNOWN)) Object.assign(out, intsValue([n], sym, dtype));
        }
      }
    }
    return [out];
  };
}

/** A size symbol is never negative: Equal(N, -1) is false (PyTorch's expand writes that test). */
function equalSizes(a: Dim, b: Dim): Dim {
  const negative = (d: Dim) => known(d) && d < 0;
  const size = (d: Dim) => !known(d) && d !== UNKNOWN;
  return (size(a) && negative(b)) || (size(b) && negative(a)) ? 0 : UNKNOWN;
}

/** Where over shape tensors with a constant condition: each element picked from one side. */
function whereOnInts(c: Ctx, out: ValueInfo): void {
  const cond = valueOf(input(c, 0));
  const [x, y] = [1, 2].map((i) => intsOf(input(c, i)));
  if (!cond || !x || !y || Array.isArray(cond.data) || !out.shape || out.shape.length > 1) return;
  const flags = numbers(cond);
  const n = Math.max(flags.length, x.length, y.length);
  const at = <T>(v: T[], i: number) => (v.length === 1 ? v[0] : v[i]);
  if (![flags, x, y].every((v) => v.length === 1 || v.length === n)) return;
  const picked = Array.from({ length: n }, (_, i) => (at(flags, i) ? at(x, i) : at(y, i)));
  Object.assign(out, intsValue(out.shape.length ? [n] : [], picked, out.dtype));
}

export const elementwiseRules: Record<string, Rule> = {
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
    else if (dtype !== null && isIntType(dtype)) whereOnInts(c, out);
    return [out];
  },
  Add: binary((x, y) => x + y),
  Sub: binary((x, y) => x - y),
  Mul: binary((x, y) => x * y, undefined, mulDims),
  Div: binary((x, y) => x / y, undefined, divDims),
  Pow: binary((x, y) => x ** y),
  Mod: binary(null),
  Max: binary((...xs) => Math.max(...xs)),
  Min: binary((...xs) => Math.min(...xs)),
  Sum: binary((...xs) => xs.reduce((p, v) => p + v, 0)),
  Mean: binary((...xs) => xs.reduce((p, v) => p + v, 0) / xs.length),
  PRelu: (c) => [{ shape: shapeOf(c, 0), dtype: dtypeOf(c, 0) }],
  BitShift: binary(null),
  Equal: binary((x, y) => (x === y ? 1 : 0), BOOL, equalSizes),
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

/** Unary operators that keep shape and type (no folding). */
export const SAME_SHAPE = [
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
