// Window arithmetic shared by every convolution and pooling layer (PyTorch's output-size formulas).
import { perAxis } from './shape.ts';

export type PaddingValue = number | readonly number[] | 'same' | 'valid';

/** Padding resolved per spatial axis into the amount before and after. */
export interface AxisPadding {
  before: number[];
  after: number[];
}

export function effectiveKernel(kernel: number, dilation: number): number {
  return dilation * (kernel - 1) + 1;
}

/**
 * Resolves PyTorch padding forms: an int, one value per axis (symmetric), two per axis in
 * (before..., after...) order (asymmetric, as in ONNX `pads`), 'valid' (zero) or 'same'
 * (stride 1 only; PyTorch puts the odd extra element after, as we do).
 */
export function resolvePadding(
  padding: PaddingValue,
  axes: number,
  kernel: number[],
  dilation: number[],
): AxisPadding {
  if (padding === 'valid') return { before: Array(axes).fill(0), after: Array(axes).fill(0) };
  if (padding === 'same') {
    const before: number[] = [];
    const after: number[] = [];
    for (let i = 0; i < axes; i++) {
      const total = effectiveKernel(kernel[i], dilation[i]) - 1;
      before.push(Math.floor(total / 2));
      after.push(total - Math.floor(total / 2));
    }
    return { before, after };
  }
  if (typeof padding !== 'number' && padding.length === 2 * axes) {
    return { before: padding.slice(0, axes), after: padding.slice(axes) };
  }
  const p = perAxis(padding as number | number[], axes);
  return { before: p, after: [...p] };
}

/** Output length of a convolution or pooling window along one axis. */
export function windowOutput(
  input: number,
  kernel: number,
  stride: number,
  padBefore: number,
  padAfter: number,
  dilation = 1,
  ceilMode = false,
): number {
  const span = input + padBefore + padAfter - effectiveKernel(kernel, dilation);
  if (!ceilMode) return Math.floor(span / stride) + 1;
  let out = Math.ceil(span / stride) + 1;
  // PyTorch: the last window must start inside the input or the left padding.
  if ((out - 1) * stride >= input + padBefore) out -= 1;
  return out;
}

/** Output length of a transposed convolution (PyTorch ConvTranspose formula). */
export function transposedOutput(
  input: number,
  kernel: number,
  stride: number,
  padding: number,
  outputPadding: number,
  dilation: number,
): number {
  return (input - 1) * stride - 2 * padding + dilation * (kernel - 1) + outputPadding + 1;
}
