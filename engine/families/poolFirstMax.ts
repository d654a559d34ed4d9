// MaxPool's input gradient without MaxPool's Indices output, for windows that tile the (padded)
// input exactly: kernel = stride, no dilation (LeNet-5's and mini-VGG's 2×2 pools).
//
// Why: asking onnxruntime 1.30 for Indices selects its generic pooling loop instead of MLAS
// (LeNet-5's first pool, 128×6×28×28: 3.3 ms of a 15 ms step at load 0.5, against 0.25 ms
// without). Here the forward pass is the plain MaxPool, and the backward pass finds each window's
// first maximum (rows, then columns: PyTorch's and onnxruntime's tie-break) from more plain
// MaxPools over sub-rectangles anchored at the window's top-left corner:
//   the first maximum is in row a, the first row with max(rows 0..a, all columns) = y;
//   then in column q, the first with max(rows 0..a, columns 0..q) = y
// (rows before a hold no maximum, so that rectangle holds y exactly when row a's columns 0..q do).
// Every comparison is at the output's size; MaxUnpool then places dY at the flat indices.
import type { OnnxBuilder } from '../onnx/builder.ts';
import { DataType } from '../onnx/types.ts';

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
 * dX of a tiled MaxPool (kernel ≤ 2×2) over the padded input `x` ([N, C, H, W], H and W multiples
 * of the kernel), with output `y` and its gradient `dy`: dY at each window's first maximum.
 */
export function firstMaxGradient(
  b: OnnxBuilder,
  node: string,
  x: string,
  y: string,
  dy: string,
  padded: number[],
  kernel: number[],
): string {
  const [n, c, h, w] = padded;
  const [kh, kw] = kernel;
  const [oh, ow] = [h / kh, w / kw];
  // 1 where y is the max over rows 0..rows-1, columns 0..cols-1 of the window, else 0.
  const holds = (rows: number, cols: number) => {
    const rect = b.op(
      'MaxPool',
      [x],
      { kernel_shape: [rows, cols], strides: kernel },
      { name: `${node}/grad_rect${rows}x${cols}` },
    );
    const same = b.op('Equal', [rect, y], {}, { name: `${node}/grad_holds${rows}x${cols}` });
    return b.op('Cast', [same], { to: DataType.FLOAT }, { name: `${node}/grad_holds${rows}x${cols}_f` });
  };
  // The flat index (over the whole tensor, as MaxUnpool wants) of each window's top-left cell,
  // plus 1 when the window has a second column: the column term below is then 1 − holds(1, 1).
  const corners = new Float32Array(n * c * oh * ow);
  for (let p = 0, k = 0; p < n * c; p++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++) corners[k++] = p * h * w + i * kh * w + j * kw + (kw - 1);
  let index = b.floats(`${node}.corners`, [n, c, oh, ow], corners);
  const first = kw === 2 ? holds(1, 1) : null;
  if (first) index = b.op('Sub', [index, first], {}, { name: `${node}/grad_column` });
  if (kh === 2) {
    // The first maximum is in row 1 when row 0 holds none; its column there is 1 − holds(2, 1),
    // so the index moves by W + holds(1, 1) − holds(2, 1) from row 0's.
    const rowShift = first
      ? b.op('Add', [b.op('Sub', [first, holds(2, 1)]), b.scalar(w)], {}, { name: `${node}/grad_row_shift` })
      : b.scalar(w);
    const inRow1 = b.op('Sub', [b.scalar(1), holds(1, kw)], {}, { name: `${node}/grad_in_row1` });
    index = b.op('Add', [index, b.op('Mul', [inRow1, rowShift])], {}, { name: `${node}/grad_index` });
  }
  return b.op(
    'MaxUnpool',
    [dy, b.op('Cast', [index], { to: DataType.INT64 }), b.int64s('shape', padded)],
    { kernel_shape: kernel, strides: kernel },
    { name: `${node}/grad_unpool` },
  );
}
