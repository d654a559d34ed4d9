import { elementwiseLayer } from '../families/elementwise.ts';
import { choice } from '../layer.ts';

export default elementwiseLayer({
  type: 'GELU',
  torch: 'nn.GELU',
  summary: 'x·Φ(x), the Gaussian error linear unit used in transformers.',
  attributes: {
    approximate: choice({
      default: 'none',
      options: ['none', 'tanh'],
      doc: "'tanh' uses the tanh approximation.",
    }),
  },
});
