import { reduceSum } from '../autodiff/ops.ts';
import { normalizationInputGrad } from '../families/batchNorm.ts';
import { f } from '../onnx/builder.ts';
import { bool, defineLayer, float, ints } from '../layer.ts';
import { problem } from '../diagnostics.ts';
import type { Shape } from '../tensor/shape.ts';
import { floatValues, isData, onlyAttrs, onlyOutputUsed } from '../onnx/import/view.ts';
import { floatAttr } from '../onnx/import/patterns.ts';

/** The normalised trailing dims; empty means every dim after the batch. */
const normalized = (x: Shape, shape: readonly number[]) =>
  shape.length ? [...shape] : (x.slice(1) as number[]);

export default defineLayer({
  type: 'LayerNorm',
  category: 'normalization',
  torch: 'nn.LayerNorm',
  summary: 'Normalises each sample over its trailing dimensions, independent of the batch (transformers).',
  inputs: { names: ['x'] },
  attributes: {
    normalized_shape: ints({
      default: [],
      min: 1,
      minLength: 0,
      doc: 'Trailing dimensions to normalise over; empty: all but the batch.',
    }),
    eps: float({ default: 1e-5, min: 0, exclusiveMin: true, doc: 'Added to the variance.' }),
    elementwise_affine: bool({ default: true, doc: 'Learn a per-element scale and shift.' }),
    bias: bool({ default: true, doc: 'Learn the shift (with elementwise_affine).' }),
  },
  check: (a, inputs) => {
    const x = inputs[0];
    const n = normalized(x, a.normalized_shape);
    const tail = x.slice(x.length - n.length);
    return n.length >= x.length || tail.some((d, i) => d !== n[i])
      ? problem(
          `normalized_shape [${n.join(', ')}] must equal the last dimensions of the input [${x.join(', ')}].`,
          'normalized_shape',
        )
      : null;
  },
  // LayerNormalization entered the standard operator set in opset 17.
  minOpset: 17,
  outputShape: (inputs) => inputs[0],
  parameters: (inputs, a) => {
    if (!a.elementwise_affine) return [];
    const n = normalized(inputs[0], a.normalized_shape);
    return [
      { name: 'weight', shape: n, role: 'weight', init: 'ones' },
      ...(a.bias ? [{ name: 'bias', shape: n, role: 'bias' as const, init: 'zeros' as const }] : []),
    ];
  },
  // Statistics over spatial axes mix every position.
  receptiveField: (inputs) => (inputs[0].length > 2 ? { kind: 'global' } : { kind: 'identity' }),
  // Inference: LayerNormalization. Training: primitives, so the backward pass has x̂ and 1/σ.
  toOnnx: (ctx) => {
    const { b, inputs, inputShapes, attrs, params, node, output } = ctx;
    const n = normalized(inputShapes[0], attrs.normalized_shape);
    const affine = attrs.elementwise_affine;
    if (!ctx.training) {
      const size = n.reduce((p, d) => p * d, 1);
      const scale = affine ? params.weight : b.floats(`${node}.ones`, n, new Float32Array(size).fill(1));
      const bias = affine && attrs.bias ? [params.bias] : [];
      return b.op(
        'LayerNormalization',
        [inputs[0], scale, ...bias],
        { axis: -n.length, epsilon: f(attrs.eps) },
        { name: node, output },
      );
    }
    const rank = inputShapes[0].length;
    const axes = n.map((_, i) => rank - n.length + i);
    const mean = b.op('ReduceMean', [inputs[0]], { axes, keepdims: 1 }, { name: `${node}/mean` });
    const centred = b.op('Sub', [inputs[0], mean]);
    const variance = b.op(
      'ReduceMean',
      [b.op('Mul', [centred, centred])],
      { axes, keepdims: 1 },
      { name: `${node}/var` },
    );
    ctx.saved.inv = b.op('Reciprocal', [b.op('Sqrt', [b.op('Add', [variance, b.scalar(attrs.eps)])])]);
    ctx.saved.normalized = b.op('Mul', [centred, ctx.saved.inv], {}, { name: `${node}/normalized` });
    if (!affine) return b.op('Identity', [ctx.saved.normalized], {}, { name: node, output });
    const scaled = b.op('Mul', [ctx.saved.normalized, params.weight]);
    return attrs.bias
      ? b.op('Add', [scaled, params.bias], {}, { name: node, output })
      : b.op('Identity', [scaled], {}, { name: node, output });
  },
  gradient: ({ b, dy, saved, inputShapes, attrs, params }) => {
    const n = normalized(inputShapes[0], attrs.normalized_shape);
    const rank = inputShapes[0].length;
    const statAxes = n.map((_, i) => rank - n.length + i);
    const batchAxes = Array.from({ length: rank - n.length }, (_, i) => i);
    const grads: Record<string, string> = {};
    if (attrs.elementwise_affine) {
      grads.weight = reduceSum(b, b.op('Mul', [dy, saved.normalized]), batchAxes, false);
      if (attrs.bias) grads.bias = reduceSum(b, dy, batchAxes, false);
    }
    const scale = attrs.elementwise_affine ? params.weight : null;
    return {
      inputs: [normalizationInputGrad(b, dy, scale, saved.normalized, saved.inv, statAxes)],
      params: grads,
    };
  },
  // LayerNormalization (opset 17) with a constant scale (and bias) over the trailing dims.
  fromOnnx: {
    opTypes: ['LayerNormalization'],
    read: (node) => {
      const x = node.inputs[0];
      if (
        !isData(x) ||
        !x.shape ||
        !onlyAttrs(node, ['axis', 'epsilon', 'stash_type']) ||
        !onlyOutputUsed(node)
      )
        return null;
      if (node.attrs.int('stash_type', 1) !== 1) return null;
      const axis = node.attrs.int('axis', -1);
      const shape = x.shape.slice(axis < 0 ? axis + x.shape.length : axis);
      if (!shape.length || !shape.every((d) => typeof d === 'number')) return null;
      const same = (i: number) => node.inputs[i]?.value?.dims.join() === shape.join();
      const weight = floatValues(node.inputs[1]);
      const b = node.inputs[2];
      const bias = b ? floatValues(b) : undefined;
      if (!weight || !same(1) || (b && (!bias || !same(2)))) return null;
      return {
        attributes: {
          normalized_shape: shape as number[],
          eps: floatAttr(node, 'epsilon', 1e-5),
          elementwise_affine: true,
          bias: !!bias,
        },
        params: { weight, ...(bias ? { bias } : {}) },
      };
    },
  },
  gradientCases: [
    { attributes: { normalized_shape: [4] }, inputs: [[2, 3, 4]] },
    { attributes: {}, inputs: [[2, 3, 4]] },
    { attributes: { elementwise_affine: false }, inputs: [[2, 5]] },
  ],
  examples: [
    {
      why: 'over features',
      attributes: { normalized_shape: [512] },
      inputs: [['N', 10, 512]],
      output: ['N', 10, 512],
      params: 1024,
    },
  ],
});
