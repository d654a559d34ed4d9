// Input, Linear, the reshaping layers and the merges, with PyTorch semantics.
import type { Attrs } from './attrs.ts';
import { attrBool, attrInt, attrInts } from './attrs.ts';
import { normalizeDim } from './elementwise.ts';
import type { RefTensor } from './tensor.ts';
import { expectShape, fmt, numel, refTensor, sameShape } from './tensor.ts';

/** Input: the fed tensor, checked against the per-sample shape and the fixed batch size. */
export function inputLayer(a: Attrs, x: RefTensor): RefTensor {
  const shape = attrInts(a, 'shape');
  const batch = a.batch_size;
  if (!sameShape(x.shape.slice(1), shape) || (typeof batch === 'number' && x.shape[0] !== batch))
    throw new Error(`Input expects [${batch ?? 'N'}, ${shape.join(', ')}], got ${fmt(x.shape)}`);
  return view(x, x.shape);
}

/** y = x W^T + b over the last dimension of an input of any rank >= 1. */
export function linear(a: Attrs, x: RefTensor, params: Record<string, RefTensor>): RefTensor {
  const out = attrInt(a, 'out_features');
  const inF = x.shape[x.shape.length - 1];
  const w = expectShape('weight', params.weight, [out, inF]).data;
  const b = attrBool(a, 'bias') ? expectShape('bias', params.bias, [out]).data : null;
  const rows = x.data.length / inF;
  const y = refTensor([...x.shape.slice(0, -1), out]);
  for (let r = 0; r < rows; r++)
    for (let o = 0; o < out; o++) {
      let s = b ? b[o] : 0;
      for (let i = 0; i < inF; i++) s += x.data[r * inF + i] * w[o * inF + i];
      y.data[r * out + o] = s;
    }
  return y;
}

/** Same data, new shape. */
function view(x: RefTensor, shape: number[]): RefTensor {
  if (numel(shape) !== x.data.length) throw new Error(`can't view ${fmt(x.shape)} as ${fmt(shape)}`);
  return { shape, data: Float64Array.from(x.data) };
}

export function flatten(a: Attrs, x: RefTensor): RefTensor {
  const rank = x.shape.length;
  const s = normalizeDim(attrInt(a, 'start_dim'), rank);
  const e = normalizeDim(attrInt(a, 'end_dim'), rank);
  if (e < s) throw new Error(`flatten: start_dim ${s} comes after end_dim ${e}`);
  return view(x, [...x.shape.slice(0, s), numel(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)]);
}

/** Tensor.view(N, *shape): the batch is kept, one entry may be -1. */
export function reshape(a: Attrs, x: RefTensor): RefTensor {
  const target = attrInts(a, 'shape');
  const per = numel(x.shape.slice(1));
  const free = target.filter((d) => d === -1).length;
  if (free > 1 || target.some((d) => d === 0 || d < -1)) throw new Error(`bad reshape target ${fmt(target)}`);
  const known = numel(target.filter((d) => d !== -1));
  if (free ? per % known !== 0 : known !== per)
    throw new Error(`a sample of ${per} can't be viewed as ${fmt(target)}`);
  return view(x, [x.shape[0], ...target.map((d) => (d === -1 ? per / known : d))]);
}

/** nn.ZeroPad2d: (left, right, top, bottom) or one value for all four, on the last two dims. */
export function zeroPad2d(a: Attrs, x: RefTensor): RefTensor {
  const p = attrInts(a, 'padding');
  if (p.length !== 1 && p.length !== 4) throw new Error('ZeroPad2d padding takes 1 or 4 values');
  const [l, r, t, b] = p.length === 1 ? [p[0], p[0], p[0], p[0]] : p;
  const rank = x.shape.length;
  if (rank < 2) throw new Error(`ZeroPad2d needs at least 2 dims, got ${fmt(x.shape)}`);
  const h = x.shape[rank - 2];
  const w = x.shape[rank - 1];
  const oh = h + t + b;
  const ow = w + l + r;
  const planes = x.data.length / (h * w);
  const y = refTensor([...x.shape.slice(0, -2), oh, ow]);
  for (let m = 0; m < planes; m++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++) y.data[(m * oh + i + t) * ow + j + l] = x.data[(m * h + i) * w + j];
  return y;
}

export function add(inputs: RefTensor[]): RefTensor {
  if (inputs.length < 2) throw new Error('Add needs at least two inputs');
  const y = refTensor(inputs[0].shape);
  for (const x of inputs) {
    if (!sameShape(x.shape, y.shape)) throw new Error(`Add: ${fmt(x.shape)} differs from ${fmt(y.shape)}`);
    for (let i = 0; i < y.data.length; i++) y.data[i] += x.data[i];
  }
  return y;
}

/** torch.sub(a, b). */
export function subtract(a: RefTensor, b: RefTensor): RefTensor {
  if (!sameShape(a.shape, b.shape)) throw new Error(`Subtract: ${fmt(a.shape)} differs from ${fmt(b.shape)}`);
  const y = refTensor(a.shape);
  for (let i = 0; i < y.data.length; i++) y.data[i] = a.data[i] - b.data[i];
  return y;
}

/** torch.cat(inputs, dim). */
export function concat(a: Attrs, inputs: RefTensor[]): RefTensor {
  if (inputs.length < 1) throw new Error('Concat needs inputs');
  const rank = inputs[0].shape.length;
  const d = normalizeDim(attrInt(a, 'dim'), rank);
  for (const x of inputs)
    if (x.shape.length !== rank || x.shape.some((v, j) => j !== d && v !== inputs[0].shape[j]))
      throw new Error(`Concat: ${fmt(x.shape)} does not match ${fmt(inputs[0].shape)} outside dim ${d}`);
  const outer = numel(inputs[0].shape.slice(0, d));
  const inner = numel(inputs[0].shape.slice(d + 1));
  const total = inputs.reduce((s, x) => s + x.shape[d], 0);
  const y = refTensor(inputs[0].shape.map((v, j) => (j === d ? total : v)));
  for (let o = 0; o < outer; o++) {
    let at = o * total * inner;
    for (const x of inputs) {
      const chunk = x.shape[d] * inner;
      y.data.set(x.data.subarray(o * chunk, (o + 1) * chunk), at);
      at += chunk;
    }
  }
  return y;
}
