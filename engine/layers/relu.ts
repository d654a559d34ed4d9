import { elementwiseLayer } from '../families/elementwise.ts';
import { simpleImport } from '../onnx/import/view.ts';

export default elementwiseLayer({
  type: 'ReLU',
  torch: 'nn.ReLU',
  summary: 'max(0, x): the default non-linearity; its gradient is 1 or 0, so it does not vanish.',
  attributes: {},
  // 1 where x > 0 (PyTorch takes 0 at x = 0).
  gradient: ({ b, dy, y }) => ({
    // Mul by the 0/1 mask runs faster in onnxruntime than Where (engine bench, LeNet step).
    inputs: [b.op('Mul', [dy, b.op('Cast', [b.op('Greater', [y, b.scalar(0)])], { to: 1 })])],
    params: {},
  }),
  toOnnx: ({ b, inputs, node, output }) => b.op('Relu', inputs, {}, { name: node, output }),
  fromOnnx: simpleImport('Relu', []),
  gradientCases: [{ attributes: {}, inputs: [[2, 3, 4]] }],
});
