import { dims } from '../autodiff/ops.ts';
import { defineLayer, ints } from '../layer.ts';
import { problem } from '../diagnostics.ts';
import { isKnown } from '../tensor/shape.ts';
import { expectRank } from '../tensor/convShape.ts';
import { isData, onlyAttrs, rankOf } from '../onnx/import/view.ts';
import { call } from '../export/pytorch/python.ts';

/** PyTorch order: (left, right, top, bottom), or one value for all four. */
const sides = (p: readonly number[]) => (p.length === 1 ? [p[0], p[0], p[0], p[0]] : p);

export default defineLayer({
  type: 'ZeroPad2d',
  category: 'reshape',
  torch: 'nn.ZeroPad2d',
  toTorch: ({ attrs }) => ({
    module: call('nn.ZeroPad2d', [attrs.padding!.length === 1 ? attrs.padding![0] : attrs.padding!]),
  }),
  summary: 'Adds rows and columns of zeros around each feature map (left, right, top, bottom).',
  inputs: { names: ['x'] },
  attributes: {
    padding: ints({
      default: [1],
      min: 0,
      minLength: 1,
      maxLength: 4,
      doc: 'One value, or (left, right, top, bottom).',
    }),
  },
  check: (a, inputs) =>
    a.padding.length !== 1 && a.padding.length !== 4
      ? problem('padding takes one value or four (left, right, top, bottom).', 'padding')
      : expectRank(inputs[0], 2, 'ZeroPad2d'),
  outputShape: (inputs, a) => {
    const [l, r, t, b] = sides(a.padding);
    const [n, c, h, w] = inputs[0];
    return [n, c, isKnown(h) ? h + t + b : h, isKnown(w) ? w + l + r : w];
  },
  receptiveField: (_inputs, a) => {
    const [l, , t] = sides(a.padding);
    return { kind: 'window', kernel: [1, 1], stride: [1, 1], pad: [t, l] };
  },
  gradient: ({ b, dy, inputShapes, attrs }) => {
    const [l, , t] = sides(attrs.padding);
    const [, , h, w] = dims(inputShapes[0]);
    const starts = b.int64s('starts', [t, l]);
    return {
      inputs: [b.op('Slice', [dy, starts, b.int64s('ends', [t + h, l + w]), b.int64s('slice_axes', [2, 3])])],
      params: {},
    };
  },
  toOnnx: ({ b, inputs, attrs, node, output }) => {
    const [l, r, t, bottom] = sides(attrs.padding);
    const pads = b.int64s(`${node}.pads`, [0, 0, t, l, 0, 0, bottom, r]);
    return b.op('Pad', [inputs[0], pads], { mode: 'constant' }, { name: node, output });
  },
  // Constant zero Pad of H and W only (pads as an attribute before opset 11, an input after).
  fromOnnx: {
    opTypes: ['Pad'],
    read: (node) => {
      const x = node.inputs[0];
      if (!isData(x) || rankOf(x) !== 4 || !onlyAttrs(node, ['mode', 'pads', 'paddings', 'value']))
        return null;
      if (node.attrs.string('mode', 'constant') !== 'constant') return null;
      let pads: number[] | undefined;
      if (node.opset < 11) {
        pads = node.attrs.ints('pads') ?? node.attrs.ints('paddings');
        if (node.attrs.float('value', 0) !== 0) return null;
      } else {
        const p = node.inputs[1]?.value;
        const v = node.inputs[2];
        if (!p || (v && (!v.value || v.value.data.length !== 1 || Number(v.value.data[0]) !== 0)))
          return null;
        pads = Array.from(p.data as ArrayLike<number | bigint>, Number);
        const axes = node.inputs[3];
        if (axes) {
          if (!axes.value) return null;
          const list = Array.from(axes.value.data as ArrayLike<number | bigint>, (a) => (Number(a) + 4) % 4);
          const full = Array(8).fill(0);
          list.forEach((a, i) => ((full[a] = pads![i]), (full[a + 4] = pads![i + list.length])));
          pads = full;
        }
      }
      if (!pads || pads.length !== 8 || pads.some((p) => p < 0) || pads[0] || pads[1] || pads[4] || pads[5])
        return null;
      const sides = [pads[3], pads[7], pads[2], pads[6]];
      return { attributes: { padding: sides.every((s) => s === sides[0]) ? [sides[0]] : sides } };
    },
  },
  gradientCases: [{ attributes: { padding: [1, 2, 0, 3] }, inputs: [[2, 2, 3, 3]] }],
  examples: [
    {
      why: 'asymmetric',
      attributes: { padding: [1, 2, 3, 4] },
      inputs: [['N', 3, 10, 10]],
      output: ['N', 3, 17, 13],
      params: 0,
    },
  ],
});
