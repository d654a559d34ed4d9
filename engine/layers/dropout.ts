import { elementwiseLayer } from '../families/elementwise.ts';
import { float } from '../layer.ts';

export default elementwiseLayer({
  type: 'Dropout',
  category: 'regularization',
  torch: 'nn.Dropout',
  summary:
    'In training, zeroes each element with probability p and scales the rest by 1/(1−p); does nothing at inference.',
  attributes: {
    p: float({ default: 0.5, min: 0, max: 1, exclusiveMax: true, doc: 'Probability of zeroing an element.' }),
  },
  // Inference graphs drop Dropout; the training compiler applies its mask itself.
  toOnnx: ({ inputs }) => inputs[0],
});
