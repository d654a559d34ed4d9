import { elementwiseLayer } from '../families/elementwise.ts';
import { simpleImport } from '../onnx/import/view.ts';

/** ONNX Selu's default alpha and gamma, as float32 attributes read back. */
const ONNX_SELU_ALPHA = Math.fround(1.6732632423543772);
const ONNX_SELU_GAMMA = Math.fround(1.0507009873554805);

// ONNX Selu's defaults are these constants rounded to float32.
const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

export default elementwiseLayer({
  type: 'SELU',
  torch: 'nn.SELU',
  summary: 'scale·ELU(x, alpha) with the self-normalising constants (alpha ≈ 1.6733, scale ≈ 1.0507).',
  attributes: {},
  // x > 0: scale; otherwise scale alpha e^x = y + scale alpha (ONNX's float32 constants).
  gradient: ({ b, dy, y, inputs }) => ({
    inputs: [
      b.op('Where', [
        b.op('Greater', [inputs[0], b.scalar(0)]),
        b.op('Mul', [dy, b.scalar(SELU_SCALE)]),
        b.op('Mul', [dy, b.op('Add', [y, b.scalar(SELU_SCALE * SELU_ALPHA)])]),
      ]),
    ],
    params: {},
  }),
  toOnnx: ({ b, inputs, node, output }) => b.op('Selu', inputs, {}, { name: node, output }),
  // Only the self-normalising constants (ONNX's defaults) are SELU; other values stay an ONNX op.
  fromOnnx: simpleImport('Selu', ['alpha', 'gamma'], (node) =>
    node.attrs.float('alpha', ONNX_SELU_ALPHA) === ONNX_SELU_ALPHA &&
    node.attrs.float('gamma', ONNX_SELU_GAMMA) === ONNX_SELU_GAMMA
      ? {}
      : null,
  ),
  gradientCases: [{ attributes: {}, inputs: [[2, 3, 4]] }],
});
