// The im2col forms of a 2-D convolution in a train step (docs/engine-notes.md, convolution): the
// weight gradient as GEMMs of dY against the input's kernel taps, and the forward pass as one
// whole-batch GEMM whose patch matrix the weight gradient then reuses.
import type { OnnxBuilder } from '../onnx/builder.ts';
import { reshape } from '../autodiff/ops.ts';

/** From this many output channels the weight gradient takes the Slice form (measured). */
export const SLICES_MIN_OUT_CHANNELS = 32;

/**
 * From this many input channels (and SLICES_MIN_OUT_CHANNELS output channels) the weight gradient
 * is one GEMM per kernel tap, with no patch matrix; below it those GEMMs are too narrow.
 */
export const TAPS_MIN_IN_CHANNELS = 32;

/**
 * onnxruntime's Conv (with weights that are graph inputs, as in a train step: its NCHWc kernels
 * need constant weights) runs one GEMM per image, OH·OW columns wide. Up to this many output
 * positions per image that GEMM is narrow enough that one whole-batch GEMM over a patch matrix
 * is faster (mini-VGG's 8×8 layers); at 16×16 and wider Conv was as fast. Layers with fewer
 * than SLICES_MIN_OUT_CHANNELS output channels keep Conv: LeNet-5's C3 (16 channels, 10×10) was
 * 3-5% slower per step in this form.
 */
const FORWARD_GEMM_MAX_POSITIONS = 144;

/**
 * The whole-batch form keeps its patch matrix (kh·kw copies of the input) alive from the forward
 * pass to the weight gradient. Per layer and per train step at most this many bytes, so a big
 * model (ResNet-50 at 224×224) falls back to Conv instead of holding gigabytes of patches.
 */
const FORWARD_GEMM_MAX_LAYER_BYTES = 128 * 2 ** 20;
const FORWARD_GEMM_MAX_STEP_BYTES = 256 * 2 ** 20;

/** Patch-matrix bytes each train step's builder has already committed to. */
const committedBytes = new WeakMap<OnnxBuilder, number>();

/**
 * Whether a 2-D convolution in a train step runs forward as one whole-batch GEMM (convForwardGemm)
 * rather than onnxruntime's Conv; a yes reserves its patch matrix against the step's budget.
 */
export function useForwardGemm(
  b: OnnxBuilder,
  xShape: number[],
  yShape: number[],
  kernel: number[],
  groups: number,
): boolean {
  const [n, m, oh, ow] = yShape;
  if (groups !== 1 || oh * ow > FORWARD_GEMM_MAX_POSITIONS || m < SLICES_MIN_OUT_CHANNELS) return false;
  const bytes = 4 * xShape[1] * kernel[0] * kernel[1] * n * oh * ow;
  const total = (committedBytes.get(b) ?? 0) + bytes;
  if (bytes > FORWARD_GEMM_MAX_LAYER_BYTES || total > FORWARD_GEMM_MAX_STEP_BYTES) return false;
  committedBytes.set(b, total);
  return true;
}

/** The window of a 2-D convolution, per spatial axis. */
export interface ConvWindow2d {
  kernel: number[];
  stride: number[];
  dilation: number[];
  padBefore: number[];
  padAfter: number[];
}

/** What both im2col forms of a 2-D weight gradient work from: the input x and dLoss/dY. */
export interface WeightGradOperands {
  b: OnnxBuilder;
  node: string;
  x: string;
  xShape: number[];
  dy: string;
  dyShape: number[];
  w: ConvWindow2d;
}

/**
 * dLoss/dWeight of a 2-D convolution as one well-shaped GEMM: dW[m, (c, i, j)] = sum over
 * (p, n) of dY[m, (p, n)] * X_pad[c, (p + (i, j), n)]. With the batch innermost, one Gather of
 * whole batch rows builds the patch matrix, already in weight order. Against the convolution form
 * (a conv whose kernel is dY: a GEMM only kernel-size wide) this is 1.2-1.5x faster on LeNet's
 * layers (onnxruntime-node 1.30, one and two threads).
 */
export function convWeightGradGather(o: WeightGradOperands): string {
  return weightGradFromPatches(o, { matrix: gatherPatchMatrix(o), batchLast: true });
}

/** The patch matrix [C·kh·kw, OH·OW·N] of the Gather form: column (p, n) is position p of image n. */
function gatherPatchMatrix({ b, node, x, xShape, dyShape, w }: Omit<WeightGradOperands, 'dy'>): string {
  const [n, c, h, wd] = xShape;
  const [, , oh, ow] = dyShape;
  const [kh, kw] = w.kernel;
  let xt = b.op('Transpose', [x], { perm: [1, 2, 3, 0] }, { name: `${node}/im2col_xt` });
  if ([...w.padBefore, ...w.padAfter].some((p) => p > 0))
    xt = b.op('Pad', [xt, b.int64s('pads', [0, ...w.padBefore, 0, 0, ...w.padAfter, 0])]);
  const hp = h + w.padBefore[0] + w.padAfter[0];
  const wp = wd + w.padBefore[1] + w.padAfter[1];
  // Flat (row, column) of the padded input under tap (i, j) at output position (a, b).
  const rows = new Array<number>(kh * kw * oh * ow);
  let k = 0;
  for (let i = 0; i < kh; i++)
    for (let j = 0; j < kw; j++)
      for (let a = 0; a < oh; a++)
        for (let q = 0; q < ow; q++)
          rows[k++] = (a * w.stride[0] + i * w.dilation[0]) * wp + q * w.stride[1] + j * w.dilation[1];
  const patches = b.op(
    'Gather',
    [reshape(b, xt, [c, hp * wp, n]), b.int64s(`${node}.im2col_rows`, rows)],
    { axis: 1 },
    { name: `${node}/im2col` },
  );
  return reshape(b, patches, [c * kh * kw, oh * ow * n]);
}

/**
 * The same GEMM with the batch outside the positions: dW[m, (c, i, j)] = sum over (n, p) of
 * dY[m, (n, p)] * X_pad[c, (n, p + (i, j))], the patch matrix from one strided Slice of the
 * (C, N, H, W) input per kernel tap. Moving whole feature maps, its transposes stay cheap when
 * they are large (mini-VGG: 9% faster per step than the Gather form, which puts the batch last).
 */
export function convWeightGradSlices(o: WeightGradOperands): string {
  return weightGradFromPatches(o, { matrix: patchMatrix(o), batchLast: false });
}

/** The patch matrix [C·kh·kw, N·OH·OW] of the Slice form: row (c, i, j) is tap (i, j) of channel c. */
function patchMatrix(o: Omit<WeightGradOperands, 'dy'>): string {
  const { b, node, xShape, dyShape, w } = o;
  const [n, c] = xShape;
  const [, , oh, ow] = dyShape;
  const [kh, kw] = w.kernel;
  const taps = mapKernelTaps(o, (tap) => b.op('Unsqueeze', [tap, b.int64s('axes', [1])]));
  return reshape(b, b.op('Concat', taps, { axis: 1 }, { name: `${node}/im2col` }), [
    c * kh * kw,
    n * oh * ow,
  ]);
}

/** A patch matrix [C·kh·kw, N·OH·OW]: its columns ordered (p, n) when batchLast, else (n, p). */
export interface Patches {
  matrix: string;
  batchLast: boolean;
}

/** dY as (M, columns) in the order of a patch matrix's columns. */
const dyColumns = (b: OnnxBuilder, dy: string, batchLast: boolean) =>
  b.op('Transpose', [dy], { perm: batchLast ? [1, 2, 3, 0] : [1, 0, 2, 3] });

/** dW = dY[m, cols] · P[(c, i, j), cols]ᵀ, reshaped to the weight's (M, C, kh, kw). */
export function weightGradFromPatches(
  { b, node, dy, xShape, dyShape, w }: WeightGradOperands,
  patches: Patches,
): string {
  const c = xShape[1];
  const [n, m, oh, ow] = dyShape;
  const dyt = reshape(b, dyColumns(b, dy, patches.batchLast), [m, n * oh * ow]);
  const dW = b.op('Gemm', [dyt, patches.matrix], { transB: 1 }, { name: `${node}/grad_weight` });
  return reshape(b, dW, [m, c, ...w.kernel]);
}

/**
 * The forward pass of an ungrouped 2-D convolution as one GEMM over the whole batch,
 * Y[m, (p, n)] = W[m, (c, i, j)] · P[(c, i, j), (p, n)] + bias[m], with P the Gather form's
 * batch-last patch matrix (one Gather instead of kh·kw Slices and a Concat), transposed to
 * (N, M, OH, OW).
 * onnxruntime's Conv runs one GEMM per image (only OH·OW wide: 64 columns in mini-VGG's last
 * layers) unless its weights are constant; this one is N·OH·OW wide. Returns the output and the
 * patch matrix, which the weight gradient reuses instead of cutting the taps again.
 */
export function convForwardGemm(
  o: Omit<WeightGradOperands, 'dy'>,
  weight: string,
  bias: string | undefined,
  output: string,
): { y: string; patches: string } {
  const { b, node, xShape, dyShape: yShape } = o;
  const [n, m, oh, ow] = yShape;
  const matrix = gatherPatchMatrix(o);
  const flat = reshape(b, weight, [m, xShape[1] * o.w.kernel[0] * o.w.kernel[1]]);
  const gemm = bias
    ? b.op('Gemm', [flat, matrix, reshape(b, bias, [m, 1])], {}, { name: `${node}/gemm` })
    : b.op('MatMul', [flat, matrix], {}, { name: `${node}/gemm` });
  const y = b.op(
    'Transpose',
    [reshape(b, gemm, [m, oh, ow, n])],
    { perm: [3, 0, 1, 2] },
    { name: node, output },
  );
  return { y, patches: matrix };
}

/**
 * The Slice form without its patch matrix: each kernel tap's (C, N·OH·OW) slice of the input meets
 * dY in its own GEMM, dW[:, :, i, j] = dY[m, (n, p)] · X_tap(i, j)[c, (n, p)]ᵀ, and the taps' M x C
 * results are stacked into the weight's layout. Only one tap's slice (the size of the input) is
 * alive at a time instead of all kh·kw of them (mini-VGG's second conv: 8 MB instead of 75 MB).
 */
export function convWeightGradTaps(o: WeightGradOperands): string {
  const { b, node, dy, xShape, dyShape, w } = o;
  const [n, c] = xShape;
  const [, m, oh, ow] = dyShape;
  const dyt = reshape(b, b.op('Transpose', [dy], { perm: [1, 0, 2, 3] }), [m, n * oh * ow]);
  const taps = mapKernelTaps(o, (tap, i, j) => {
    const name = `${node}/grad_weight_tap${i}_${j}`;
    const grad = b.op('Gemm', [dyt, reshape(b, tap, [c, n * oh * ow])], { transB: 1 }, { name });
    return b.op('Unsqueeze', [grad, b.int64s('axes', [2])]);
  });
  const dW = b.op('Concat', taps, { axis: 2 }, { name: `${node}/grad_weight` });
  return reshape(b, dW, [m, c, ...w.kernel]);
}

/**
 * The padded input as (C, N, H, W) and, per kernel tap (i, j) in weight order, `use` of its strided
 * (C, N, OH, OW) slice: the input positions that tap meets. Each kernel column's slice along W is
 * cut once and its rows taken from it: a slice along W copies runs only OW floats long, so one
 * per column instead of one per tap (mini-VGG: 3 slow copies per layer instead of 9); a slice
 * along H copies runs of OH·OW floats, close to memcpy.
 */
function mapKernelTaps(
  { b, node, x, dyShape, w }: Omit<WeightGradOperands, 'dy'>,
  use: (tap: string, i: number, j: number) => string,
): string[] {
  const [, , oh, ow] = dyShape;
  let xt = b.op('Transpose', [x], { perm: [1, 0, 2, 3] }, { name: `${node}/grad_weight_xt` });
  if ([...w.padBefore, ...w.padAfter].some((p) => p > 0))
    xt = b.op('Pad', [xt, b.int64s('pads', [0, 0, ...w.padBefore, 0, 0, ...w.padAfter])]);
  const slice = (input: string, axis: number, start: number, count: number, step: number) =>
    b.op('Slice', [
      input,
      b.int64s('starts', [start]),
      b.int64s('ends', [start + (count - 1) * step + 1]),
      b.int64s('slice_axes', [axis]),
      b.int64s('steps', [step]),
    ]);
  const [kh, kw] = w.kernel;
  const out = new Array<string>(kh * kw);
  for (let j = 0; j < kw; j++) {
    const column = slice(xt, 3, j * w.dilation[1], ow, w.stride[1]);
    for (let i = 0; i < kh; i++)
      out[i * kw + j] = use(slice(column, 2, i * w.dilation[0], oh, w.stride[0]), i, j);
  }
  return out;
}

/**
 * dX of a stride-1 2-D convolution whose input is narrow (as useForwardGemm, with at least
 * SLICES_MIN_OUT_CHANNELS channels in and out: what was measured, mini-VGG) in the same
 * whole-batch GEMM form: the convolution of dY, padded by k_eff − 1 − pad on each side, with the
 * kernel flipped and its channel axes swapped (the stride-1 identity). onnxruntime's
 * ConvTranspose is one GEMM per image followed by col2im. Null where it does not apply (strided,
 * wider, padding beyond the kernel, or a patch matrix over the layer cap): use ConvTranspose.
 * The patch matrix of dY lives only until its GEMM.
 */
export function convInputGradGemm(
  b: OnnxBuilder,
  node: string,
  dy: string,
  dyShape: number[],
  weight: string,
  xShape: number[],
  w: ConvWindow2d,
): string | null {
  const [n, , h, wd] = xShape;
  const m = dyShape[1];
  const [kh, kw] = w.kernel;
  const narrowChannels = Math.min(m, xShape[1]) < SLICES_MIN_OUT_CHANNELS;
  if (narrowChannels || w.stride.some((s) => s !== 1) || h * wd > FORWARD_GEMM_MAX_POSITIONS) return null;
  const reach = w.kernel.map((k, i) => (k - 1) * w.dilation[i]);
  const padBefore = reach.map((r, i) => r - w.padBefore[i]);
  const padAfter = reach.map((r, i) => r - w.padAfter[i]);
  if ([...padBefore, ...padAfter].some((p) => p < 0)) return null;
  if (4 * m * kh * kw * n * h * wd > FORWARD_GEMM_MAX_LAYER_BYTES) return null;
  const swapped = b.op('Transpose', [weight], { perm: [1, 0, 2, 3] });
  const flipped = b.op('Slice', [
    swapped,
    b.int64s('starts', [kh - 1, kw - 1]),
    b.int64s('ends', [-kh - 1, -kw - 1]),
    b.int64s('slice_axes', [2, 3]),
    b.int64s('steps', [-1, -1]),
  ]);
  const window = { ...w, stride: [1, 1], padBefore, padAfter };
  const o = { b, node: `${node}/grad_input`, x: dy, xShape: dyShape, dyShape: xShape, w: window };
  return convForwardGemm(o, flipped, undefined, b.name(`${node}.grad_input`)).y;
}
