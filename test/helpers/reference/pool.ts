// 2-D pooling with PyTorch semantics (aten/src/ATen/native/Pool.h and the CPU kernels):
// output size with ceil_mode, -inf padding for max, and AvgPool2d's divisor rules.
import type { Attrs } from './attrs.ts';
import { attrBool, perAxis } from './attrs.ts';
import type { RefTensor } from './tensor.ts';
import { fmt, refTensor } from './tensor.ts';

/**
 * pooling_output_shape: floor or ceil of (in + 2*pad - dilation*(k-1) - 1)/stride, plus one;
 * with ceil_mode the last window must start inside the input or the left padding.
 */
export function poolOutputSize(
  input: number,
  kernel: number,
  stride: number,
  pad: number,
  dilation: number,
  ceilMode: boolean,
): number {
  const num = input + 2 * pad - dilation * (kernel - 1) - 1 + (ceilMode ? stride - 1 : 0);
  let out = Math.floor(num / stride) + 1;
  if (ceilMode && (out - 1) * stride >= input + pad) out -= 1;
  return out;
}

interface PoolWindow {
  kernel: number[];
  stride: number[];
  pad: number[];
  dilation: number[];
  ceil: boolean;
  out: number[];
}

function poolWindow(name: string, a: Attrs, x: RefTensor, dilated: boolean): PoolWindow {
  if (x.shape.length !== 4) throw new Error(`${name} expects a 4-d input, got ${fmt(x.shape)}`);
  const kernel = perAxis('kernel_size', a.kernel_size, 2);
  const stride = a.stride === null || a.stride === undefined ? kernel : perAxis('stride', a.stride, 2);
  const pad = perAxis('padding', a.padding, 2);
  const dilation = dilated ? perAxis('dilation', a.dilation ?? 1, 2) : [1, 1];
  const ceil = attrBool(a, 'ceil_mode');
  // pool2d_shape_check: kW/2 >= padW (the undilated kernel).
  if (pad.some((p, i) => p < 0 || p > Math.floor(kernel[i] / 2)))
    throw new Error(
      `${name}: pad should be smaller than or equal to half of kernel size (pad ${pad}, kernel ${kernel})`,
    );
  const out = [0, 1].map((i) =>
    poolOutputSize(x.shape[2 + i], kernel[i], stride[i], pad[i], dilation[i], ceil),
  );
  if (out.some((o) => o < 1)) throw new Error(`${name}: output size ${out.join('x')} is too small`);
  return { kernel, stride, pad, dilation, ceil, out };
}

export function maxPool2d(a: Attrs, x: RefTensor): RefTensor {
  const p = poolWindow('MaxPool2d', a, x, true);
  const [n, c, h, w] = x.shape;
  const [oh, ow] = p.out;
  const y = refTensor([n, c, oh, ow]);
  for (let m = 0; m < n * c; m++) {
    for (let r = 0; r < oh; r++) {
      for (let q = 0; q < ow; q++) {
        let best = -Infinity;
        for (let i = 0; i < p.kernel[0]; i++) {
          const ih = r * p.stride[0] - p.pad[0] + i * p.dilation[0];
          if (ih < 0 || ih >= h) continue; // padding is -inf: never the max
          for (let j = 0; j < p.kernel[1]; j++) {
            const iw = q * p.stride[1] - p.pad[1] + j * p.dilation[1];
            if (iw < 0 || iw >= w) continue;
            const v = x.data[(m * h + ih) * w + iw];
            if (v > best || Number.isNaN(v)) best = v; // NaN propagates, as in PyTorch
          }
        }
        y.data[(m * oh + r) * ow + q] = best;
      }
    }
  }
  return y;
}

/**
 * AvgPool2d: the window [start, start + k) is first clipped to the padded input
 * [-pad, in + pad) (its size is the divisor with count_include_pad), then to the input itself
 * (the summed region, and the divisor without count_include_pad).
 */
export function avgPool2d(a: Attrs, x: RefTensor): RefTensor {
  if (a.dilation !== undefined) throw new Error('AvgPool2d has no dilation');
  const p = poolWindow('AvgPool2d', a, x, false);
  const includePad = attrBool(a, 'count_include_pad');
  const [n, c, h, w] = x.shape;
  const [oh, ow] = p.out;
  const y = refTensor([n, c, oh, ow]);
  for (let m = 0; m < n * c; m++) {
    for (let r = 0; r < oh; r++) {
      let h0 = r * p.stride[0] - p.pad[0];
      let h1 = Math.min(h0 + p.kernel[0], h + p.pad[0]);
      const hPadded = h1 - h0;
      h0 = Math.max(h0, 0);
      h1 = Math.min(h1, h);
      for (let q = 0; q < ow; q++) {
        let w0 = q * p.stride[1] - p.pad[1];
        let w1 = Math.min(w0 + p.kernel[1], w + p.pad[1]);
        const wPadded = w1 - w0;
        w0 = Math.max(w0, 0);
        w1 = Math.min(w1, w);
        let sum = 0;
        for (let i = h0; i < h1; i++) for (let j = w0; j < w1; j++) sum += x.data[(m * h + i) * w + j];
        const divisor = includePad ? hPadded * wPadded : (h1 - h0) * (w1 - w0);
        y.data[(m * oh + r) * ow + q] = sum / divisor;
      }
    }
  }
  return y;
}

/** AdaptiveAvgPool2d(1): the mean of each channel over H and W. */
export function globalAvgPool2d(x: RefTensor): RefTensor {
  if (x.shape.length !== 4) throw new Error(`GlobalAvgPool2d expects a 4-d input, got ${fmt(x.shape)}`);
  const [n, c, h, w] = x.shape;
  const y = refTensor([n, c, 1, 1]);
  for (let m = 0; m < n * c; m++) {
    let sum = 0;
    for (let i = 0; i < h * w; i++) sum += x.data[m * h * w + i];
    y.data[m] = sum / (h * w);
  }
  return y;
}
