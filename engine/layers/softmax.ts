import { elementwiseLayer } from '../families/elementwise.ts';
import { int } from '../layer.ts';
import { softmaxDimCheck, softmaxImport } from '../families/softmaxDim.ts';
import { call } from '../export/pytorch/python.ts';

export default elementwiseLayer({
  type: 'Softmax',
  torch: 'nn.Softmax',
  // PyTorch's dim has no default worth relying on (implicit dim is deprecated): always write it.
  toTorch: ({ attrs }) => ({ module: call('nn.Softmax', [], [['dim', attrs.dim!]]) }),
  summary: 'exp(x)/Σexp(x) along dim: turns scores into probabilities that sum to 1.',
  attributes: {
    dim: int({ default: 1, doc: 'The dimension that sums to 1 (negative counts from the end).' }),
  },
  check: (a, inputs) => softmaxDimCheck(a.dim, inputs[0]),
  // y (dy - sum(dy y)) along dim.
  gradient: ({ b, dy, y, attrs }) => {
    const dot = b.op('ReduceSum', [b.op('Mul', [dy, y]), b.int64s('axes', [attrs.dim])], { keepdims: 1 });
    return { inputs: [b.op('Mul', [y, b.op('Sub', [dy, dot])])], params: {} };
  },
  toOnnx: ({ b, inputs, node, output, attrs }) =>
    b.op('Softmax', inputs, { axis: attrs.dim }, { name: node, output }),
  fromOnnx: softmaxImport('Softmax'),
  gradientCases: [
    { attributes: {}, inputs: [[2, 5]] },
    { attributes: { dim: -1 }, inputs: [[2, 3, 4]] },
  ],
});
