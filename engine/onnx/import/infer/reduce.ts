// Shape rules of the reductions: Reduce* (axes as an attribute, or as an input from opset 13 for
// ReduceSum and 18 for the rest), ArgMax/ArgMin and TopK.
import {
  dtypeOf,
  input,
  INT64,
  normAxis,
  numericConst,
  shapeOf,
  axesInput,
  UNKNOWN,
  type Ctx,
  type Rule,
  type ValueInfo,
} from './core.ts';

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

function argReduce(c: Ctx): ValueInfo[] {
  const x = shapeOf(c, 0);
  if (!x) return [{ shape: null, dtype: INT64 }];
  const axis = normAxis(c.a.int('axis', 0), x.length);
  const keep = c.a.int('keepdims', 1) === 1;
  return [
    { shape: keep ? x.map((d, i) => (i === axis ? 1 : d)) : x.filter((_, i) => i !== axis), dtype: INT64 },
  ];
}

export const reduceRules: Record<string, Rule> = {
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
};
