import { reduceSum } from '../autodiff/ops.ts';
import { normalizationInputGrad } from '../families/batchNorm.ts';
import { f } from '../onnx/builder.ts';
import { bool, defineLayer, float, ints } from '../layer.ts';
import { problem } from '../diagnostics.ts';
import type { Shape } from '../tensor/shape.ts';
import {
  dataAndScalar,
  floatAttr,
  floatValues,
  isData,
  onlyAttrs,
  onlyOutputUsed,
  onlyReader,
  type NodeView,
  type OnnxMatch,
} from '../onnx/import/view.ts';
import { numbers, shortestFloat32 } from '../onnx/import/values.ts';
import { call, decimal } from '../export/pytorch/python.ts';

/** The normalised trailing dims; empty means every dim after the batch. */
const normalized = (x: Shape, shape: readonly number[]) =>
  shape.length ? [...shape] : (x.slice(1) as number[]);

/** LayerNormalization with a constant scale (and bias) over the trailing dims. */
function layerNormalization(node: NodeView): OnnxMatch | null {
  const x = node.inputs[0];
  if (!isData(x) || !x.shape || !onlyAttrs(node, ['axis', 'epsilon', 'stash_type']) || !onlyOutputUsed(node))
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
}

/** The trailing axes a ReduceMean (keepdims) averages over; null when it isn't that. */
function trailingMeanAxes(n: NodeView, rank: number): number[] | null {
  if (!onlyAttrs(n, ['axes', 'keepdims']) || n.attrs.int('keepdims', 1) !== 1) return null;
  const given = n.opset >= 18 ? n.inputs[1]?.value && numbers(n.inputs[1].value) : n.attrs.ints('axes');
  if (!given?.length) return null;
  const axes = given.map((a) => (a < 0 ? a + rank : a)).sort((p, q) => p - q);
  const trailing = axes.every((a, i) => a === rank - axes.length + i);
  return trailing && axes[0] > 0 ? axes : null;
}

/** The only reader of `n` that multiplies by a constant of the normalised shape, and its values. */
function affine(
  n: NodeView,
  op: 'Mul' | 'Add',
  shape: number[],
): { node: NodeView; values: Float32Array } | null {
  const next = onlyReader(n, op);
  const other = next?.inputs.find((v) => v && v.name !== n.outputs[0].name);
  const values = floatValues(other);
  const dims = other?.value?.dims ?? [];
  const fits =
    values &&
    dims.length >= shape.length &&
    dims.slice(0, dims.length - shape.length).every((d) => d === 1) &&
    dims.slice(dims.length - shape.length).join() === shape.join();
  return next && values && fits && next.inputs.length === 2 ? { node: next, values } : null;
}

/**
 * LayerNorm spelled out, from its first node: mean = ReduceMean(x), d = x - mean, var =
 * ReduceMean(d², with Pow or Mul), (d / Sqrt(var + eps)) or d · Reciprocal(..), then an optional
 * per-element scale and shift, as PyTorch exports nn.LayerNorm before opset 17.
 */
function decomposed(mean: NodeView): OnnxMatch | null {
  const x = mean.inputs[0];
  const rank = x?.shape?.length ?? 0;
  const axes = isData(x) ? trailingMeanAxes(mean, rank) : null;
  const sub = onlyReader(mean, 'Sub');
  if (!axes || !sub || sub.inputs[0]?.name !== x!.name || sub.isGraphOutput(0)) return null;
  const shape = x!.shape!.slice(axes[0]);
  if (!shape.every((d) => typeof d === 'number')) return null;
  const d = sub.outputs[0].name;
  const readers = sub.consumers(0);
  const square = readers.find(
    (r) =>
      (r.opType === 'Pow' && r.inputs[0]?.name === d && dataAndScalar(r)?.c === 2) ||
      (r.opType === 'Mul' && r.inputs.length === 2 && r.inputs.every((v) => v?.name === d)),
  );
  const variance = square && onlyReader(square, 'ReduceMean');
  const plus =
    variance && trailingMeanAxes(variance, rank)?.join() === axes.join() ? onlyReader(variance, 'Add') : null;
  const eps = plus && dataAndScalar(plus);
  const sqrt = plus && onlyReader(plus, 'Sqrt');
  if (!square || !variance || !plus || !eps || !(eps.c > 0) || !sqrt || readers.length !== 2) return null;
  const recip = onlyReader(sqrt, 'Reciprocal');
  const root = (recip ?? sqrt).outputs[0].name;
  const norm = readers.find(
    (r) =>
      r !== square &&
      r.inputs.length === 2 &&
      ((r.opType === 'Div' && !recip && r.inputs[0]?.name === d && r.inputs[1]?.name === root) ||
        (r.opType === 'Mul' && !!recip && r.inputs.some((v) => v?.name === root))),
  );
  if (!norm || (!recip && onlyReader(sqrt, 'Div') !== norm)) return null;
  const scale = affine(norm, 'Mul', shape as number[]);
  const shift = scale && affine(scale.node, 'Add', shape as number[]);
  const nodes = [sub, square, variance, plus, sqrt, ...(recip ? [recip] : []), norm];
  return {
    attributes: {
      normalized_shape: shape as number[],
      eps: shortestFloat32(eps.c),
      elementwise_affine: !!scale,
      bias: !!shift,
    },
    params: scale ? { weight: scale.values, ...(shift ? { bias: shift.values } : {}) } : {},
    absorbs: [...nodes, ...(scale ? [scale.node] : []), ...(shift ? [shift.node] : [])],
  };
}

const LAYER_NORM_NO_BIAS = {
  name: 'LayerNormNoBias',
  code: `class LayerNormNoBias(nn.LayerNorm):
    """nn.LayerNorm(..., bias=False) for every PyTorch version: a learned scale, no shift."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.register_parameter("bias", None)`,
};

export default defineLayer({
  type: 'LayerNorm',
  category: 'normalization',
  torch: 'nn.LayerNorm',
  // nn.LayerNorm's bias=False came with PyTorch 2.1; the helper gives the same on older ones.
  toTorch: ({ attrs: a, inputShapes }) => {
    const n = normalized(inputShapes[0], a.normalized_shape!);
    const noBias = a.elementwise_affine && !a.bias;
    return {
      module: call(
        noBias ? 'LayerNormNoBias' : 'nn.LayerNorm',
        [n.length === 1 ? n[0] : n],
        [
          ['eps', decimal(a.eps!), decimal(1e-5)],
          ['elementwise_affine', a.elementwise_affine!, true],
        ],
      ),
      ...(noBias ? { helpers: [LAYER_NORM_NO_BIAS] } : {}),
    };
  },
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
  // LayerNormalization (opset 17), or its decomposition as exporters write it before 17.
  fromOnnx: {
    opTypes: ['LayerNormalization', 'ReduceMean'],
    read: (node) => (node.opType === 'ReduceMean' ? decomposed(node) : layerNormalization(node)),
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
