// MaxPool's input gradient without MaxPool's Indices output, for windows that tile the (padded)
// input exactly: kernel = stride ≤ 2, no dilation (LeNet-5's and mini-VGG's 2×2 pools).
//
// Why: asking onnxruntime 1.30 for Indices selects its generic pooling loop instead of MLAS
// (LeNet-5's first pool, 128×6×28×28: 1.2–3.3 ms against 0.15–0.25 ms without). Here the forward
// pass is the plain MaxPool, and the backward pass finds each window's first maximum again (rows,
// then columns: PyTorch's and onnxruntime's tie-break) from more plain MaxPools over
// sub-rectangles anchored at the window's top-left corner: row 0 holds the maximum when the 1×2
// rectangle does; in row 0 it is in column 0 when the 1×1 rectangle holds it, in row 1 (row 0
// holding none) when the 2×1 one does. Every comparison is at the output's size; MaxUnpool then
// places dY at the flat indices (docs/engine-notes.md, pooling).
import type { OnnxBuilder } from '../onnx/builder.ts';
import { DataType } from '../onnx/types.ts';
import { reshape } from '../autodiff/ops.ts';

/** Flat indices are computed in float32, exact up to 2^24; larger tensors keep MaxPool's Indices. */
const EXACT_FLOAT_INDEX = 2 ** 24;

/**
 * The padded input size that makes k = s windows tile it exactly, or null when this form does
 * not apply (overlap, gaps, dilation, windows over 2×2, floor mode dropping trailing cells, or
 * more elements than float32 indexes exactly).
 */
export function tiledPoolSize(
  kernel: number[],
  stride: number[],
  dilation: number[],
  input: number[],
  padBefore: number[],
  out: number[],
): number[] | null {
  const spatial = input.slice(2);
  const tiled = out.map((o, i) => o * kernel[i]);
  const applies =
    kernel.every((k, i) => k === stride[i] && k <= 2 && dilation[i] === 1) &&
    tiled.every((t, i) => t >= spatial[i] + padBefore[i]) &&
    input[0] * input[1] * tiled[0] * tiled[1] <= EXACT_FLOAT_INDEX;
  return applies ? tiled : null;
}

/**
 * The forward pass of a tiled MaxPool over the padded input `x` ([N, C, H, W]) as planes
 * [N·C, 1, H, W]: one channel, so onnxruntime's NCHWc rewrite (channels a multiple of 8) leaves
 * these pools alone instead of adding layout reorders around each of them. Returns the planes
 * view of the input and the pooled planes (for the gradient) and the output `[N, C, OH, OW]`.
 */
export function tiledMaxPool(
  b: OnnxBuilder,
  node: string,
  x: string,
  padded: number[],
  kernel: number[],
  output: string,
): { planes: string; pooled: string; y: string } {
  const [n, c, h, w] = padded;
  const planes = reshape(b, x, [n * c, 1, h, w]);
  const pooled = b.op('MaxPool', [planes], { kernel_shape: kernel, strides: kernel }, { name: node });
  const y = b.op(
    'Reshape',
    [pooled, b.int64s('shape', [n, c, h / kernel[0], w / kernel[1]])],
    {},
    {
      name: `${node}/planes_back`,
      output,
    },
  );
  return { planes, pooled, y };
}

/**
 * dX of a tiled MaxPool (kernel ≤ 2×2) from tiledMaxPool's planes and pooled planes and dY:
 * dY at each window's first maximum, zero elsewhere.
 */
export function firstMaxGradient(
  b: OnnxBuilder,
  node: string,
  saved: { planes: string; pooled: string },
  dy: string,
  padded: number[],
  kernel: number[],
): string {
  const [n, c, h, w] = padded;
  const [kh, kw] = kernel;
  const [oh, ow] = [h / kh, w / kw];
  // 1 where rows 0..rows-1, columns 0..cols-1 of the window miss its maximum, else 0.
  const misses = (rows: number, cols: number) => {
    const rect = b.op(
      'MaxPool',
      [saved.planes],
      { kernel_shape: [rows, cols], strides: kernel },
      { name: `${node}/grad_rect${rows}x${cols}` },
    );
    const less = b.op('Less', [rect, saved.pooled], {}, { name: `${node}/grad_misses${rows}x${cols}` });
    return b.op('Cast', [less], { to: DataType.FLOAT }, { name: `${node}/grad_misses${rows}x${cols}_f` });
  };
  // The flat index (over the whole tensor, as MaxUnpool wants) of each window's top-left cell.
  const corners = new Float32Array(n * c * oh * ow);
  for (let p = 0, k = 0; p < n * c; p++)
    for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) corners[k++] = p * h * w + i * kh * w + j * kw;
  const terms = [b.floats(`${node}.corners`, [n * c, 1, oh, ow], corners)];
  // In row 0 the first maximum is in column 1 when column 0 misses it.
  const column0Misses = kw === 2 ? misses(1, 1) : null;
  if (column0Misses) terms.push(column0Misses);
  if (kh === 2) {
    // When row 0 misses the maximum (so column 0 does too: the index already moved by 1) it is
    // in row 1, at column misses(2, 1): the index moves on by W − 1 + misses(2, 1).
    const shift = column0Misses
      ? b.op('Add', [misses(2, 1), b.scalar(w - 1)], {}, { name: `${node}/grad_row_shift` })
      : b.scalar(w);
    terms.push(b.op('Mul', [misses(1, kw), shift], {}, { name: `${node}/grad_row1` }));
  }
  const index = terms.length > 1 ? b.op('Sum', terms, {}, { name: `${node}/grad_index` }) : terms[0];
  const dx = b.op(
    'MaxUnpool',
    [
      reshape(b, dy, [n * c, 1, oh, ow]),
      b.op('Cast', [index], { to: DataType.INT64 }),
      b.int64s('shape', [n * c, 1, h, w]),
    ],
    { kernel_shape: kernel, strides: kernel },
    { name: `${node}/grad_unpool` },
  );
  return reshape(b, dx, padded);
}
