// The 2-D pooling family: PyTorch's MaxPool2d/AvgPool2d attributes, shapes, receptive field,
// lowering, gradients and ONNX import pattern.
import type {
  AttrValues,
  GradContext,
  Gradients,
  LowerContext,
  RFTransfer,
  TorchContext,
  TorchSpelling,
} from '../layer.ts';
import { call, oneOrTuple, type PyValue } from '../export/pytorch/python.ts';
import { dims, reshape, zeros } from '../autodiff/ops.ts';
import { bool, intOrTuple } from '../layer.ts';
import type { Problem } from '../diagnostics.ts';
import { problem } from '../diagnostics.ts';
import type { Shape } from '../tensor/shape.ts';
import { effectiveKernel } from '../tensor/window.ts';
import { expectRank, slideWindow, windowParams } from '../tensor/convShape.ts';
import type { AttrValue } from '../layer.ts';
import { windowOutput } from '../tensor/window.ts';
import { firstMaxGradient, tiledMaxPool, tiledPoolSize } from './poolFirstMax.ts';
import { compact, isData, onlyAttrs, onlyOutputUsed, rankOf, windowOf } from '../onnx/import/view.ts';
import type { OnnxImport } from '../onnx/import/view.ts';

const AXES = 2;

export function poolAttributes() {
  return {
    kernel_size: intOrTuple({ default: 2, min: 1, axes: AXES, doc: 'Window size.' }),
    stride: intOrTuple({
      default: null,
      min: 1,
      axes: AXES,
      nullable: true,
      doc: 'Step between windows; empty means kernel_size (PyTorch default).',
    }),
    padding: intOrTuple({
      default: 0,
      min: 0,
      axes: AXES,
      doc: 'Implicit padding on both sides; at most half the kernel.',
    }),
    ceil_mode: bool({ default: false, doc: 'Round the output size up, so a partial last window is kept.' }),
  };
}

/** MaxPool2d only (AvgPool2d has no dilation in PyTorch). */
export const poolDilation = intOrTuple({
  default: 1,
  min: 1,
  axes: AXES,
  doc: 'Spacing between window taps.',
});

type PoolAttrs = AttrValues<ReturnType<typeof poolAttributes>> & {
  dilation?: number | readonly number[] | null;
};

const window = (a: PoolAttrs) => windowParams(AXES, a.kernel_size, a.stride, a.padding, a.dilation ?? 1);

export function poolCheck(name: string, a: PoolAttrs, inputs: Shape[]): Problem | null {
  const rank = expectRank(inputs[0], AXES, name);
  if (rank) return rank;
  const w = window(a);
  // PyTorch (ATen Pool.h) checks kernel/2 >= padding on the undilated kernel.
  if (w.padBefore.some((p, i) => 2 * p > w.kernel[i]))
    return problem(
      `padding (${w.padBefore.join(', ')}) must be at most half of kernel_size (${w.kernel.join(', ')}).`,
      'padding',
    );
  return null;
}

export function poolOutput(a: PoolAttrs, inputs: Shape[]): Shape | Problem {
  const x = inputs[0];
  const spatial = slideWindow(x.slice(2), window(a), a.ceil_mode);
  return Array.isArray(spatial) ? [x[0], x[1], ...spatial] : spatial;
}

export function poolField(a: PoolAttrs): RFTransfer {
  const w = window(a);
  return {
    kind: 'window',
    kernel: w.kernel.map((k, i) => effectiveKernel(k, w.dilation[i])),
    stride: w.stride,
    pad: w.padBefore,
  };
}

/**
 * Per axis, the end padding that makes floor mode give PyTorch's output size (ceil_mode and
 * padding are emitted explicitly in train graphs: onnxruntime's ceil-mode shape inference can
 * disagree with its kernels), and the ConvTranspose output_padding that restores the input size.
 */
function trainGeometry(a: PoolAttrs, input: number[], output: number[]) {
  const w = window(a);
  const spatial = input.slice(2);
  const out = output.slice(2);
  const keff = w.kernel.map((k, i) => effectiveKernel(k, w.dilation[i]));
  const endPad = spatial.map((h, i) =>
    Math.max(w.padAfter[i], (out[i] - 1) * w.stride[i] + keff[i] - h - w.padBefore[i]),
  );
  const outputPadding = spatial.map(
    (h, i) => h + w.padBefore[i] + endPad[i] - keff[i] - w.stride[i] * (out[i] - 1),
  );
  return { w, spatial, out, keff, endPad, outputPadding };
}

/** 1/divisor of every output window, PyTorch's rule: count_include_pad counts padding up to
 *  H + padding (not what ceil mode hangs beyond it); otherwise only real input cells. */
function divisorMap(
  a: PoolAttrs & { count_include_pad?: boolean },
  spatial: number[],
  out: number[],
): Float32Array {
  const w = window(a);
  const counts = spatial.map((h, axis) =>
    Array.from({ length: out[axis] }, (_, o) => {
      const start = o * w.stride[axis] - w.padBefore[axis];
      const end = start + w.kernel[axis] - 1;
      const lo = a.count_include_pad ? Math.max(start, -w.padBefore[axis]) : Math.max(start, 0);
      const hi = a.count_include_pad ? Math.min(end, h + w.padAfter[axis] - 1) : Math.min(end, h - 1);
      return hi - lo + 1;
    }),
  );
  const map = new Float32Array(out[0] * out[1]);
  for (let i = 0; i < out[0]; i++)
    for (let j = 0; j < out[1]; j++) map[i * out[1] + j] = 1 / (counts[0][i] * counts[1][j]);
  return map;
}

/** ONNX MaxPool / AveragePool with every PyTorch attribute spelled out. */
export function poolToOnnx(
  opType: 'MaxPool' | 'AveragePool',
  ctx: LowerContext<PoolAttrs & { count_include_pad?: boolean }>,
): string {
  const a = ctx.attrs;
  if (ctx.training) return opType === 'MaxPool' ? maxPoolTrain(ctx) : avgPoolTrain(ctx);
  const w = window(a);
  return ctx.b.op(
    opType,
    [ctx.inputs[0]],
    {
      kernel_shape: w.kernel,
      strides: w.stride,
      pads: [...w.padBefore, ...w.padAfter],
      ceil_mode: a.ceil_mode ? 1 : 0,
      ...(opType === 'MaxPool'
        ? { dilations: w.dilation }
        : { count_include_pad: a.count_include_pad ? 1 : 0 }),
    },
    { name: ctx.node, output: ctx.output },
  );
}

/**
 * Pads with -inf explicitly (pools reject pads >= kernel). Windows that tile the input keep only
 * MaxPool's output (the gradient finds the maxima again, poolFirstMax.ts); others keep the
 * argmax indices.
 */
function maxPoolTrain(ctx: LowerContext<PoolAttrs>): string {
  const { b } = ctx;
  const input = dims(ctx.inputShapes[0]);
  const g = trainGeometry(ctx.attrs, input, dims(ctx.outputShape));
  const tiled = tiledPoolSize(g.w.kernel, g.w.stride, g.w.dilation, input, g.w.padBefore, g.out);
  const endPad = tiled ? tiled.map((t, i) => t - g.spatial[i] - g.w.padBefore[i]) : g.endPad;
  let x = ctx.inputs[0];
  if (g.w.padBefore.some((p) => p > 0) || endPad.some((p) => p > 0)) {
    const pads = b.int64s(`${ctx.node}.pads`, [0, 0, ...g.w.padBefore, 0, 0, ...endPad]);
    x = b.op('Pad', [x, pads, b.scalar(-Infinity)], { mode: 'constant' }, { name: `${ctx.node}/pad` });
  }
  const attrs = { kernel_shape: g.w.kernel, strides: g.w.stride, dilations: g.w.dilation };
  if (tiled) {
    const pool = tiledMaxPool(b, ctx.node, x, [input[0], input[1], ...tiled], g.w.kernel, ctx.output);
    ctx.saved.planes = pool.planes;
    ctx.saved.pooled = pool.pooled;
    return pool.y;
  }
  const [y, indices] = b.opN('MaxPool', [x], attrs, [ctx.output, `${ctx.node}.indices`], { name: ctx.node });
  ctx.saved.indices = indices;
  return y;
}

/** Average pooling as a depthwise sum-convolution times the divisor map (docs/engine-notes.md, pooling). */
function avgPoolTrain(ctx: LowerContext<PoolAttrs & { count_include_pad?: boolean }>): string {
  const { b } = ctx;
  const input = dims(ctx.inputShapes[0]);
  const g = trainGeometry(ctx.attrs, input, dims(ctx.outputShape));
  const channels = input[1];
  const ones = b.floats(
    `${ctx.node}.ones`,
    [channels, 1, ...g.w.kernel],
    new Float32Array(channels * g.w.kernel[0] * g.w.kernel[1]).fill(1),
  );
  const scale = b.floats(`${ctx.node}.divisor`, [1, 1, ...g.out], divisorMap(ctx.attrs, g.spatial, g.out));
  ctx.saved.ones = ones;
  ctx.saved.scale = scale;
  const sums = b.op(
    'Conv',
    [ctx.inputs[0], ones],
    { group: channels, kernel_shape: g.w.kernel, strides: g.w.stride, pads: [...g.w.padBefore, ...g.endPad] },
    { name: `${ctx.node}/window_sum` },
  );
  return b.op('Mul', [sums, scale], {}, { name: ctx.node, output: ctx.output });
}

export function maxPoolGradient(ctx: GradContext<PoolAttrs>): Gradients {
  const { b } = ctx;
  const input = dims(ctx.inputShapes[0]);
  const g = trainGeometry(ctx.attrs, input, dims(ctx.outputShape));
  const tiled = tiledPoolSize(g.w.kernel, g.w.stride, g.w.dilation, input, g.w.padBefore, g.out);
  const padded = [
    input[0],
    input[1],
    ...(tiled ?? g.spatial.map((h, i) => h + g.w.padBefore[i] + g.endPad[i])),
  ];
  let dx: string;
  if (tiled)
    dx = firstMaxGradient(
      b,
      ctx.node,
      { planes: ctx.saved.planes, pooled: ctx.saved.pooled },
      ctx.dy,
      padded,
      g.w.kernel,
    );
  else if (g.w.stride.every((s, i) => s >= g.keff[i])) {
    // Windows don't overlap, so every input cell has at most one gradient: MaxUnpool places them
    // without the accumulation (and cost) of ScatterElements.
    dx = b.op(
      'MaxUnpool',
      [ctx.dy, ctx.saved.indices, b.int64s('shape', padded)],
      { kernel_shape: g.w.kernel, strides: g.w.stride },
      { name: `${ctx.node}/grad_unpool` },
    );
  } else {
    const total = padded.reduce((p, d) => p * d, 1);
    const flat = b.op(
      'ScatterElements',
      [zeros(b, [total]), reshape(b, ctx.saved.indices, [-1]), reshape(b, ctx.dy, [-1])],
      { axis: 0, reduction: 'add' },
      { name: `${ctx.node}/grad_scatter` },
    );
    dx = reshape(b, flat, padded);
  }
  if (padded.some((d, i) => d !== input[i]))
    dx = b.op('Slice', [
      dx,
      b.int64s('starts', g.w.padBefore),
      b.int64s(
        'ends',
        g.w.padBefore.map((p, i) => p + g.spatial[i]),
      ),
      b.int64s('slice_axes', [2, 3]),
    ]);
  return { inputs: [dx], params: {} };
}

export function avgPoolGradient(ctx: GradContext<PoolAttrs & { count_include_pad?: boolean }>): Gradients {
  const { b } = ctx;
  const input = dims(ctx.inputShapes[0]);
  const g = trainGeometry(ctx.attrs, input, dims(ctx.outputShape));
  const dx = b.op(
    'ConvTranspose',
    [b.op('Mul', [ctx.dy, ctx.saved.scale]), ctx.saved.ones],
    {
      group: input[1],
      kernel_shape: g.w.kernel,
      strides: g.w.stride,
      pads: [...g.w.padBefore, ...g.endPad],
      output_padding: g.outputPadding,
    },
    { name: `${ctx.node}/grad_input` },
  );
  return { inputs: [dx], params: {} };
}

// ---------------------------------------------------------------------------------------------
// ONNX import

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

/** nn.MaxPool2d / nn.AvgPool2d with PyTorch's defaults left out (stride defaults to the kernel). */
export function poolToTorch(
  module: 'nn.MaxPool2d' | 'nn.AvgPool2d',
  ctx: TorchContext<PoolAttrs & { count_include_pad?: boolean }>,
): TorchSpelling {
  const a = ctx.attrs;
  const w = window(a);
  const kernel = oneOrTuple(w.kernel);
  return {
    module: call(
      module,
      [],
      [
        ['kernel_size', kernel],
        ['stride', oneOrTuple(w.stride), kernel],
        ['padding', oneOrTuple(w.padBefore), 0],
        ...(a.dilation !== undefined
          ? [['dilation', oneOrTuple(w.dilation), 1] as [string, PyValue, PyValue]]
          : []),
        ['ceil_mode', a.ceil_mode!, false],
        ...(a.count_include_pad !== undefined
          ? [['count_include_pad', a.count_include_pad, true] as [string, PyValue, PyValue]]
          : []),
      ],
    ),
  };
}
