// Window arithmetic of Conv, ConvTranspose and the pools: kernel, strides, dilations and pads
// (auto_pad resolved for known sizes) to output sizes.
import type { Dim, Shape } from '../../../tensor/shape.ts';
import { effectiveKernel, windowOutput } from '../../../tensor/window.ts';
import type { Attrs } from '../attrs.ts';
import { InferError, known, UNKNOWN } from './core.ts';

export interface Window {
  kernel: number[];
  strides: number[];
  dilations: number[];
  pads: number[] | 'SAME_UPPER' | 'SAME_LOWER' | 'VALID';
}

export function readWindow(a: Attrs, spatial: number, kernel?: number[]): Window {
  const k = a.ints('kernel_shape') ?? kernel;
  if (!k || k.length !== spatial) throw new InferError('kernel_shape is missing or has the wrong length');
  const autoPad = a.string('auto_pad', 'NOTSET');
  const pads =
    autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER' || autoPad === 'VALID'
      ? autoPad
      : (a.ints('pads') ?? Array(2 * spatial).fill(0));
  return {
    kernel: k,
    strides: a.ints('strides') ?? Array(spatial).fill(1),
    dilations: a.ints('dilations') ?? Array(spatial).fill(1),
    pads,
  };
}

/** Explicit (before..., after...) pads of a window, resolving auto_pad for known input sizes. */
export function resolvePads(w: Window, spatialIn: readonly Dim[]): number[] | null {
  const n = w.kernel.length;
  if (Array.isArray(w.pads)) return w.pads;
  if (w.pads === 'VALID') return Array(2 * n).fill(0);
  const before: number[] = [];
  const after: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = spatialIn[i];
    if (!known(x)) return null;
    const out = Math.ceil(x / w.strides[i]);
    const totalPad = Math.max(0, (out - 1) * w.strides[i] + effectiveKernel(w.kernel[i], w.dilations[i]) - x);
    const small = Math.floor(totalPad / 2);
    before.push(w.pads === 'SAME_UPPER' ? small : totalPad - small);
    after.push(w.pads === 'SAME_UPPER' ? totalPad - small : small);
  }
  return [...before, ...after];
}

export function windowShape(x: Shape, w: Window, ceil: boolean): Dim[] {
  const n = w.kernel.length;
  const spatial = x.slice(2);
  if (spatial.length !== n) throw new InferError(`expected ${n} spatial dims, got ${spatial.length}`);
  const out: Dim[] = [];
  for (let i = 0; i < n; i++) {
    const d = spatial[i];
    if (!known(d)) {
      out.push(UNKNOWN);
      continue;
    }
    if (w.pads === 'SAME_UPPER' || w.pads === 'SAME_LOWER') {
      out.push(Math.ceil(d / w.strides[i]));
      continue;
    }
    const pads = w.pads === 'VALID' ? Array(2 * n).fill(0) : w.pads;
    const span = d + pads[i] + pads[i + n] - effectiveKernel(w.kernel[i], w.dilations[i]);
    if (span < 0) throw new InferError('the window is larger than the padded input');
    out.push(windowOutput(d, w.kernel[i], w.strides[i], pads[i], pads[i + n], w.dilations[i], ceil));
  }
  return out;
}
