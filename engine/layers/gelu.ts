import { elementwiseLayer } from '../families/elementwise.ts';
import { choice } from '../layer.ts';
import { geluImport } from '../onnx/import/patterns.ts';

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
  // Exact: Φ(x) + x φ(x). Tanh form: 0.5(1 + t) + 0.5 x (1 - t²) c (1 + 3·0.044715 x²).
  gradient: ({ b, dy, inputs, attrs }) => {
    const x = inputs[0];
    const mul = (p: string, q: string) => b.op('Mul', [p, q]);
    const add = (p: string, q: string) => b.op('Add', [p, q]);
    let slope: string;
    if (attrs.approximate === 'tanh') {
      const c = Math.sqrt(2 / Math.PI);
      const x2 = mul(x, x);
      const t = b.op('Tanh', [mul(add(x, mul(mul(x2, x), b.scalar(0.044715))), b.scalar(c))]);
      const dt = mul(
        b.op('Sub', [b.scalar(1), mul(t, t)]),
        mul(add(b.scalar(1), mul(x2, b.scalar(3 * 0.044715))), b.scalar(c)),
      );
      slope = add(mul(add(t, b.scalar(1)), b.scalar(0.5)), mul(mul(x, dt), b.scalar(0.5)));
    } else {
      const cdf = mul(add(b.op('Erf', [mul(x, b.scalar(Math.SQRT1_2))]), b.scalar(1)), b.scalar(0.5));
      const pdf = mul(b.op('Exp', [mul(mul(x, x), b.scalar(-0.5))]), b.scalar(1 / Math.sqrt(2 * Math.PI)));
      slope = add(cdf, mul(x, pdf));
    }
    return { inputs: [mul(dy, slope)], params: {} };
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
  fromOnnx: geluImport(),
  gradientCases: [
    { attributes: {}, inputs: [[2, 3, 4]] },
    { attributes: { approximate: 'tanh' }, inputs: [[2, 3, 4]] },
  ],
});
