// Import patterns shared by layer families (Conv1d/Conv2d, the 2-D pools, BatchNorm1d/2d,
// Softmax/LogSoftmax, the attribute-free activations). Each layer file plugs one in as its
// `fromOnnx`; layers with a pattern of their own write it in their file.
import type { AttrValue } from '../../layer.ts';
import { DataType } from '../types.ts';
import { windowOutput } from '../../tensor/window.ts';
import { resolvePads } from './infer.ts';
import { shortestFloat32 } from './values.ts';
import {
  compact,
  floatValues,
  isData,
  onlyAttrs,
  onlyOutputUsed,
  rankOf,
  type NodeView,
  type OnnxImport,
  type OnnxMatch,
} from './view.ts';

/** Attributes of opsets before 7 that carry no meaning for a single inference node. */
const LEGACY = ['consumed_inputs', 'is_test'];

/** An activation (or other one-input op) whose attributes map one to one. */
export function simpleImport(
  opType: string,
  attributes: readonly string[],
  map: (node: NodeView) => Record<string, AttrValue> | null = () => ({}),
): OnnxImport {
  return {
    opTypes: [opType],
    read: (node) => {
      if (!isData(node.inputs[0]) || node.inputs.length !== 1) return null;
      if (!onlyAttrs(node, [...attributes, ...LEGACY]) || !onlyOutputUsed(node)) return null;
      const attrs = map(node);
      return attrs ? { attributes: attrs } : null;
    },
  };
}

/** A float attribute as the user would type it (float32 fields read back as their shortest decimal). */
export function floatAttr(node: NodeView, name: string, fallback: number): number {
  return shortestFloat32(node.attrs.float(name, fallback));
}

function windowOf(node: NodeView, axes: number, kernel: number[]) {
  const a = node.attrs;
  const x = node.inputs[0]!;
  const strides = a.ints('strides') ?? Array(axes).fill(1);
  const dilations = a.ints('dilations') ?? Array(axes).fill(1);
  const autoPad = a.string('auto_pad', 'NOTSET');
  if (!['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'].includes(autoPad)) return null;
  const pads = resolvePads(
    {
      kernel,
      strides,
      dilations,
      pads: autoPad === 'NOTSET' ? (a.ints('pads') ?? Array(2 * axes).fill(0)) : (autoPad as 'VALID'),
    },
    x.shape!.slice(2),
  );
  if (!pads || pads.length !== 2 * axes || strides.length !== axes || dilations.length !== axes) return null;
  return { strides, dilations, before: pads.slice(0, axes), after: pads.slice(axes) };
}

/**
 * Conv with a constant float weight (and bias) over `axes` spatial dims. Conv2d also recognises a
 * connection table: the weight computed as Mul(weight, 0/1 mask), as its own export writes it.
 */
export function convImport(axes: number, opts: { connectionTable?: boolean } = {}): OnnxImport {
  return {
    opTypes: ['Conv'],
    read: (node) => {
      if (!onlyAttrs(node, ['kernel_shape', 'strides', 'pads', 'dilations', 'group', 'auto_pad']))
        return null;
      const x = node.inputs[0];
      if (!isData(x) || rankOf(x) !== axes + 2) return null;
      const wv = node.inputs[1];
      let weight = floatValues(wv);
      const dims = wv?.value?.dims;
      if (!weight || !dims || dims.length !== axes + 2) return null;
      const kernel = dims.slice(2);
      const given = node.attrs.ints('kernel_shape');
      if (given && given.some((k, i) => k !== kernel[i])) return null;
      const w = windowOf(node, axes, kernel);
      if (!w) return null;
      const symmetric = w.before.every((p, i) => p === w.after[i]);
      if (!symmetric && axes === 1) return null; // Conv1d's padding is symmetric
      const b = node.inputs[2];
      const bias = b ? floatValues(b) : undefined;
      if (b && !bias) return null;
      const attributes: Record<string, AttrValue> = {
        out_channels: dims[0],
        kernel_size: compact(kernel),
        stride: compact(w.strides),
        padding: symmetric ? compact(w.before) : [...w.before, ...w.after],
        dilation: compact(w.dilations),
        groups: node.attrs.int('group', 1),
        bias: !!bias,
      };
      // Conv2d's connection table: Mul(weight, mask) where the mask is 0/1 per (out, in) pair.
      const mul = wv?.producer;
      if (opts.connectionTable && mul?.opType === 'Mul' && attributes.groups === 1) {
        const table = connectionTable(mul, dims);
        if (table) {
          weight = table.weight;
          attributes.connection_table = table.rows;
        }
      }
      return { attributes, params: { weight, ...(bias ? { bias } : {}) } };
    },
  };
}

function connectionTable(mul: NodeView, dims: number[]): { weight: Float32Array; rows: number[][] } | null {
  const [a, b] = mul.inputs;
  const w = floatValues(a);
  const mask = floatValues(b);
  if (!w || !mask || a?.value?.dims.join() !== dims.join() || b?.value?.dims.join() !== dims.join())
    return null;
  const [out, cin] = dims;
  const taps = w.length / (out * cin);
  const rows: number[][] = [];
  for (let o = 0; o < out; o++) {
    const row: number[] = [];
    for (let i = 0; i < cin; i++) {
      const start = (o * cin + i) * taps;
      const v = mask[start];
      if (v !== 0 && v !== 1) return null;
      for (let t = 1; t < taps; t++) if (mask[start + t] !== v) return null;
      row.push(v);
    }
    if (row.every((v) => v === 0)) return null;
    rows.push(row);
  }
  if (rows.every((r) => r.every((v) => v === 1))) return null;
  return { weight: w, rows };
}

/** MaxPool / AveragePool over 2 spatial dims with symmetric padding (PyTorch's pools). */
export function poolImport(opType: 'MaxPool' | 'AveragePool'): OnnxImport {
  const allowed =
    opType === 'MaxPool'
      ? ['kernel_shape', 'strides', 'pads', 'auto_pad', 'ceil_mode', 'dilations', 'storage_order']
      : ['kernel_shape', 'strides', 'pads', 'auto_pad', 'ceil_mode', 'count_include_pad', 'dilations'];
  return {
    opTypes: [opType],
    read: (node) => {
      const x = node.inputs[0];
      if (!isData(x) || rankOf(x) !== 4 || !onlyAttrs(node, allowed) || !onlyOutputUsed(node)) return null;
      const kernel = node.attrs.ints('kernel_shape');
      if (!kernel || kernel.length !== 2) return null;
      const w = windowOf(node, 2, kernel);
      if (!w) return null;
      let ceil = node.attrs.int('ceil_mode', 0) === 1;
      if (w.before.some((p, i) => p !== w.after[i])) {
        // Extra padding only at the end (Caffe's pools): the same windows as ceil_mode with the
        // smaller padding, when the sizes agree and padded cells never count (max, or an average
        // that excludes padding).
        const spatial = node.inputs[0]!.shape!.slice(2);
        const countPad = opType === 'AveragePool' && node.attrs.int('count_include_pad', 0) === 1;
        const same = spatial.every((n, i) => {
          if (typeof n !== 'number' || w.after[i] < w.before[i]) return false;
          const args = [kernel[i], w.strides[i], w.before[i]] as const;
          return (
            windowOutput(n, ...args, w.before[i], w.dilations[i], true) ===
            windowOutput(n, ...args, w.after[i], w.dilations[i], false)
          );
        });
        if (ceil || countPad || !same) return null;
        ceil = true;
      }
      const attributes: Record<string, AttrValue> = {
        kernel_size: compact(kernel),
        stride: compact(w.strides),
        padding: compact(w.before),
        ceil_mode: ceil,
      };
      if (opType === 'MaxPool') attributes.dilation = compact(w.dilations);
      else {
        if (w.dilations.some((d) => d !== 1)) return null;
        attributes.count_include_pad = node.attrs.int('count_include_pad', 0) === 1;
      }
      return { attributes };
    },
  };
}

/** BatchNormalization in inference form with constant statistics, for inputs of the given ranks. */
export function batchNormImport(ranks: number[]): OnnxImport {
  return {
    opTypes: ['BatchNormalization'],
    read: (node) => {
      const x = node.inputs[0];
      if (!isData(x) || !ranks.includes(rankOf(x) ?? -1)) return null;
      if (!onlyAttrs(node, ['epsilon', 'momentum', 'spatial', 'training_mode', ...LEGACY])) return null;
      if (node.attrs.int('spatial', 1) !== 1 || node.attrs.int('training_mode', 0) !== 0) return null;
      if (!onlyOutputUsed(node)) return null;
      const [weight, bias, mean, variance] = [1, 2, 3, 4].map((i) => floatValues(node.inputs[i]));
      if (!weight || !bias || !mean || !variance) return null;
      const m = node.attrs.float('momentum', 0.9);
      return {
        attributes: {
          eps: floatAttr(node, 'epsilon', 1e-5),
          // ONNX weights the running value by momentum; PyTorch weights the new batch by it.
          momentum: Math.min(1, Math.max(0, Number((1 - m).toPrecision(6)))),
          affine: true,
          track_running_stats: true,
        },
        params: { weight, bias, running_mean: mean, running_var: variance },
      };
    },
  };
}

/**
 * Softmax / LogSoftmax along `dim`. Before opset 13 ONNX flattens the input to 2-D at `axis`, which
 * is the same as normalising along one dim only when that dim is the last.
 */
export function softmaxImport(opType: 'Softmax' | 'LogSoftmax'): OnnxImport {
  return simpleImport(opType, ['axis'], (node) => {
    const rank = rankOf(node.inputs[0]);
    if (rank === undefined) return null;
    const axis = node.attrs.int('axis', node.opset < 13 ? 1 : -1);
    const ax = axis < 0 ? axis + rank : axis;
    if (ax < 0 || ax >= rank) return null;
    // The 2-D coercion normalises dims ax.. together: one dim when the rest are all 1.
    const trailing = node.inputs[0]!.shape!.slice(ax + 1);
    if (node.opset < 13) return trailing.every((d) => d === 1) ? { dim: ax } : null;
    return { dim: axis };
  });
}

/** A single data input whose constant config inputs are all absent or as given. */
export function dropoutImport(): OnnxImport {
  return {
    opTypes: ['Dropout'],
    read: (node): OnnxMatch | null => {
      if (!isData(node.inputs[0]) || !onlyOutputUsed(node)) return null;
      if (!onlyAttrs(node, ['ratio', 'seed', ...LEGACY])) return null;
      let ratio = node.attrs.float('ratio', 0.5);
      if (node.opset >= 12) {
        const r = node.inputs[1];
        if (r) {
          const v = floatValues(r);
          if (!v || v.length !== 1) return null;
          ratio = v[0];
        }
        const t = node.inputs[2];
        if (t) {
          const c = t.value;
          if (!c || c.dtype !== DataType.BOOL || c.data.length !== 1 || c.data[0]) return null;
        }
      }
      return { attributes: { p: shortestFloat32(ratio) } };
    },
  };
}

/**
 * Whether a Reshape keeps the batch dimension as it is: its target's first entry copies it (0),
 * names the same size or symbol, or is -1 with every other entry fixed (so -1 can only be the batch).
 */
export function reshapeKeepsBatch(node: NodeView): boolean {
  const x = node.inputs[0]?.shape;
  if (!x || !x.length) return false;
  const allowZero = node.attrs.int('allowzero', 0) === 1;
  const t =
    node.opset < 5
      ? node.attrs.ints('shape')
      : node.inputs[1]?.value
        ? Array.from(node.inputs[1].value.data as ArrayLike<number | bigint>, Number)
        : node.inputs[1]?.sym;
  if (!t || !t.length) return false;
  if (t.slice(1).some((d) => typeof d !== 'number')) return false;
  const first = t[0];
  if (first === 0 && !allowZero) return true;
  if (first === x[0]) return true;
  if (first === -1) {
    const rest = t.slice(1) as number[];
    const perSample = x.slice(1);
    return (
      rest.every((d) => d > 0) &&
      perSample.every((d) => typeof d === 'number') &&
      rest.reduce((p, d) => p * d, 1) === perSample.reduce((p: number, d) => p * (d as number), 1)
    );
  }
  return false;
}

/**
 * ConvTranspose's (before..., after...) pads, computing them as ONNX does when output_shape or
 * auto_pad SAME_* is given: total = stride·(in−1) + output_padding + effective kernel − out, the
 * odd extra going after for SAME_UPPER and before otherwise. A negative `after` is output added at
 * the end (PyTorch's output_padding).
 */
export function convTransposePads(
  spatial: readonly (number | string)[],
  kernel: number[],
  strides: number[],
  dilations: number[],
  outputPadding: number[],
  autoPad: string,
  pads: number[] | undefined,
  outputShape: number[] | undefined,
): number[] | null {
  const n = kernel.length;
  if (outputShape || autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const before: number[] = [];
    const after: number[] = [];
    for (let i = 0; i < n; i++) {
      const x = spatial[i];
      if (typeof x !== 'number') return null;
      const out = outputShape ? outputShape[outputShape.length - n + i] : x * strides[i];
      const total = strides[i] * (x - 1) + outputPadding[i] + (kernel[i] - 1) * dilations[i] + 1 - out;
      if (total < 0) {
        // An output larger than the full transposed convolution: no padding, the rest at the end.
        before.push(0);
        after.push(total);
        continue;
      }
      const half = Math.floor(total / 2);
      before.push(autoPad === 'SAME_UPPER' ? half : total - half);
      after.push(autoPad === 'SAME_UPPER' ? total - half : half);
    }
    return [...before, ...after];
  }
  if (autoPad === 'VALID') return Array(2 * n).fill(0);
  if (autoPad !== 'NOTSET') return null;
  return pads ?? Array(2 * n).fill(0);
}

/** The single value of a one-element float constant input. */
function scalarOf(v: NodeView['inputs'][number]): number | undefined {
  const f = floatValues(v);
  return f && f.length === 1 ? f[0] : undefined;
}

/** A two-input node with one data input and one scalar constant. */
function dataAndScalar(
  n: NodeView,
): { x: NonNullable<NodeView['inputs'][number]>; c: number; index: number } | null {
  if (n.inputs.length !== 2) return null;
  const index = n.inputs.findIndex((v) => isData(v));
  const c = scalarOf(n.inputs[1 - index]);
  return index >= 0 && c !== undefined ? { x: n.inputs[index]!, c, index } : null;
}

const near = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.abs(b);

/** The only reader of a node's output, when it has the given type and the output is no graph output. */
function onlyReader(n: NodeView, opType: string): NodeView | null {
  const r = n.consumers(0);
  return r.length === 1 && r[0].opType === opType && !n.isGraphOutput(0) ? r[0] : null;
}

/**
 * GELU: the Gelu operator (opset 20), or its exact form spelled with Erf, as PyTorch writes it
 * (x / √2 -> Erf -> +1 -> × x -> × 0.5) and as Netwright's own export does (x × √½ -> Erf -> +1,
 * times x × 0.5).
 */
export function geluImport(): OnnxImport {
  return {
    opTypes: ['Gelu', 'Div', 'Mul'],
    read: (node): OnnxMatch | null => {
      if (node.opType === 'Gelu') {
        const approximate = node.attrs.string('approximate', 'none');
        return isData(node.inputs[0]) &&
          onlyAttrs(node, ['approximate']) &&
          ['none', 'tanh'].includes(approximate)
          ? { attributes: { approximate } }
          : null;
      }
      if (node.attrs.names().length) return null;
      const s = dataAndScalar(node);
      if (!s) return null;
      const match = (absorbs: NodeView[]): OnnxMatch => ({
        attributes: { approximate: 'none' },
        inputs: [s.index],
        absorbs,
      });
      const erfPlusOne = (first: NodeView) => {
        const erf = onlyReader(first, 'Erf');
        const add = erf && onlyReader(erf, 'Add');
        const a = add && dataAndScalar(add);
        return erf && add && a && near(a.c, 1) ? { erf, add } : null;
      };
      const scaled =
        (node.opType === 'Div' && s.index === 0 && near(s.c, Math.SQRT2)) ||
        (node.opType === 'Mul' && near(s.c, Math.SQRT1_2));
      if (scaled) {
        const inner = erfPlusOne(node);
        const times = inner && onlyReader(inner.add, 'Mul');
        const other = times?.inputs.find((v) => v && v.name !== inner!.add.outputs[0].name);
        if (!inner || !times || !other) return null;
        if (other.name === s.x.name) {
          const last = onlyReader(times, 'Mul');
          const l = last && dataAndScalar(last);
          return last && l && near(l.c, 0.5) ? match([inner.erf, inner.add, times, last]) : null;
        }
        const half = other.producer;
        const h = half?.opType === 'Mul' ? dataAndScalar(half) : null;
        return half && h && h.x.name === s.x.name && near(h.c, 0.5)
          ? match([inner.erf, inner.add, half, times])
          : null;
      }
      // Netwright's export computes x × 0.5 first: start from there.
      if (node.opType !== 'Mul' || !near(s.c, 0.5)) return null;
      const times = onlyReader(node, 'Mul');
      const add = times?.inputs.find((v) => v && v.name !== node.outputs[0].name)?.producer;
      const a = add?.opType === 'Add' ? dataAndScalar(add) : null;
      const erf = a?.x.producer;
      const first = erf?.opType === 'Erf' ? erf.inputs[0]?.producer : undefined;
      const f = first?.opType === 'Mul' ? dataAndScalar(first) : null;
      if (!times || !add || !a || !near(a.c, 1) || !erf || !first || !f) return null;
      return f.x.name === s.x.name && near(f.c, Math.SQRT1_2) ? match([first, erf, add, times]) : null;
    },
  };
}
