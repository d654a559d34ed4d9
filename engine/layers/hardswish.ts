import { elementwiseLayer } from '../families/elementwise.ts';
import { f } from '../onnx/builder.ts';
import type { OnnxImport } from '../onnx/import/view.ts';
import { isData, onlyAttrs, simpleImport } from '../onnx/import/view.ts';

/** The first opset with a HardSwish operator; older ones get x · HardSigmoid(x), as PyTorch writes. */
const HARDSWISH_OPSET = 14;

const operator = simpleImport('HardSwish', []);

/** HardSwish, or x · HardSigmoid(x; alpha 1/6, beta 1/2) as written below opset 14. */
const hardswishImport: OnnxImport = {
  opTypes: ['HardSwish', 'HardSigmoid'],
  read: (node) => {
    if (node.opType === 'HardSwish') return operator.read(node);
    const x = node.inputs[0];
    const a = node.attrs;
    if (!isData(x) || node.inputs.length !== 1 || !onlyAttrs(node, ['alpha', 'beta'])) return null;
    if (a.float('alpha', 0.2) !== Math.fround(1 / 6) || a.float('beta', 0.5) !== 0.5) return null;
    const readers = node.consumers(0);
    const mul = readers.length === 1 && !node.isGraphOutput(0) ? readers[0] : undefined;
    if (mul?.opType !== 'Mul' || mul.inputs.length !== 2) return null;
    const other = mul.inputs.find((v) => v?.name !== node.outputs[0].name);
    return other?.name === x.name ? { attributes: {}, absorbs: [mul] } : null;
  },
};

export default elementwiseLayer({
  type: 'Hardswish',
  torch: 'nn.Hardswish',
  summary: 'x · ReLU6(x + 3) / 6: a cheap, piecewise-polynomial Swish (MobileNetV3).',
  attributes: {},
  // PyTorch's hardswish_backward: 0 for x < -3, x/3 + 1/2 for -3 <= x <= 3, 1 for x > 3.
  gradient: ({ b, dy, inputs }) => {
    const x = inputs[0];
    const ramp = b.op('Add', [b.op('Mul', [x, b.scalar(1 / 3)]), b.scalar(0.5)]);
    const upper = b.op('Where', [b.op('Greater', [x, b.scalar(3)]), b.scalar(1), ramp]);
    const slope = b.op('Where', [b.op('Less', [x, b.scalar(-3)]), b.scalar(0), upper]);
    return { inputs: [b.op('Mul', [dy, slope])], params: {} };
  },
  toOnnx: ({ b, inputs, node, output, opset }) => {
    if ((opset ?? 17) >= HARDSWISH_OPSET) return b.op('HardSwish', inputs, {}, { name: node, output });
    const gate = b.op('HardSigmoid', inputs, { alpha: f(1 / 6), beta: f(0.5) }, { name: `${node}/gate` });
    return b.op('Mul', [inputs[0], gate], {}, { name: node, output });
  },
  fromOnnx: hardswishImport,
  gradientCases: [{ attributes: {}, inputs: [[2, 3, 5]], inputScale: 5 }],
});
