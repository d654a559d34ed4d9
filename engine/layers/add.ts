import { defineLayer } from '../layer.ts';
import { problem } from '../diagnostics.ts';
import { shapesEqual } from '../tensor/shape.ts';
import { isData, onlyAttrs } from '../onnx/import/view.ts';

export default defineLayer({
  type: 'Add',
  category: 'merge',
  torch: 'torch.add',
  toTorch: () => ({ expression: (inputs) => inputs.join(' + ') }),
  summary: 'Element-wise sum of its inputs: the residual (skip) connection of ResNet.',
  inputs: { variadic: { min: 2, name: 'x' } },
  attributes: {},
  outputShape: (inputs) => {
    const first = inputs[0];
    const bad = inputs.findIndex((s) => !shapesEqual(s, first));
    return bad < 0
      ? first
      : problem(
          `inputs must have the same shape, but input 1 is [${first.join(', ')}] and input ${bad + 1} is [${inputs[bad].join(', ')}]; add a 1x1 Conv2d (with stride) on the shortcut to match.`,
        );
  },
  gradient: ({ dy, inputs }) => ({ inputs: inputs.map(() => dy), params: {} }),
  toOnnx: ({ b, inputs, node, output }) =>
    b.op(inputs.length === 2 ? 'Add' : 'Sum', inputs, {}, { name: node, output }),
  // Add of two tensors (not a constant: that is a bias, kept as an ONNX op), or Sum of several.
  fromOnnx: {
    opTypes: ['Add', 'Sum'],
    read: (node) =>
      node.inputs.length >= 2 &&
      node.inputs.every(isData) &&
      onlyAttrs(node, ['broadcast', 'consumed_inputs'])
        ? { attributes: {}, inputs: node.inputs.map((_, i) => i) }
        : null,
  },
  gradientCases: [
    {
      attributes: {},
      inputs: [
        [2, 3, 4],
        [2, 3, 4],
      ],
    },
    {
      attributes: {},
      inputs: [
        [2, 3],
        [2, 3],
        [2, 3],
      ],
    },
  ],
  examples: [
    {
      why: 'residual',
      attributes: {},
      inputs: [
        ['N', 64, 56, 56],
        ['N', 64, 56, 56],
      ],
      output: ['N', 64, 56, 56],
      params: 0,
    },
  ],
});
