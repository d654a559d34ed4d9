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
  // Opset 17 has no Gelu (it arrived in 20): 0.5·x·(1 + erf(x/√2)), or the tanh form.
  toOnnx: ({ b, inputs, node, output, attrs }) => {
    const x = inputs[0];
    let inner: string;
    if (attrs.approximate === 'tanh') {
      const cube = b.op('Mul', [b.op('Mul', [x, x]), x]);
      const poly = b.op('Add', [x, b.op('Mul', [cube, b.scalar(0.044715)])]);
      inner = b.op('Tanh', [b.op('Mul', [poly, b.scalar(Math.sqrt(2 / Math.PI))])]);
    } else {
      inner = b.op('Erf', [b.op('Mul', [x, b.scalar(Math.SQRT1_2)])]);
    }
    const half = b.op('Mul', [x, b.scalar(0.5)]);
    return b.op('Mul', [half, b.op('Add', [inner, b.scalar(1)])], {}, { name: node, output });
  },
});
