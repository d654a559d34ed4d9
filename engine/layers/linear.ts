import { reduceSum, reshape } from '../autodiff/ops.ts';
import { bool, defineLayer, int } from '../layer.ts';
import { problem } from '../diagnostics.ts';
import { perSampleElements } from '../tensor/shape.ts';

export default defineLayer({
  type: 'Linear',
  category: 'linear',
  torch: 'nn.Linear',
  summary: 'Fully connected: y = x·Wᵀ + b over the last dimension.',
  inputs: { names: ['x'] },
  attributes: {
    out_features: int({ default: 10, min: 1, doc: 'Number of output features.' }),
    bias: bool({ default: true, doc: 'Learn an additive bias.' }),
  },
  outputShape: (inputs, a) =>
    inputs[0].length < 2
      ? problem(
          `Linear needs a (N, features) input, got [${inputs[0].join(', ')}]; add an Input or Flatten before it.`,
        )
      : [...inputs[0].slice(0, -1), a.out_features!],
  advise: (inputs) =>
    inputs[0].length > 2
      ? `Linear acts on the last axis only (size ${inputs[0][inputs[0].length - 1]}) of this ${inputs[0].length}-d input, as in PyTorch; add a Flatten before it to use the whole feature map.`
      : null,
  parameters: (inputs, a) => {
    const inF = inputs[0][inputs[0].length - 1] as number;
    return [
      { name: 'weight', shape: [a.out_features!, inF], role: 'weight' },
      ...(a.bias ? [{ name: 'bias', shape: [a.out_features!], role: 'bias' as const }] : []),
    ];
  },
  // in x out per output row; rows = every position but the last axis.
  macs: (inputs, out) => perSampleElements(out) * (inputs[0][inputs[0].length - 1] as number),
  receptiveField: () => ({ kind: 'global' }),
  // Gemm for (N, features); MatMul against the transposed weight for higher ranks.
  // dX = dY W; dW = dYᵀ X over all leading rows; db = column sums of dY.
  gradient: ({ b, dy, inputs, inputShapes, outputShape, params, attrs, needInput }) => {
    const inF = inputShapes[0][inputShapes[0].length - 1] as number;
    const rows2d = (t: string, width: number) =>
      inputShapes[0].length === 2 ? t : reshape(b, t, [-1, width]);
    const dW = b.op('Gemm', [rows2d(dy, attrs.out_features!), rows2d(inputs[0], inF)], { transA: 1 });
    const grads: Record<string, string> = { weight: dW };
    if (attrs.bias)
      grads.bias = reduceSum(
        b,
        dy,
        outputShape.slice(0, -1).map((_, i) => i),
        false,
      );
    return { inputs: [needInput[0] ? b.op('MatMul', [dy, params.weight]) : null], params: grads };
  },
  toOnnx: ({ b, inputs, inputShapes, params, attrs, node, output }) => {
    if (inputShapes[0].length === 2)
      return b.op(
        'Gemm',
        [inputs[0], params.weight, ...(attrs.bias ? [params.bias] : [])],
        { transB: 1 },
        { name: node, output },
      );
    const wt = b.op('Transpose', [params.weight], { perm: [1, 0] }, { name: `${node}/weight_t` });
    if (!attrs.bias) return b.op('MatMul', [inputs[0], wt], {}, { name: node, output });
    const y = b.op('MatMul', [inputs[0], wt], {}, { name: `${node}/matmul` });
    return b.op('Add', [y, params.bias], {}, { name: node, output });
  },
  examples: [
    {
      why: 'MNIST classifier head',
      attributes: { out_features: 10 },
      inputs: [['N', 784]],
      output: ['N', 10],
      params: 7850,
      macs: 7840,
    },
    {
      why: 'no bias',
      attributes: { out_features: 512, bias: false },
      inputs: [['N', 784]],
      output: ['N', 512],
      params: 401408,
      macs: 401408,
    },
  ],
});
