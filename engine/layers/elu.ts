import { elementwiseLayer } from '../families/elementwise.ts';
import { f } from '../onnx/builder.ts';
import { float } from '../layer.ts';
import { floatAttr, simpleImport } from '../onnx/import/view.ts';

export default elementwiseLayer({
  type: 'ELU',
  torch: 'nn.ELU',
  summary: 'x for x > 0, alpha·(e^x − 1) otherwise: smooth, with negative outputs.',
  attributes: {
    alpha: float({ default: 1.0, doc: 'Value the output approaches for very negative inputs (as −alpha).' }),
  },
  // x > 0: 1; otherwise alpha e^x = y + alpha.
  gradient: ({ b, dy, y, inputs, attrs }) => ({
    inputs: [
      b.op('Where', [
        b.op('Greater', [inputs[0], b.scalar(0)]),
        dy,
        b.op('Mul', [dy, b.op('Add', [y, b.scalar(attrs.alpha)])]),
      ]),
    ],
    params: {},
  }),
  toOnnx: ({ b, inputs, node, output, attrs }) =>
    b.op('Elu', inputs, { alpha: f(attrs.alpha) }, { name: node, output }),
  fromOnnx: simpleImport('Elu', ['alpha'], (node) => ({ alpha: floatAttr(node, 'alpha', 1) })),
  gradientCases: [{ attributes: { alpha: 0.7 }, inputs: [[2, 3, 4]] }],
});
