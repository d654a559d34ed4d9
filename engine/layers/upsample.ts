import { dims, reshape } from '../autodiff/ops.ts';
import { problem } from '../diagnostics.ts';
import { call } from '../export/pytorch/python.ts';
import { bool, choice, defineLayer, intOrTuple } from '../layer.ts';
import type { OnnxBuilder } from '../onnx/builder.ts';
import { floatValues, isData, onlyAttrs, type NodeView, type OnnxMatch } from '../onnx/import/view.ts';
import { perAxis, perSampleElements, type Shape } from '../tensor/shape.ts';

type Mode = 'nearest' | 'bilinear';
interface UpsampleAttrs {
  scale_factor: number | readonly number[];
  mode: Mode;
  align_corners: boolean;
}

const scales = (a: UpsampleAttrs) => perAxis(a.scale_factor, 2);

/**
 * The (out x in) matrix of bilinear interpolation along one axis, PyTorch's upsample_bilinear2d:
 * source = (o + 0.5) / s - 0.5 clamped at 0, or o (in - 1) / (out - 1) with align_corners.
 */
export function interpolationMatrix(size: number, scale: number, alignCorners: boolean): Float32Array {
  const out = size * scale;
  const m = new Float32Array(out * size);
  for (let o = 0; o < out; o++) {
    const source = alignCorners
      ? out > 1
        ? (o * (size - 1)) / (out - 1)
        : 0
      : Math.max(0, (o + 0.5) / scale - 0.5);
    const i0 = Math.min(Math.floor(source), size - 1);
    const i1 = Math.min(i0 + 1, size - 1);
    const w1 = source - i0;
    m[o * size + i0] += 1 - w1;
    m[o * size + i1] += w1;
  }
  return m;
}

/** dX of bilinear: dX = A_hᵀ · dY · A_w, with the interpolation matrices as constants. */
function bilinearGradient(b: OnnxBuilder, dy: string, input: Shape, a: UpsampleAttrs): string {
  const [h, w] = dims(input.slice(2));
  const [sh, sw] = scales(a);
  const ah = interpolationMatrix(h, sh, a.align_corners);
  const ahT = new Float32Array(h * h * sh);
  for (let o = 0; o < h * sh; o++) for (let i = 0; i < h; i++) ahT[i * h * sh + o] = ah[o * h + i];
  const rows = b.op('MatMul', [b.floats('interp_rows_t', [h, h * sh], ahT), dy]);
  const aw = interpolationMatrix(w, sw, a.align_corners);
  return b.op('MatMul', [rows, b.floats('interp_cols', [w * sw, w], aw)]);
}

/** Resize(X, roi, scales [1, 1, s, s]) as PyTorch writes nn.Upsample; null when it is something else. */
function readResize(node: NodeView): OnnxMatch | null {
  const [x, roi, scaleInput, sizes] = node.inputs;
  if (!isData(x) || x.shape?.length !== 4 || (roi && !roi.value) || sizes) return null;
  const s = floatValues(scaleInput);
  if (s?.length !== 4 || s[0] !== 1 || s[1] !== 1 || !s.every((v) => Number.isInteger(v) && v >= 1))
    return null;
  const allowed = ['mode', 'coordinate_transformation_mode', 'nearest_mode', 'cubic_coeff_a'];
  if (!onlyAttrs(node, [...allowed, 'exclude_outside', 'extrapolation_value', 'antialias'])) return null;
  if (node.attrs.int('exclude_outside', 0) !== 0 || node.attrs.int('antialias', 0) !== 0) return null;
  const mode = node.attrs.string('mode', 'nearest');
  const transform = node.attrs.string('coordinate_transformation_mode', 'half_pixel');
  const scale_factor = s[2] === s[3] ? s[2] : [s[2], s[3]];
  if (mode === 'nearest') {
    const nearest = node.attrs.string('nearest_mode', 'round_prefer_floor');
    // PyTorch's nearest is source = floor(o / s): asymmetric coordinates rounded down.
    if (transform !== 'asymmetric' || nearest !== 'floor') return null;
    return { attributes: { scale_factor, mode: 'nearest' } };
  }
  if (mode !== 'linear') return null;
  if (transform === 'align_corners')
    return { attributes: { scale_factor, mode: 'bilinear', align_corners: true } };
  if (transform !== 'half_pixel' && transform !== 'pytorch_half_pixel') return null;
  return { attributes: { scale_factor, mode: 'bilinear', align_corners: false } };
}

export default defineLayer({
  type: 'Upsample',
  category: 'convolution',
  torch: 'nn.Upsample',
  toTorch: ({ attrs: a }) => ({
    module: call(
      'nn.Upsample',
      [],
      [
        ['scale_factor', a.scale_factor],
        ['mode', a.mode],
        ...(a.mode === 'bilinear' ? [['align_corners', a.align_corners] as [string, boolean]] : []),
      ],
    ),
  }),
  summary:
    'Enlarges (N, C, H, W) feature maps by whole scale factors, copying (nearest) or interpolating (bilinear) pixels.',
  inputs: { names: ['x'] },
  attributes: {
    scale_factor: intOrTuple({
      default: 2,
      min: 1,
      axes: 2,
      doc: 'How many times taller and wider: one number or (h, w).',
    }),
    mode: choice<Mode>({
      default: 'nearest',
      options: ['nearest', 'bilinear'],
      doc: 'nearest repeats each pixel; bilinear blends the four nearest input pixels.',
    }),
    align_corners: bool({
      default: false,
      doc: 'bilinear only: map the corner pixels of input and output onto each other (PyTorch’s align_corners=True).',
    }),
  },
  check: (a, inputs) => {
    if (inputs[0].length !== 4)
      return problem(
        `Upsample needs an (N, C, H, W) input, got [${inputs[0].join(', ')}]; reshape the data to images first.`,
      );
    if (a.align_corners && a.mode === 'nearest')
      return problem(
        'align_corners only applies to bilinear; switch it off or choose mode bilinear.',
        'align_corners',
      );
    return null;
  },
  outputShape: (inputs, a) => {
    const [n, c, h, w] = inputs[0];
    const [sh, sw] = scales(a);
    const grow = (d: (typeof inputs)[0][number], s: number) => (typeof d === 'number' ? d * s : d);
    return [n, c, grow(h, sh), grow(w, sw)];
  },
  // Bilinear: four weighted input pixels per output pixel; nearest copies.
  macs: (_inputs, out, a) => (a.mode === 'bilinear' ? 4 * perSampleElements(out) : 0),
  // Nearest is a transposed convolution with kernel = stride = s; bilinear one with the
  // 2s - s mod 2 kernel of bilinear filters (Long et al., FCN) and padding ceil((s - 1) / 2).
  receptiveField: (_inputs, a) => {
    const s = scales(a);
    return a.mode === 'nearest'
      ? { kind: 'upsample', kernel: s, stride: s, pad: [0, 0] }
      : {
          kind: 'upsample',
          kernel: s.map((v) => 2 * v - (v % 2)),
          stride: s,
          pad: s.map((v) => Math.ceil((v - 1) / 2)),
        };
  },
  toOnnx: ({ b, inputs, attrs: a, node, output }) => {
    const [sh, sw] = scales(a);
    const resize =
      a.mode === 'nearest'
        ? { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }
        : {
            mode: 'linear',
            coordinate_transformation_mode: a.align_corners ? 'align_corners' : 'half_pixel',
          };
    const factors = b.floats(`${node}/scales`, [4], [1, 1, sh, sw]);
    return b.op('Resize', [inputs[0], '', factors], resize, { name: node, output });
  },
  // Nearest: each input pixel's gradient is the sum over its s_h x s_w block of dY.
  gradient: ({ b, dy, inputShapes, attrs: a }) => {
    if (a.mode === 'bilinear') return { inputs: [bilinearGradient(b, dy, inputShapes[0], a)], params: {} };
    const [n, c, h, w] = dims(inputShapes[0]);
    const [sh, sw] = scales(a);
    const blocks = reshape(b, dy, [n, c, h, sh, w, sw]);
    return { inputs: [b.op('ReduceSum', [blocks, b.int64s('axes', [3, 5])], { keepdims: 0 })], params: {} };
  },
  fromOnnx: { opTypes: ['Resize'], read: readResize },
  gradientCases: [
    { attributes: { scale_factor: 2 }, inputs: [[2, 2, 3, 4]] },
    { attributes: { scale_factor: [3, 2], mode: 'bilinear' }, inputs: [[2, 2, 3, 4]] },
    { attributes: { scale_factor: 2, mode: 'bilinear', align_corners: true }, inputs: [[1, 2, 4, 3]] },
  ],
  examples: [
    {
      why: 'a U-Net decoder step: 7x7 to 14x14',
      attributes: { scale_factor: 2 },
      inputs: [['N', 16, 7, 7]],
      output: ['N', 16, 14, 14],
      params: 0,
      macs: 0,
    },
    {
      why: 'bilinear, taller than wide: 4 MACs per output pixel',
      attributes: { scale_factor: [3, 2], mode: 'bilinear' },
      inputs: [['N', 2, 5, 5]],
      output: ['N', 2, 15, 10],
      macs: 4 * 2 * 15 * 10,
    },
    {
      why: 'bilinear with align_corners',
      attributes: { scale_factor: 2, mode: 'bilinear', align_corners: true },
      inputs: [['N', 1, 4, 6]],
      output: ['N', 1, 8, 12],
    },
  ],
});
