import { elementwiseLayer } from '../families/elementwise.ts';
import { simpleImport } from '../onnx/import/view.ts';

export default elementwiseLayer({
  type: 'Sigmoid',
  torch: 'nn.Sigmoid',
  summary:
    '1/(1+e^-x): squashes to (0, 1); its gradient is at most 1/4, so deep stacks make gradients vanish.',
  attributes: {},
  // y (1 - y): at most 1/4, the root of vanishing gradients in deep sigmoid stacks.
  gradient: ({ b, dy, y }) => ({
    inputs: [b.op('Mul', [dy, b.op('Mul', [y, b.op('Sub', [b.scalar(1), y])])])],
    params: {},
  }),
  toOnnx: ({ b, inputs, node, output }) => b.op('Sigmoid', inputs, {}, { name: node, output }),
  fromOnnx: simpleImport('Sigmoid', []),
  gradientCases: [{ attributes: {}, inputs: [[2, 3, 4]] }],
});
