import { defineLayer, int } from '../layer.ts';
import { problem } from '../diagnostics.ts';
import type { Dim } from '../tensor/shape.ts';
import { isKnown } from '../tensor/shape.ts';
import { isData, onlyAttrs } from '../onnx/import/view.ts';

export default defineLayer({
  type: 'Concat',
  category: 'merge',
  torch: 'torch.cat',
  toTorch: ({ attrs }) => ({ expression: (inputs) => `torch.cat([${inputs.join(', ')}], dim=${attrs.dim})` }),
  summary: 'Joins its inputs along dim (channels by default): the Inception module’s merge.',
  inputs: { variadic: { min: 2, name: 'x' } },
  attributes: { dim: int({ default: 1, doc: 'Dimension to join along (1 = channels).' }) },
  outputShape: (inputs, a) => {
    const rank = inputs[0].length;
    const d = a.dim < 0 ? a.dim + rank : a.dim;
    if (d < 1 || d >= rank)
      return problem(`dim ${a.dim} must be a non-batch dimension of the ${rank}-d inputs.`, 'dim');
    for (let i = 1; i < inputs.length; i++) {
      const s = inputs[i];
      if (s.length !== rank || s.some((v, j) => j !== d && v !== inputs[0][j]))
        return problem(
          `all inputs must match except along dim ${d}, but input 1 is [${inputs[0].join(', ')}] and input ${i + 1} is [${s.join(', ')}]; pad or pool so H and W agree.`,
        );
    }
    const sizes = inputs.map((s) => s[d]);
    const joined: Dim = sizes.every(isKnown) ? sizes.reduce((p, v) => p + (v as number), 0) : '?';
    return inputs[0].map((v, j) => (j === d ? joined : v));
  },
  gradient: ({ b, dy, inputShapes, attrs }) => {
    const rank = inputShapes[0].length;
    const axis = attrs.dim < 0 ? attrs.dim + rank : attrs.dim;
    const sizes = inputShapes.map((s) => s[axis] as number);
    return { inputs: b.opN('Split', [dy, b.int64s('split', sizes)], { axis }, sizes.length), params: {} };
  },
  toOnnx: ({ b, inputs, attrs, node, output }) =>
    b.op('Concat', inputs, { axis: attrs.dim }, { name: node, output }),
  fromOnnx: {
    opTypes: ['Concat'],
    read: (node) =>
      node.inputs.length >= 2 && node.inputs.every(isData) && onlyAttrs(node, ['axis'])
        ? { attributes: { dim: node.attrs.int('axis', 1) }, inputs: node.inputs.map((_, i) => i) }
        : null,
  },
  gradientCases: [
    {
      attributes: {},
      inputs: [
        [2, 2, 3],
        [2, 3, 3],
      ],
    },
    {
      attributes: { dim: -1 },
      inputs: [
        [2, 3, 2],
        [2, 3, 1],
        [2, 3, 2],
      ],
    },
  ],
  examples: [
    {
      why: 'Inception 3a: 64 + 128 + 32 + 32',
      attributes: {},
      inputs: [
        ['N', 64, 28, 28],
        ['N', 128, 28, 28],
        ['N', 32, 28, 28],
        ['N', 32, 28, 28],
      ],
      output: ['N', 256, 28, 28],
      params: 0,
    },
  ],
});
