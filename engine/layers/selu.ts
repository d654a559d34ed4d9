import { elementwiseLayer } from '../families/elementwise.ts';

export default elementwiseLayer({
  type: 'SELU',
  torch: 'nn.SELU',
  summary: 'scale·ELU(x, alpha) with the self-normalising constants (alpha ≈ 1.6733, scale ≈ 1.0507).',
  attributes: {},
  toOnnx: ({ b, inputs, node, output }) => b.op('Selu', inputs, {}, { name: node, output }),
});
