// Output shapes of the convolution and pooling families, with the diagnostics a user needs when
// a window does not fit. Shared by conv1d, conv2d, convTranspose2d, maxPool2d and avgPool2d.
import type { Problem } from '../diagnostics.ts';
import { problem } from '../diagnostics.ts';
import type { Dim, Shape } from './shape.ts';
import { isKnown, perAxis } from './shape.ts';
import type { PaddingValue } from './window.ts';
import { effectiveKernel, resolvePadding, transposedOutput, windowOutput } from './window.ts';

const AXIS_NAMES: Record<number, string[]> = { 1: ['L'], 2: ['H', 'W'], 3: ['D', 'H', 'W'] };

export interface WindowParams {
  kernel: number[];
  stride: number[];
  dilation: number[];
  padBefore: number[];
  padAfter: number[];
}

export function windowParams(
  axes: number,
  kernel: number | readonly number[],
  stride: number | readonly number[] | null,
  padding: PaddingValue,
  dilation: number | readonly number[] = 1,
): WindowParams {
  const k = perAxis(kernel, axes);
  const d = perAxis(dilation, axes);
  const pad = resolvePadding(padding, axes, k, d);
  return {
    kernel: k,
    stride: perAxis(stride ?? k, axes),
    dilation: d,
    padBefore: pad.before,
    padAfter: pad.after,
  };
}

/** Checks that the input is N, C, *spatial with `axes` spatial dimensions. */
export function expectRank(input: Shape, axes: number, layer: string): Problem | null {
  if (input.length === axes + 2) return null;
  const want = ['N', 'C', ...AXIS_NAMES[axes]].join(', ');
  const fix =
    input.length === 2 && axes > 0
      ? ' A flat (N, features) tensor reaches it: reshape it first, or use Linear.'
      : input.length > axes + 2
        ? ` Use the ${input.length - 2}-d version of the layer, or reshape first.`
        : '';
  return problem(
    `${layer} expects a (${want}) input but gets ${input.length}-d [${input.join(', ')}].${fix}`,
  );
}

/** Spatial output sizes of a sliding window, or a problem naming the axis that does not fit. */
export function slideWindow(spatial: Dim[], w: WindowParams, ceilMode = false): Dim[] | Problem {
  const out: Dim[] = [];
  for (let i = 0; i < spatial.length; i++) {
    const n = spatial[i];
    if (!isKnown(n)) {
      out.push(n);
      continue;
    }
    const kEff = effectiveKernel(w.kernel[i], w.dilation[i]);
    const padded = n + w.padBefore[i] + w.padAfter[i];
    // ceil_mode keeps a partial window, so only an empty output is an error there (as in PyTorch).
    if (
      kEff > padded &&
      !(
        ceilMode &&
        windowOutput(n, w.kernel[i], w.stride[i], w.padBefore[i], w.padAfter[i], w.dilation[i], true) >= 1
      )
    ) {
      const axis = AXIS_NAMES[spatial.length]?.[i] ?? `axis ${i}`;
      return problem(
        `the ${kEff}-wide window (kernel_size${w.dilation[i] > 1 ? ' with dilation' : ''}) is larger than the padded input (${padded}) along ${axis}; use a smaller kernel_size or more padding, or remove a downsampling layer before it.`,
        'kernel_size',
      );
    }
    out.push(
      windowOutput(n, w.kernel[i], w.stride[i], w.padBefore[i], w.padAfter[i], w.dilation[i], ceilMode),
    );
  }
  return out;
}

export function transposeWindow(
  spatial: Dim[],
  kernel: number[],
  stride: number[],
  padding: number[],
  outputPadding: number[],
  dilation: number[],
): Dim[] {
  return spatial.map((n, i) =>
    isKnown(n) ? transposedOutput(n, kernel[i], stride[i], padding[i], outputPadding[i], dilation[i]) : n,
  );
}

export function spatialProduct(shape: Shape): number {
  let n = 1;
  for (const d of shape.slice(2)) n *= isKnown(d) ? d : NaN;
  return n;
}
