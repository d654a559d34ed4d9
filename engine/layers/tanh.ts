import { elementwiseLayer } from '../families/elementwise.ts';

export default elementwiseLayer({
  type: 'Tanh',
  torch: 'nn.Tanh',
  summary: 'tanh(x): squashes to (-1, 1), zero-centred.',
  attributes: {},
  toOnnx: ({ b, inputs, node, output }) => b.op('Tanh', inputs, {}, { name: node, output }),
});
