import { reshape } from '../autodiff/ops.ts';
import { bool, defineLayer, int } from '../layer.ts';
import { problem } from '../diagnostics.ts';
import { perSampleElements } from '../tensor/shape.ts';
import {
  floatValues,
  isData,
  onlyAttrs,
  transpose2d,
  type OnnxMatch,
  type ValueView,
} from '../onnx/import/view.ts';
import { call } from '../export/pytorch/python.ts';

/** A constant that adds one value per output feature: [out], [1, out], or one value for all. */
function biasVector(v: ValueView, out: number): Float32Array | undefined {
  const values = floatValues(v);
  const dims = v.value?.dims ?? [];
  if (!values) return undefined;
  if (values.length === 1) return new Float32Array(out).fill(values[0]);
  return values.length === out && dims.slice(0, -1).every((d) => d === 1) ? values : undefined;
}

export default defineLayer({
  type: 'Linear',
  category: 'linear',
  torch: 'nn.Linear',
  toTorch: ({ attrs: a, inputShapes }) => ({
    module: call(
      'nn.Linear',
      [inputShapes[0][inputShapes[0].length - 1] as number, a.out_features!],
      [['bias', a.bias!, true]],
    ),
  }),
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
      : [...inputs[0].slice(0, -1), a.out_features],
  // A feature map (N, C, H, W) is probably meant to be flattened; a (N, L, features) sequence is
  // not: Linear per step is a transformer's feed-forward.
  advise: (inputs) =>
    inputs[0].length > 3
      ? `Linear acts on the last axis only (size ${inputs[0][inputs[0].length - 1]}) of this ${inputs[0].length}-d input, as in PyTorch; add a Flatten before it to use the whole feature map.`
      : null,
  parameters: (inputs, a) => {
    const inF = inputs[0][inputs[0].length - 1] as number;
    return [
      { name: 'weight', shape: [a.out_features, inF], role: 'weight' },
      ...(a.bias ? [{ name: 'bias', shape: [a.out_features], role: 'bias' as const }] : []),
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
    const dW = b.op('Gemm', [rows2d(dy, attrs.out_features), rows2d(inputs[0], inF)], { transA: 1 });
    const grads: Record<string, string> = { weight: dW };
    if (attrs.bias) {
      // Column sums as ones · dY: a GEMV that onnxruntime runs several times faster than
      // ReduceSum over axis 0 (0.02 vs 0.14 ms for 200x512).
      const rows = outputShape.slice(0, -1).reduce<number>((p, d) => p * (d as number), 1);
      const ones = b.floats('ones', [rows], new Float32Array(rows).fill(1));
      grads.bias = b.op('MatMul', [ones, rows2d(dy, attrs.out_features)]);
    }
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
  // Gemm (transA 0, alpha and beta 1; the weight transposed into PyTorch's [out, in] when transB
  // is 0), or MatMul by a constant weight, absorbing the bias Add that follows.
  fromOnnx: {
    opTypes: ['Gemm', 'MatMul'],
    read: (node): OnnxMatch | null => {
      const x = node.inputs[0];
      const w = floatValues(node.inputs[1]);
      const dims = node.inputs[1]?.value?.dims;
      if (!isData(x) || !w || dims?.length !== 2) return null;
      if (node.opType === 'Gemm') {
        const a = node.attrs;
        if (!onlyAttrs(node, ['alpha', 'beta', 'transA', 'transB', 'broadcast'])) return null;
        if (a.int('transA', 0) !== 0 || a.float('alpha', 1) !== 1) return null;
        const transB = a.int('transB', 0) === 1;
        const out = transB ? dims[0] : dims[1];
        const weight = transB ? w : transpose2d(w, dims[0], dims[1]);
        const c = node.inputs[2];
        if (!c) return { attributes: { out_features: out, bias: false }, params: { weight } };
        const bias = biasVector(c, out);
        if (!bias || a.float('beta', 1) !== 1) return null;
        return { attributes: { out_features: out, bias: true }, params: { weight, bias } };
      }
      const [k, out] = dims;
      const weight = transpose2d(w, k, out);
      const next = node.consumers(0);
      const add =
        next.length === 1 && !node.isGraphOutput(0) && next[0].opType === 'Add' ? next[0] : undefined;
      const other = add?.inputs.find((v) => v && v.name !== node.outputs[0].name);
      const bias = add && other && onlyAttrs(add, ['broadcast']) ? biasVector(other, out) : undefined;
      if (add && bias)
        return { attributes: { out_features: out, bias: true }, params: { weight, bias }, absorbs: [add] };
      return { attributes: { out_features: out, bias: false }, params: { weight } };
    },
  },
  gradientCases: [
    { attributes: { out_features: 3 }, inputs: [[2, 5]] },
    { attributes: { out_features: 4, bias: false }, inputs: [[2, 3, 5]] },
  ],
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
