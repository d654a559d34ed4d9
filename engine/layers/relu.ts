import { elementwiseLayer } from '../families/elementwise.ts';

export default elementwiseLayer({
  type: 'ReLU',
  torch: 'nn.ReLU',
  summary: 'max(0, x): the default non-linearity; its gradient is 1 or 0, so it does not vanish.',
  attributes: {},
  toOnnx: ({ b, inputs, node, output }) => b.op('Relu', inputs, {}, { name: node, output }),
});
