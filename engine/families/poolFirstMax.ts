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
import { int64Tensor } from '../onnx/tensor.ts';

/** The largest window (taps) this form is used for: 2×2 is what was measured. */
const MAX_TAPS = 4;

/**
 * The padded input size that makes k = s windows tile it exactly, or null when this form does
 * not apply (overlap, gaps, dilation, larger windows, or floor mode dropping trailing cells).
 */
export function tiledPoolSize(
  kernel: number[],
  stride: number[],
  dilation: number[],
  spatial: number[],
  padBefore: number[],
  out: number[],
): number[] | null {
  const applies =
    kernel.every((k, i) => k === stride[i] && dilation[i] === 1) &&
    kernel.reduce((p, k) => p * k, 1) <= MAX_TAPS &&
    out.every((o, i) => o * kernel[i] >= spatial[i] + padBefore[i]);
  return applies ? out.map((o, i) => o * kernel[i]) : null;
}

/**
 * dX of a tiled MaxPool over the padded input `x` ([N, C, H, W], H and W multiples of the
 * kernel), with output `y` and its gradient `dy`: dY at each window's first maximum, zero elsewhere.
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
  // The flat offset of every window's top-left corner within its plane, plus a tap's offset.
  const corner = (row: number, col: number) => {
    const values: number[] = [];
    for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) values.push((i * kh + row) * w + j * kw + col);
    return b.initializer(int64Tensor(b.name(`${node}.tap_${row}_${col}`), [1, 1, oh, ow], values));
  };
  // y == max over rows 0..rows-1, columns 0..cols-1 of each window.
  const holdsMax = (rows: number, cols: number) =>
    b.op(
      'Equal',
      [
        b.op(
          'MaxPool',
          [x],
          { kernel_shape: [rows, cols], strides: kernel },
          { name: `${node}/grad_rect${rows}x${cols}` },
        ),
        y,
      ],
      {},
      { name: `${node}/grad_holds${rows}x${cols}` },
    );
  const columnIn = (row: number) => {
    let offset = corner(row, kw - 1);
    for (let q = kw - 1; q >= 1; q--)
      offset = b.op(
        'Where',
        [holdsMax(row + 1, q), corner(row, q - 1), offset],
        {},
        { name: `${node}/grad_first` },
      );
    return offset;
  };
  let offset = columnIn(kh - 1);
  for (let row = kh - 2; row >= 0; row--)
    offset = b.op(
      'Where',
      [holdsMax(row + 1, kw), columnIn(row), offset],
      {},
      { name: `${node}/grad_first` },
    );
  // MaxUnpool's indices are flat over the whole N×C×H×W tensor: add each plane's start.
  const planes = Array.from({ length: n * c }, (_, p) => p * h * w);
  const planeStart = b.initializer(int64Tensor(b.name(`${node}.plane_start`), [n, c, 1, 1], planes));
  const indices = b.op('Add', [offset, planeStart], {}, { name: `${node}/grad_indices` });
  return b.op(
    'MaxUnpool',
    [dy, indices, b.int64s('shape', padded)],
    { kernel_shape: kernel, strides: kernel },
    { name: `${node}/grad_unpool` },
  );
}
