// The convolution family (Conv1d, Conv2d): attribute specs, shapes, counts and receptive field
// for any number of spatial axes, so each layer file only states what differs; and the ONNX
// import pattern (a Conv node with constant weights) at the end.
import type {
  AttrValues,
  GradContext,
  Gradients,
  LowerContext,
  ParamSpec,
  RFTransfer,
  TorchContext,
  TorchSpelling,
} from '../layer.ts';
import { call, oneOrTuple, py, pyMatrix, type PyValue } from '../export/pytorch/python.ts';
import type { OnnxBuilder } from '../onnx/builder.ts';
import { dims, reduceSum, reshape } from '../autodiff/ops.ts';
import { bool, int, intOrTuple, padding, table } from '../layer.ts';
import type { Problem } from '../diagnostics.ts';
import { problem } from '../diagnostics.ts';
import type { Shape } from '../tensor/shape.ts';
import { isKnown } from '../tensor/shape.ts';
import { effectiveKernel } from '../tensor/window.ts';
import { expectRank, slideWindow, spatialProduct, windowParams } from '../tensor/convShape.ts';
import type { AttrValue } from '../layer.ts';
import {
  compact,
  floatValues,
  isData,
  onlyAttrs,
  onlyReader,
  rankOf,
  windowOf,
} from '../onnx/import/view.ts';
import { batchNormConstants } from './batchNorm.ts';
import {
  convForwardGemm,
  convInputGradGemm,
  convWeightGradGather,
  convWeightGradSlices,
  convWeightGradTaps,
  SLICES_MIN_OUT_CHANNELS,
  TAPS_MIN_IN_CHANNELS,
  useForwardGemm,
  weightGradFromPatches,
  type ConvWindow2d,
  type Patches,
} from './convIm2col.ts';
import type { NodeView, OnnxImport } from '../onnx/import/view.ts';

export function convAttributes(axes: number) {
  return {
    out_channels: int({ default: 16, min: 1, doc: 'Number of output channels (filters).' }),
    kernel_size: intOrTuple({
      default: 3,
      min: 1,
      axes,
      doc: 'Window size: one number, or one per spatial axis.',
    }),
    stride: intOrTuple({ default: 1, min: 1, axes, doc: 'Step between windows.' }),
    padding: padding({
      default: 0,
      axes,
      allowSame: true,
      doc: `Zeros added on each side: one number, one per axis, ${2 * axes} values (before..., after...) for asymmetric padding, 'same' (stride 1) or 'valid'.`,
    }),
    dilation: intOrTuple({
      default: 1,
      min: 1,
      axes,
      doc: 'Spacing between kernel taps (atrous convolution).',
    }),
    groups: int({
      default: 1,
      min: 1,
      doc: 'Split channels into independent groups; groups = in_channels is depthwise.',
    }),
    bias: bool({ default: true, doc: 'Learn one additive bias per output channel.' }),
  };
}

/** LeNet-5's C3: which input channels each output channel sees. Conv2d only. */
export const connectionTable = table({
  default: null,
  doc: 'Optional 0/1 matrix [out_channels][in_channels]: which input channels each output channel sees (LeNet-5 C3). Only connected weights count as parameters.',
});

type ConvAttrs = AttrValues<ReturnType<typeof convAttributes>> & {
  connection_table?: readonly (readonly number[])[] | null;
};

const window = (axes: number, a: ConvAttrs) =>
  windowParams(axes, a.kernel_size, a.stride, a.padding, a.dilation);

export function convCheck(axes: number, name: string, a: ConvAttrs, inputs: Shape[]): Problem | null {
  const x = inputs[0];
  const rank = expectRank(x, axes, name);
  if (rank) return rank;
  const cin = x[1];
  if (!isKnown(cin)) return problem(`${name} needs a known channel count, got '${cin}'.`);
  if (cin % a.groups !== 0)
    return problem(
      `groups (${a.groups}) must divide the ${cin} input channels; pick a divisor of ${cin}.`,
      'groups',
    );
  if (a.out_channels % a.groups !== 0)
    return problem(`groups (${a.groups}) must divide out_channels (${a.out_channels}).`, 'groups');
  if (a.padding === 'same' && window(axes, a).stride.some((s) => s !== 1))
    return problem("padding='same' needs stride 1 (as in PyTorch); use a number instead.", 'padding');
  const t = a.connection_table;
  if (t) {
    if (a.groups !== 1) return problem('a connection_table replaces groups; set groups to 1.', 'groups');
    if (t.length !== a.out_channels || t[0].length !== cin)
      return problem(
        `connection_table is ${t.length}x${t[0].length} but must be out_channels x in_channels = ${a.out_channels}x${cin}.`,
        'connection_table',
      );
    const empty = t.findIndex((row) => row.every((v) => v === 0));
    if (empty >= 0)
      return problem(
        `output channel ${empty} of connection_table sees no input channel.`,
        'connection_table',
      );
  }
  return null;
}

export function convOutput(axes: number, a: ConvAttrs, inputs: Shape[]): Shape | Problem {
  const x = inputs[0];
  const spatial = slideWindow(x.slice(2), window(axes, a));
  return Array.isArray(spatial) ? [x[0], a.out_channels, ...spatial] : spatial;
}

/** Weights that are actually learned per spatial tap: connected (out, in) pairs. */
function connections(a: ConvAttrs, cin: number): number {
  const t = a.connection_table;
  if (t) return t.reduce((s, row) => s + row.reduce((r, v) => r + v, 0), 0);
  return a.out_channels * (cin / a.groups);
}

export function convParameters(axes: number, a: ConvAttrs, inputs: Shape[]): ParamSpec[] {
  const cin = inputs[0][1] as number;
  const k = window(axes, a).kernel;
  const taps = k.reduce((p, v) => p * v, 1);
  return [
    {
      name: 'weight',
      shape: [a.out_channels, cin / a.groups, ...k],
      role: 'weight',
      count: a.connection_table ? connections(a, cin) * taps : undefined,
    },
    ...(a.bias ? [{ name: 'bias', shape: [a.out_channels], role: 'bias' as const }] : []),
  ];
}

/** Cout x Cin/groups x prod(kernel) x prod(output spatial), per sample; bias not counted. */
export function convMacs(axes: number, a: ConvAttrs, inputs: Shape[], out: Shape): number {
  const taps = window(axes, a).kernel.reduce((p, v) => p * v, 1);
  return connections(a, inputs[0][1] as number) * taps * spatialProduct(out);
}

export function convField(axes: number, a: ConvAttrs): RFTransfer {
  const w = window(axes, a);
  return {
    kind: 'window',
    kernel: w.kernel.map((k, i) => effectiveKernel(k, w.dilation[i])),
    stride: w.stride,
    pad: w.padBefore,
  };
}

/** The 0/1 weight mask of a connection table, expanded over the kernel taps. */
export function connectionMask(table: readonly (readonly number[])[], taps: number): Float32Array {
  const cin = table[0].length;
  const mask = new Float32Array(table.length * cin * taps);
  table.forEach((row, o) =>
    row.forEach((v, i) => mask.fill(v, (o * cin + i) * taps, (o * cin + i + 1) * taps)),
  );
  return mask;
}

/** ONNX Conv; a connection table multiplies the weight by its mask, so unconnected weights stay
 *  zero in inference and get zero gradient in training. */
export function convToOnnx(axes: number, ctx: LowerContext<ConvAttrs>): string {
  const { b, attrs: a, params } = ctx;
  const w = window(axes, a);
  let weight = params.weight;
  if (a.connection_table) {
    const taps = w.kernel.reduce((p, v) => p * v, 1);
    const shape = [a.out_channels, ctx.inputShapes[0][1] as number, ...w.kernel];
    const mask = b.floats(`${ctx.node}.connection_mask`, shape, connectionMask(a.connection_table, taps));
    weight = b.op('Mul', [weight, mask], {}, { name: `${ctx.node}/mask` });
    ctx.saved.mask = mask;
  }
  ctx.saved.weight = weight;
  // Trained (not frozen) 2-D convolutions with narrow outputs: one whole-batch GEMM, whose patch
  // matrix the weight gradient reuses (convIm2col.ts).
  if (axes === 2 && ctx.training && !ctx.frozen) {
    const xShape = dims(ctx.inputShapes[0]);
    const yShape = dims(ctx.outputShape);
    if (useForwardGemm(b, xShape, yShape, w.kernel, a.groups)) {
      const o = { b, node: ctx.node, x: ctx.inputs[0], xShape, dyShape: yShape, w };
      const { y, patches } = convForwardGemm(o, weight, a.bias ? params.bias : undefined, ctx.output);
      ctx.saved.patches = patches;
      return y;
    }
  }
  return b.op(
    'Conv',
    [ctx.inputs[0], weight, ...(a.bias ? [params.bias] : [])],
    {
      kernel_shape: w.kernel,
      strides: w.stride,
      pads: [...w.padBefore, ...w.padAfter],
      dilations: w.dilation,
      group: a.groups,
    },
    { name: ctx.node, output: ctx.output },
  );
}

/**
 * dLoss/dWeight of a convolution. Ungrouped 2-D ones take one GEMM against `patches` when the
 * forward pass built them, else an im2col GEMM, or with 32 channels in and out one GEMM per
 * kernel tap (convIm2col.ts); the rest,
 * as another convolution (docs/engine-notes.md, convolution): the input becomes
 * the batch of a grouped conv whose kernel is dY, with stride and dilation swapped, then the
 * result is transposed back to (M, C/g, *K) and sliced to K (floor mode can leave unused rows).
 */
export function convWeightGrad(
  b: OnnxBuilder,
  node: string,
  x: string,
  xShape: number[],
  dy: string,
  dyShape: number[],
  groups: number,
  w: ConvWindow2d,
  patches?: Patches,
): string {
  const [n, c, ...spatial] = xShape;
  const [, m, ...outSpatial] = dyShape;
  const axes = spatial.length;
  if (axes === 2 && groups === 1) {
    const operands = { b, node, x, xShape, dy, dyShape, w };
    if (patches) return weightGradFromPatches(operands, patches);
    if (m < SLICES_MIN_OUT_CHANNELS) return convWeightGradGather(operands);
    return c < TAPS_MIN_IN_CHANNELS ? convWeightGradSlices(operands) : convWeightGradTaps(operands);
  }
  const rest = Array.from({ length: axes }, (_, i) => 3 + i);
  const xr = reshape(
    b,
    b.op('Transpose', [reshape(b, x, [n, groups, c / groups, ...spatial])], { perm: [2, 1, 0, ...rest] }),
    [c / groups, groups * n, ...spatial],
  );
  const dyr = reshape(
    b,
    b.op('Transpose', [reshape(b, dy, [n, groups, m / groups, ...outSpatial])], { perm: [1, 2, 0, ...rest] }),
    [m, n, ...outSpatial],
  );
  const full = b.op(
    'Conv',
    [xr, dyr],
    { group: groups, strides: w.dilation, dilations: w.stride, pads: [...w.padBefore, ...w.padAfter] },
    { name: `${node}/grad_weight` },
  );
  const perm = b.op('Transpose', [full], { perm: [1, 0, ...Array.from({ length: axes }, (_, i) => 2 + i)] });
  const spatialAxes = Array.from({ length: axes }, (_, i) => 2 + i);
  return b.op('Slice', [
    perm,
    b.int64s('starts', Array(axes).fill(0)),
    b.int64s('ends', w.kernel),
    b.int64s('slice_axes', spatialAxes),
  ]);
}

/** dX via ConvTranspose with output_padding = (H + b + e - k_eff) mod s, so the shape is exact. */
export function convInputGrad(
  b: OnnxBuilder,
  node: string,
  dy: string,
  weight: string,
  xShape: number[],
  groups: number,
  w: ConvWindow2d,
): string {
  const spatial = xShape.slice(2);
  const outputPadding = spatial.map(
    (h, i) =>
      (h + w.padBefore[i] + w.padAfter[i] - effectiveKernel(w.kernel[i], w.dilation[i])) % w.stride[i],
  );
  return b.op(
    'ConvTranspose',
    [dy, weight],
    {
      kernel_shape: w.kernel,
      strides: w.stride,
      dilations: w.dilation,
      group: groups,
      pads: [...w.padBefore, ...w.padAfter],
      output_padding: outputPadding,
    },
    { name: `${node}/grad_input` },
  );
}

export function convGradient(axes: number, ctx: GradContext<ConvAttrs>): Gradients {
  const { b, attrs: a } = ctx;
  const w = window(axes, a);
  const xShape = dims(ctx.inputShapes[0]);
  const dyShape = dims(ctx.outputShape);
  let dW = convWeightGrad(
    b,
    ctx.node,
    ctx.inputs[0],
    xShape,
    ctx.dy,
    dyShape,
    a.groups,
    w,
    ctx.saved.patches ? { matrix: ctx.saved.patches, batchLast: true } : undefined,
  );
  if (ctx.saved.mask) dW = b.op('Mul', [dW, ctx.saved.mask]);
  const params: Record<string, string> = { weight: dW };
  // Spatial axes first, then the batch: twice as fast in onnxruntime as one ReduceSum over both.
  const spatialAxes = Array.from({ length: axes }, (_, i) => 2 + i);
  if (a.bias) params.bias = reduceSum(b, reduceSum(b, ctx.dy, spatialAxes, false), [0], false);
  let dX: string | null = null;
  if (ctx.needInput[0]) {
    const narrow =
      axes === 2 && a.groups === 1
        ? convInputGradGemm(b, ctx.node, ctx.dy, dyShape, ctx.saved.weight, xShape, w)
        : null;
    dX = narrow ?? convInputGrad(b, ctx.node, ctx.dy, ctx.saved.weight, xShape, a.groups, w);
  }
  return { inputs: [dX], params };
}

// ---------------------------------------------------------------------------------------------
// ONNX import

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
        const table = connectionTableOf(mul, dims);
        if (table) {
          weight = table.weight;
          attributes.connection_table = table.rows;
        }
      }
      const folded =
        node.options.foldBatchNorm && !attributes.connection_table ? foldBatchNorm(node, weight, bias) : null;
      if (folded) return { attributes: { ...attributes, bias: true }, ...folded };
      return { attributes, params: { weight, ...(bias ? { bias } : {}) } };
    },
  };
}

/**
 * The Conv's weight and bias with the BatchNormalization that alone reads it folded in (inference
 * form only): W' = W·γ/√(σ²+ε) per output channel, b' = (b − μ)·γ/√(σ²+ε) + β, computed in double.
 */
function foldBatchNorm(conv: NodeView, weight: Float32Array, bias: Float32Array | undefined) {
  const bn = onlyReader(conv, 'BatchNormalization');
  const k = bn && batchNormConstants(bn, [rankOf(conv.inputs[0])!]);
  const out = k?.weight.length ?? 0;
  if (!bn || !k || k.training || out === 0 || weight.length % out !== 0) return null;
  const per = weight.length / out;
  const w = new Float32Array(weight.length);
  const b = new Float32Array(out);
  for (let o = 0; o < out; o++) {
    const scale = k.weight[o] / Math.sqrt(k.variance[o] + k.eps);
    for (let i = 0; i < per; i++) w[o * per + i] = weight[o * per + i] * scale;
    b[o] = ((bias?.[o] ?? 0) - k.mean[o]) * scale + k.bias[o];
  }
  return { params: { weight: w, bias: b }, absorbs: [bn] };
}

function connectionTableOf(mul: NodeView, dims: number[]): { weight: Float32Array; rows: number[][] } | null {
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

/** LeNet-5's C3 in PyTorch: a Conv2d that multiplies its weight by the connection table's mask. */
const MASKED_CONV2D = {
  name: 'MaskedConv2d',
  code: `class MaskedConv2d(nn.Conv2d):
    """A Conv2d whose output channel o sees only the input channels i where table[o][i] is 1
    (LeNet-5's C3 connection table); unconnected weights act as zero and get no gradient."""

    def __init__(self, *args, table, **kwargs):
        super().__init__(*args, **kwargs)
        mask = torch.tensor(table, dtype=self.weight.dtype)[:, :, None, None]
        self.register_buffer("mask", mask.expand_as(self.weight).clone(), persistent=False)

    def forward(self, x):
        return self._conv_forward(x, self.weight * self.mask, self.bias)`,
};

/**
 * nn.Conv1d/nn.Conv2d with PyTorch's defaults left out. Asymmetric padding, which PyTorch's
 * convolutions don't take, becomes an F.pad before the call.
 */
export function convToTorch(axes: number, ctx: TorchContext<ConvAttrs>): TorchSpelling {
  const a = ctx.attrs;
  const w = window(axes, a);
  const symmetric = w.padBefore.every((p, i) => p === w.padAfter[i]);
  const pad: PyValue =
    a.padding === 'same' || a.padding === 'valid' ? a.padding : symmetric ? oneOrTuple(w.padBefore) : 0;
  const table = a.connection_table;
  const module = call(
    table ? 'MaskedConv2d' : `nn.Conv${axes}d`,
    [ctx.inputShapes[0][1] as number, a.out_channels!],
    [
      ['kernel_size', oneOrTuple(w.kernel)],
      ['stride', oneOrTuple(w.stride), 1],
      ['padding', pad, 0],
      ['dilation', oneOrTuple(w.dilation), 1],
      ['groups', a.groups!, 1],
      ['bias', a.bias!, true],
      ...(table ? [['table', { raw: pyMatrix(table, '        ') }] as [string, PyValue]] : []),
    ],
  );
  // F.pad lists the last axis first: (left, right, top, bottom).
  const fpad = w.padBefore.flatMap((_, i, all) => [
    w.padBefore[all.length - 1 - i],
    w.padAfter[all.length - 1 - i],
  ]);
  return {
    module,
    ...(pad === 0 && !symmetric ? { call: (self, [x]) => `${self}(F.pad(${x}, ${py(fpad)}))` } : {}),
    ...(table ? { helpers: [MASKED_CONV2D] } : {}),
  };
}
