import { dims } from '../autodiff/ops.ts';
import { defineLayer, ints } from '../layer.ts';
import { problem } from '../diagnostics.ts';
import { isKnown } from '../tensor/shape.ts';
import { expectRank } from '../tensor/convShape.ts';

/** PyTorch order: (left, right, top, bottom), or one value for all four. */
const sides = (p: readonly number[]) => (p.length === 1 ? [p[0], p[0], p[0], p[0]] : p);

export default defineLayer({
  type: 'ZeroPad2d',
  category: 'reshape',
  torch: 'nn.ZeroPad2d',
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
    a.padding!.length !== 1 && a.padding!.length !== 4
      ? problem('padding takes one value or four (left, right, top, bottom).', 'padding')
      : expectRank(inputs[0], 2, 'ZeroPad2d'),
  outputShape: (inputs, a) => {
    const [l, r, t, b] = sides(a.padding!);
    const [n, c, h, w] = inputs[0];
    return [n, c, isKnown(h) ? h + t + b : h, isKnown(w) ? w + l + r : w];
  },
  receptiveField: (_inputs, a) => {
    const [l, , t] = sides(a.padding!);
    return { kind: 'window', kernel: [1, 1], stride: [1, 1], pad: [t, l] };
  },
  gradient: ({ b, dy, inputShapes, attrs }) => {
    const [l, , t] = sides(attrs.padding!);
    const [, , h, w] = dims(inputShapes[0]);
    const starts = b.int64s('starts', [t, l]);
    return {
      inputs: [b.op('Slice', [dy, starts, b.int64s('ends', [t + h, l + w]), b.int64s('slice_axes', [2, 3])])],
      params: {},
    };
  },
  toOnnx: ({ b, inputs, attrs, node, output }) => {
    const [l, r, t, bottom] = sides(attrs.padding!);
    const pads = b.int64s(`${node}.pads`, [0, 0, t, l, 0, 0, bottom, r]);
    return b.op('Pad', [inputs[0], pads], { mode: 'constant' }, { name: node, output });
  },
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
