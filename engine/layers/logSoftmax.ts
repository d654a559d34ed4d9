import { elementwiseLayer } from '../families/elementwise.ts';
import { int } from '../layer.ts';
import { softmaxDimCheck, softmaxImport } from '../families/softmaxDim.ts';
import { call } from '../export/pytorch/python.ts';

export default elementwiseLayer({
  type: 'LogSoftmax',
  torch: 'nn.LogSoftmax',
  // PyTorch's dim has no default worth relying on (implicit dim is deprecated): always write it.
  toTorch: ({ attrs }) => ({ module: call('nn.LogSoftmax', [], [['dim', attrs.dim!]]) }),
  summary: 'log(softmax(x)) along dim, computed stably; pairs with NLL loss.',
  attributes: {
    dim: int({ default: 1, doc: 'The dimension that sums to 1 (negative counts from the end).' }),
  },
  check: (a, inputs) => softmaxDimCheck(a.dim, inputs[0]),
  // dy - softmax sum(dy) along dim.
  gradient: ({ b, dy, y, attrs }) => {
    const total = b.op('ReduceSum', [dy, b.int64s('axes', [attrs.dim])], { keepdims: 1 });
    return { inputs: [b.op('Sub', [dy, b.op('Mul', [b.op('Exp', [y]), total])])], params: {} };
  },
  toOnnx: ({ b, inputs, node, output, attrs }) =>
    b.op('LogSoftmax', inputs, { axis: attrs.dim }, { name: node, output }),
  fromOnnx: softmaxImport('LogSoftmax'),
  gradientCases: [
    { attributes: {}, inputs: [[2, 5]] },
    { attributes: { dim: 2 }, inputs: [[2, 3, 4]] },
  ],
});
