import { elementwiseLayer } from '../families/elementwise.ts';
import { f } from '../onnx/builder.ts';
import { float } from '../layer.ts';
import { floatAttr, simpleImport } from '../onnx/import/view.ts';

export default elementwiseLayer({
  type: 'LeakyReLU',
  torch: 'nn.LeakyReLU',
  summary: 'x for x > 0, negative_slope·x otherwise: keeps a small gradient for negative inputs.',
  attributes: {
    negative_slope: float({ default: 0.01, doc: 'Slope for negative inputs.' }),
  },
  gradient: ({ b, dy, inputs, attrs }) => ({
    inputs: [
      b.op('Where', [
        b.op('Greater', [inputs[0], b.scalar(0)]),
        dy,
        b.op('Mul', [dy, b.scalar(attrs.negative_slope)]),
      ]),
    ],
    params: {},
  }),
  toOnnx: ({ b, inputs, node, output, attrs }) =>
    b.op('LeakyRelu', inputs, { alpha: f(attrs.negative_slope) }, { name: node, output }),
  fromOnnx: simpleImport('LeakyRelu', ['alpha'], (node) => ({
    negative_slope: floatAttr(node, 'alpha', 0.01),
  })),
  gradientCases: [{ attributes: { negative_slope: 0.2 }, inputs: [[2, 3, 4]] }],
});
