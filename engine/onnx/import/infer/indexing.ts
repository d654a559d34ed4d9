// Shape rules of the operators that select, join or extend: Concat, Gather, Slice, Split, Expand,
// Tile, Pad, the scatters, NonZero and OneHot. Small integer tensors stay known element by element.
import type { Dim, Shape } from '../../../tensor/shape.ts';
import type { TensorValues } from '../../tensor.ts';
import { DataType } from '../../types.ts';
import { allocate } from '../values.ts';
import {
  broadcastShapes,
  dtypeOf,
  InferError,
  input,
  INT64,
  intsOf,
  intsValue,
  known,
  MAX_FOLD_ELEMENTS,
  normAxis,
  numericConst,
  sameAsInput,
  shapeOf,
  sizes,
  sumDims,
  UNKNOWN,
  valueOf,
  type Rule,
  type ValueInfo,
} from './core.ts';
import { broadcastIndex, foldMove, strides, total } from './fold.ts';

export const indexingRules: Record<string, Rule> = {
  Concat: (c) => {
    const present = c.inputs.filter((v): v is ValueInfo => !!v);
    const shapes = present.map((v) => v.shape);
    const dtype = present[0]?.dtype ?? null;
    const types = [...new Set(present.map((v) => v.dtype).filter((t) => t !== null))];
    if (types.length > 1)
      throw new InferError(
        `Concat joins tensors of different element types (${types.map(typeName).join(', ')}); ONNX needs one type`,
      );
    if (!shapes.every((s): s is Shape => !!s) || !shapes.length) return [{ shape: null, dtype }];
    const rank = shapes[0].length;
    if (shapes.some((s) => s.length !== rank))
      throw new InferError(
        `Concat joins tensors of different ranks (${shapes.map((s) => s.length).join(', ')}); ONNX needs one rank`,
      );
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
      Object.assign(
        out,
        intsValue(
          shape as number[],
          present.flatMap((v) => intsOf(v)!),
          dtype,
        ),
      );
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
      if (picked.every((p) => p !== undefined))
        Object.assign(out, intsValue(shape as number[], picked, dtype));
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
  GatherElements: (c) => [{ shape: shapeOf(c, 1), dtype: dtypeOf(c, 0) }],
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
      Object.assign(out, intsValue([picked.length], picked, dtype));
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
        // A symbolic size (the batch) passes through an axis that is not padded.
        shape: x.map((d, i) => {
          const added = pads![i] + pads![i + x.length];
          return known(d) ? d + added : added === 0 ? d : UNKNOWN;
        }),
        dtype: dtypeOf(c, 0),
      },
    ];
  },
  ScatterElements: sameAsInput,
  Scatter: sameAsInput,
  ScatterND: sameAsInput,
  NonZero: (c) => [{ shape: shapeOf(c, 0) ? [shapeOf(c, 0)!.length, UNKNOWN] : null, dtype: INT64 }],
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
};

/** DataType code -> its ONNX name (FLOAT, INT64, ...). */
function typeName(t: number | null): string {
  return Object.entries(DataType).find(([, v]) => v === t)?.[0] ?? String(t);
}
