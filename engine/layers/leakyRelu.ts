import { elementwiseLayer } from '../families/elementwise.ts';
import { float } from '../layer.ts';

export default elementwiseLayer({
  type: 'LeakyReLU',
  torch: 'nn.LeakyReLU',
  summary: 'x for x > 0, negative_slope·x otherwise: keeps a small gradient for negative inputs.',
  attributes: {
    negative_slope: float({ default: 0.01, doc: 'Slope for negative inputs.' }),
  },
});
