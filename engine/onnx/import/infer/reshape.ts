// Shape rules of the operators that rearrange elements without computing: Reshape, Flatten,
// Squeeze/Unsqueeze, Transpose, DepthToSpace/SpaceToDepth.
import type { Dim, Shape } from '../../../tensor/shape.ts';
import { divDims } from '../../../tensor/symbolic.ts';
import {
  dimProduct,
  dtypeOf,
  InferError,
  input,
  intsOf,
  known,
  normAxis,
  shapeOf,
  axesInput,
  UNKNOWN,
  valueOf,
  type Rule,
  type ValueInfo,
} from './core.ts';
import { foldMove, relabel, strides } from './fold.ts';

export function reshapeTo(x: Shape, target: readonly Dim[], allowZero: boolean): Dim[] {
  const out = target.map((d, i) => (d === 0 && !allowZero ? (x[i] ?? UNKNOWN) : d));
  const free = out.findIndex((d) => d === -1);
  if (free >= 0) {
    // Whatever the other entries leave: symbols cancel ([10, N, 32] to [10, -1, 8] gives 4*N).
    const others = out.filter((_, i) => i !== free);
    out[free] = others.includes(UNKNOWN) ? UNKNOWN : divDims(dimProduct(x), dimProduct(others));
  }
  return out;
}

/** More dimensions than any real tensor has; a rank read from data beyond it is refused. */
const MAX_RANK = 64;

export const reshapeRules: Record<string, Rule> = {
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
};
