import { defineLayer } from '../layer.ts';
import { problem } from '../diagnostics.ts';
import { shapesEqual } from '../tensor/shape.ts';
import { isData, onlyAttrs } from '../onnx/import/view.ts';

export default defineLayer({
  type: 'Subtract',
  category: 'merge',
  torch: 'torch.sub',
  toTorch: () => ({ expression: ([a, b]) => `${a} - ${b}` }),
  summary:
    'Element-wise difference a − b of its two inputs: shows where two branches disagree (all zeros when they compute the same thing).',
  inputs: { names: ['a', 'b'] },
  attributes: {},
  outputShape: (inputs) =>
    shapesEqual(inputs[0], inputs[1])
      ? inputs[0]
      : problem(
          `inputs must have the same shape, but a is [${inputs[0].join(', ')}] and b is [${inputs[1].join(', ')}]; make both branches end in the same shape.`,
        ),
  gradient: ({ b, dy }) => ({ inputs: [dy, b.op('Neg', [dy])], params: {} }),
  toOnnx: ({ b, inputs, node, output }) => b.op('Sub', inputs, {}, { name: node, output }),
  // Only a difference of two computed tensors; a Sub of a constant (a mean, a bias) stays an ONNX op.
  fromOnnx: {
    opTypes: ['Sub'],
    read: (node) =>
      node.inputs.length === 2 && node.inputs.every(isData) && onlyAttrs(node, ['broadcast'])
        ? { attributes: {}, inputs: [0, 1] }
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
  ],
  examples: [
    {
      why: 'two branches of the same shape',
      attributes: {},
      inputs: [
        ['N', 4, 14, 14],
        ['N', 4, 14, 14],
      ],
      output: ['N', 4, 14, 14],
      params: 0,
      macs: 0,
    },
  ],
});
