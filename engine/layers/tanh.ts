import { elementwiseLayer } from '../families/elementwise.ts';
import { simpleImport } from '../onnx/import/view.ts';

export default elementwiseLayer({
  type: 'Tanh',
  torch: 'nn.Tanh',
  summary: 'tanh(x): squashes to (-1, 1), zero-centred.',
  attributes: {},
  gradient: ({ b, dy, y }) => ({
    inputs: [b.op('Mul', [dy, b.op('Sub', [b.scalar(1), b.op('Mul', [y, y])])])],
    params: {},
  }),
  toOnnx: ({ b, inputs, node, output }) => b.op('Tanh', inputs, {}, { name: node, output }),
  fromOnnx: simpleImport('Tanh', []),
  gradientCases: [{ attributes: {}, inputs: [[2, 3, 4]] }],
});
