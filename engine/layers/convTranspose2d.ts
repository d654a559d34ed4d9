import { dims, reduceSum } from '../autodiff/ops.ts';
import { convWeightGrad } from '../families/conv.ts';
import { bool, defineLayer, int, intOrTuple } from '../layer.ts';
import { problem } from '../diagnostics.ts';
import { isKnown, perAxis } from '../tensor/shape.ts';
import { expectRank, spatialProduct, transposeWindow } from '../tensor/convShape.ts';
import { effectiveKernel } from '../tensor/window.ts';
import { compact, floatValues, isData, onlyAttrs, rankOf } from '../onnx/import/view.ts';
import { call, oneOrTuple } from '../export/pytorch/python.ts';

const AXES = 2;

/**
 * ConvTranspose's (before..., after...) pads, computing them as ONNX does when output_shape or
 * auto_pad SAME_* is given: total = stride·(in−1) + output_padding + effective kernel − out, the
 * odd extra going after for SAME_UPPER and before otherwise. A negative `after` is output added at
 * the end (PyTorch's output_padding).
 */
function convTransposePads(
  spatial: readonly (number | string)[],
  kernel: number[],
  strides: number[],
  dilations: number[],
  outputPadding: number[],
  autoPad: string,
  pads: number[] | undefined,
  outputShape: number[] | undefined,
): number[] | null {
  const n = kernel.length;
  if (outputShape || autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const before: number[] = [];
    const after: number[] = [];
    for (let i = 0; i < n; i++) {
      const x = spatial[i];
      if (typeof x !== 'number') return null;
      const out = outputShape ? outputShape[outputShape.length - n + i] : x * strides[i];
      const total = strides[i] * (x - 1) + outputPadding[i] + (kernel[i] - 1) * dilations[i] + 1 - out;
      if (total < 0) {
        // An output larger than the full transposed convolution: no padding, the rest at the end.
        before.push(0);
        after.push(total);
        continue;
      }
      const half = Math.floor(total / 2);
      before.push(autoPad === 'SAME_UPPER' ? half : total - half);
      after.push(autoPad === 'SAME_UPPER' ? total - half : half);
    }
    return [...before, ...after];
  }
  if (autoPad === 'VALID') return Array(2 * n).fill(0);
  if (autoPad !== 'NOTSET') return null;
  return pads ?? Array(2 * n).fill(0);
}

export default defineLayer({
  type: 'ConvTranspose2d',
  category: 'convolution',
  torch: 'nn.ConvTranspose2d',
  toTorch: ({ attrs: a, inputShapes }) => ({
    module: call(
      'nn.ConvTranspose2d',
      [inputShapes[0][1] as number, a.out_channels!],
      [
        ['kernel_size', oneOrTuple(a.kernel_size!)],
        ['stride', oneOrTuple(a.stride!), 1],
        ['padding', oneOrTuple(a.padding!), 0],
        ['output_padding', oneOrTuple(a.output_padding!), 0],
        ['groups', a.groups!, 1],
        ['bias', a.bias!, true],
        ['dilation', oneOrTuple(a.dilation!), 1],
      ],
    ),
  }),
  summary: 'Transposed (fractionally strided) 2-D convolution: upsamples, as in decoders and GAN generators.',
  inputs: { names: ['x'] },
  attributes: {
    out_channels: int({ default: 16, min: 1, doc: 'Number of output channels.' }),
    kernel_size: intOrTuple({ default: 3, min: 1, axes: AXES, doc: 'Window size.' }),
    stride: intOrTuple({ default: 1, min: 1, axes: AXES, doc: 'Upsampling factor.' }),
    padding: intOrTuple({
      default: 0,
      min: 0,
      axes: AXES,
      doc: 'Rows and columns removed from each side of the full output (PyTorch semantics).',
    }),
    output_padding: intOrTuple({
      default: 0,
      min: 0,
      axes: AXES,
      doc: 'Extra rows on the bottom/right to pick among output sizes.',
    }),
    dilation: intOrTuple({ default: 1, min: 1, axes: AXES, doc: 'Spacing between kernel taps.' }),
    groups: int({ default: 1, min: 1, doc: 'Independent channel groups.' }),
    bias: bool({ default: true, doc: 'Learn one bias per output channel.' }),
  },
  check: (a, inputs) => {
    const rank = expectRank(inputs[0], AXES, 'ConvTranspose2d');
    if (rank) return rank;
    const cin = inputs[0][1];
    if (!isKnown(cin)) return problem('ConvTranspose2d needs a known channel count.');
    if (cin % a.groups || a.out_channels % a.groups)
      return problem(
        `groups (${a.groups}) must divide both ${cin} input and ${a.out_channels} output channels.`,
        'groups',
      );
    const s = perAxis(a.stride, AXES);
    // PyTorch allows output_padding < max(stride, dilation); onnxruntime only < stride.
    if (perAxis(a.output_padding, AXES).some((op, i) => op >= s[i]))
      return problem(
        `output_padding must be smaller than stride (${s.join(', ')}), so the exported model runs in onnxruntime.`,
        'output_padding',
      );
    return null;
  },
  outputShape: (inputs, a) => {
    const x = inputs[0];
    const out = transposeWindow(
      x.slice(2),
      perAxis(a.kernel_size, AXES),
      perAxis(a.stride, AXES),
      perAxis(a.padding, AXES),
      perAxis(a.output_padding, AXES),
      perAxis(a.dilation, AXES),
    );
    if (out.some((d) => isKnown(d) && d < 1))
      return problem('padding removes the whole output; lower padding.', 'padding');
    return [x[0], a.out_channels, ...out];
  },
  parameters: (inputs, a) => [
    {
      name: 'weight',
      shape: [inputs[0][1] as number, a.out_channels / a.groups, ...perAxis(a.kernel_size, AXES)],
      role: 'weight',
    },
    ...(a.bias ? [{ name: 'bias', shape: [a.out_channels], role: 'bias' as const }] : []),
  ],
  // Every input element is multiplied by a (Cout/groups) x kernel block.
  macs: (inputs, _out, a) =>
    (inputs[0][1] as number) *
    (a.out_channels / a.groups) *
    perAxis(a.kernel_size, AXES).reduce((p, k) => p * k, 1) *
    spatialProduct(inputs[0]),
  receptiveField: (_inputs, a) => {
    const d = perAxis(a.dilation, AXES);
    return {
      kind: 'upsample',
      kernel: perAxis(a.kernel_size, AXES).map((k, i) => effectiveKernel(k, d[i])),
      stride: perAxis(a.stride, AXES),
      pad: perAxis(a.padding, AXES),
    };
  },
  // dX is the forward convolution of dY; dW is the convolution weight gradient with the roles
  // of input and output gradient swapped (docs/engine-notes.md, convolution).
  gradient: ({ b, dy, inputs, inputShapes, outputShape, params, attrs: a, node, needInput }) => {
    const p = perAxis(a.padding, AXES);
    const w = {
      kernel: perAxis(a.kernel_size, AXES),
      stride: perAxis(a.stride, AXES),
      dilation: perAxis(a.dilation, AXES),
      padBefore: p,
      padAfter: p,
    };
    const dW = convWeightGrad(b, node, dy, dims(outputShape), inputs[0], dims(inputShapes[0]), a.groups, w);
    const grads: Record<string, string> = { weight: dW };
    if (a.bias) grads.bias = reduceSum(b, dy, [0, 2, 3], false);
    const dX = needInput[0]
      ? b.op('Conv', [dy, params.weight], {
          kernel_shape: w.kernel,
          strides: w.stride,
          dilations: w.dilation,
          pads: [...p, ...p],
          group: a.groups,
        })
      : null;
    return { inputs: [dX], params: grads };
  },
  toOnnx: ({ b, inputs, params, attrs: a, node, output }) => {
    const p = perAxis(a.padding, AXES);
    return b.op(
      'ConvTranspose',
      [inputs[0], params.weight, ...(a.bias ? [params.bias] : [])],
      {
        kernel_shape: perAxis(a.kernel_size, AXES),
        strides: perAxis(a.stride, AXES),
        pads: [...p, ...p],
        output_padding: perAxis(a.output_padding, AXES),
        dilations: perAxis(a.dilation, AXES),
        group: a.groups,
      },
      { name: node, output },
    );
  },
  // ConvTranspose with a constant weight: ONNX's (before, after) pads and output_padding become
  // PyTorch's symmetric padding and output_padding (output_padding + before - after).
  fromOnnx: {
    opTypes: ['ConvTranspose'],
    read: (node) => {
      const allowed = [
        'kernel_shape',
        'strides',
        'pads',
        'dilations',
        'group',
        'auto_pad',
        'output_padding',
        'output_shape',
      ];
      const x = node.inputs[0];
      const weight = floatValues(node.inputs[1]);
      const dims = node.inputs[1]?.value?.dims;
      if (!isData(x) || rankOf(x) !== 4 || !onlyAttrs(node, allowed) || !weight || dims?.length !== 4)
        return null;
      const a = node.attrs;
      const kernel = dims.slice(2);
      if (a.ints('kernel_shape') && a.ints('kernel_shape')!.join() !== kernel.join()) return null;
      const strides = a.ints('strides') ?? [1, 1];
      const dilations = a.ints('dilations') ?? [1, 1];
      const outputPadding = a.ints('output_padding') ?? [0, 0];
      const group = a.int('group', 1);
      const pads = convTransposePads(
        x.shape!.slice(2),
        kernel,
        strides,
        dilations,
        outputPadding,
        a.string('auto_pad', 'NOTSET'),
        a.ints('pads'),
        a.ints('output_shape'),
      );
      if (!pads) return null;
      const extra = [0, 1].map((i) => outputPadding[i] + pads[i] - pads[i + 2]);
      if (extra.some((e) => e < 0)) return null;
      const b = node.inputs[2];
      const bias = b ? floatValues(b) : undefined;
      if (b && !bias) return null;
      return {
        attributes: {
          out_channels: dims[1] * group,
          kernel_size: compact(kernel),
          stride: compact(strides),
          padding: compact(pads.slice(0, 2)),
          output_padding: compact(extra),
          dilation: compact(dilations),
          groups: group,
          bias: !!bias,
        },
        params: { weight, ...(bias ? { bias } : {}) },
      };
    },
  },
  gradientCases: [
    {
      attributes: { out_channels: 2, kernel_size: 3, stride: 2, padding: 1, output_padding: 1 },
      inputs: [[2, 3, 3, 3]],
    },
    { attributes: { out_channels: 4, kernel_size: 2, stride: 2, groups: 2 }, inputs: [[2, 4, 3, 3]] },
    { attributes: { out_channels: 2, kernel_size: 2, dilation: 2, bias: false }, inputs: [[2, 2, 3, 4]] },
  ],
  examples: [
    {
      why: 'doubling: (7-1)*2 - 2*1 + (4-1) + 0 + 1 = 14',
      attributes: { out_channels: 8, kernel_size: 4, stride: 2, padding: 1 },
      inputs: [['N', 16, 7, 7]],
      output: ['N', 8, 14, 14],
      params: 16 * 8 * 16 + 8,
      macs: 16 * 8 * 16 * 49,
    },
    {
      why: 'output_padding picks among sizes: (4-1)*2 - 2 + 2 + 1 + 1 = 8',
      attributes: { out_channels: 2, kernel_size: 3, stride: 2, padding: 1, output_padding: 1 },
      inputs: [['N', 1, 4, 4]],
      output: ['N', 2, 8, 8],
      params: 1 * 2 * 9 + 2,
    },
  ],
});
