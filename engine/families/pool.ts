// The 2-D pooling family: PyTorch's MaxPool2d/AvgPool2d attributes, shapes and receptive field.
import type { AttrValues, LowerContext, RFTransfer } from '../layer.ts';
import { bool, intOrTuple } from '../layer.ts';
import type { Problem } from '../diagnostics.ts';
import { problem } from '../diagnostics.ts';
import type { Shape } from '../tensor/shape.ts';
import { effectiveKernel } from '../tensor/window.ts';
import { expectRank, slideWindow, windowParams } from '../tensor/convShape.ts';

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

const window = (a: PoolAttrs) => windowParams(AXES, a.kernel_size!, a.stride, a.padding!, a.dilation ?? 1);

export function poolCheck(name: string, a: PoolAttrs, inputs: Shape[]): Problem | null {
  const rank = expectRank(inputs[0], AXES, name);
  if (rank) return rank;
  const w = window(a);
  // PyTorch: "pad should be at most half of effective kernel size".
  if (w.padBefore.some((p, i) => 2 * p > effectiveKernel(w.kernel[i], w.dilation[i])))
    return problem(
      `padding (${w.padBefore.join(', ')}) must be at most half of kernel_size (${w.kernel.join(', ')}).`,
      'padding',
    );
  return null;
}

export function poolOutput(a: PoolAttrs, inputs: Shape[]): Shape | Problem {
  const x = inputs[0];
  const spatial = slideWindow(x.slice(2), window(a), a.ceil_mode!);
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

/** ONNX MaxPool / AveragePool with every PyTorch attribute spelled out. */
export function poolToOnnx(
  opType: 'MaxPool' | 'AveragePool',
  ctx: LowerContext<PoolAttrs & { count_include_pad?: boolean }>,
): string {
  const a = ctx.attrs;
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
