// BatchNorm1d/2d: per-channel normalisation with learned scale and shift (2C parameters) and
// running mean/variance buffers (2C, not parameters, as in PyTorch's model.parameters()); its
// lowering, gradient and ONNX import pattern.
import type {
  GradContext,
  Gradients,
  LowerContext,
  ParamSpec,
  TorchContext,
  TorchSpelling,
} from '../layer.ts';
import { call, decimal } from '../export/pytorch/python.ts';
import type { OnnxBuilder } from '../onnx/builder.ts';
import { reduceSum } from '../autodiff/ops.ts';
import { f } from '../onnx/builder.ts';
import { bool, float } from '../layer.ts';
import type { Problem } from '../diagnostics.ts';
import { problem } from '../diagnostics.ts';
import type { Shape } from '../tensor/shape.ts';
import { isKnown } from '../tensor/shape.ts';
import {
  floatAttr,
  floatValues,
  isData,
  LEGACY,
  onlyAttrs,
  onlyOutputUsed,
  onlyReader,
  rankOf,
} from '../onnx/import/view.ts';
import type { NodeView, OnnxImport } from '../onnx/import/view.ts';

export const batchNormAttributes = {
  eps: float({
    default: 1e-5,
    min: 0,
    exclusiveMin: true,
    doc: 'Added to the variance for numerical stability.',
  }),
  momentum: float({
    default: 0.1,
    min: 0,
    max: 1,
    doc: 'Weight of the new batch in the running statistics (PyTorch convention).',
  }),
  affine: bool({ default: true, doc: 'Learn a per-channel scale (weight) and shift (bias).' }),
  track_running_stats: bool({ default: true, doc: 'Keep running mean and variance for inference.' }),
};

export function batchNormCheck(name: string, x: Shape, ranks: number[]): Problem | null {
  if (!ranks.includes(x.length))
    return problem(
      `${name} expects a ${ranks.map((r) => `${r}-d`).join(' or ')} input (N, C, ...), got [${x.join(', ')}].`,
    );
  if (!isKnown(x[1])) return problem(`${name} needs a known channel count.`);
  return null;
}

export function batchNormParameters(
  x: Shape,
  a: { affine: boolean; track_running_stats: boolean },
): ParamSpec[] {
  const c = x[1] as number;
  return [
    ...(a.affine
      ? [
          { name: 'weight', shape: [c], role: 'weight' as const, init: 'ones' as const },
          { name: 'bias', shape: [c], role: 'bias' as const, init: 'zeros' as const },
        ]
      : []),
    ...(a.track_running_stats
      ? [
          { name: 'running_mean', shape: [c], role: 'buffer' as const, init: 'zeros' as const },
          { name: 'running_var', shape: [c], role: 'buffer' as const, init: 'ones' as const },
        ]
      : []),
  ];
}

interface BatchNormAttrs {
  eps: number;
  affine: boolean;
  track_running_stats: boolean;
}

/** Per-channel constants broadcast as (1, C, 1, ...). */
function channelShape(x: Shape): number[] {
  return x.map((d, i) => (i === 1 ? (d as number) : 1));
}

/**
 * Inference: ONNX BatchNormalization with the running statistics. Training (and models without
 * running statistics) normalise with the batch's own, spelled out in primitives so the backward
 * pass has x̂ and 1/σ, and the running statistics are updated as PyTorch does (unbiased var).
 */
export function batchNormToOnnx(ctx: LowerContext<BatchNormAttrs & { momentum: number }>): string {
  const { b, attrs: a, params, node, output } = ctx;
  const x = ctx.inputs[0];
  const shape = ctx.inputShapes[0];
  const c = shape[1] as number;
  const scale = a.affine ? params.weight : b.floats(`${node}.ones`, [c], new Float32Array(c).fill(1));
  const shift = a.affine ? params.bias : b.floats(`${node}.zeros`, [c], new Float32Array(c));
  if (a.track_running_stats && (!ctx.training || ctx.frozen))
    return b.op(
      'BatchNormalization',
      [x, scale, shift, params.running_mean, params.running_var],
      { epsilon: f(a.eps) },
      { name: node, output },
    );
  const axes = shape.map((_, i) => i).filter((i) => i !== 1);
  const mean = b.op('ReduceMean', [x], { axes, keepdims: 1 }, { name: `${node}/mean` });
  const centred = b.op('Sub', [x, mean], {}, { name: `${node}/centred` });
  const variance = b.op(
    'ReduceMean',
    [b.op('Mul', [centred, centred])],
    { axes, keepdims: 1 },
    { name: `${node}/var` },
  );
  const inv = b.op(
    'Reciprocal',
    [b.op('Sqrt', [b.op('Add', [variance, b.scalar(a.eps)])])],
    {},
    { name: `${node}/inv_std` },
  );
  const normal = b.op('Mul', [centred, inv], {}, { name: `${node}/normalized` });
  ctx.saved.normalized = normal;
  ctx.saved.inv = inv;
  const channels = channelShape(shape);
  ctx.saved.scale = b.op('Reshape', [scale, b.int64s(`${node}.channel_shape`, channels)]);
  if (ctx.training && a.track_running_stats) {
    const n = shape.reduce<number>((p, d, i) => (i === 1 ? p : p * (d as number)), 1);
    const m = a.momentum;
    const flat = (t: string) => b.op('Reshape', [t, b.int64s('shape', [c])]);
    ctx.bufferUpdates.running_mean = b.op('Add', [
      b.op('Mul', [params.running_mean, b.scalar(1 - m)]),
      b.op('Mul', [flat(mean), b.scalar(m)]),
    ]);
    const unbiased = b.op('Mul', [flat(variance), b.scalar(n / Math.max(n - 1, 1))]);
    ctx.bufferUpdates.running_var = b.op('Add', [
      b.op('Mul', [params.running_var, b.scalar(1 - m)]),
      b.op('Mul', [unbiased, b.scalar(m)]),
    ]);
  }
  const t = b.op('Reshape', [shift, b.int64s(`${node}.channel_shape`, channels)]);
  return b.op('Add', [b.op('Mul', [normal, ctx.saved.scale]), t], {}, { name: node, output });
}

/**
 * Shared by BatchNorm (statistics over every axis but channels) and LayerNorm (over the trailing
 * axes): dX = inv (dx̂ - mean(dx̂) - x̂ mean(dx̂ x̂)), with dx̂ = dY γ.
 */
export function normalizationInputGrad(
  b: OnnxBuilder,
  dy: string,
  scale: string | null,
  normalized: string,
  inv: string,
  statAxes: number[],
): string {
  const dxhat = scale ? b.op('Mul', [dy, scale]) : dy;
  const mean = (t: string) => b.op('ReduceMean', [t], { axes: statAxes, keepdims: 1 });
  const inner = b.op('Sub', [
    b.op('Sub', [dxhat, mean(dxhat)]),
    b.op('Mul', [normalized, mean(b.op('Mul', [dxhat, normalized]))]),
  ]);
  return b.op('Mul', [inner, inv]);
}

export function batchNormGradient(ctx: GradContext<BatchNormAttrs>): Gradients {
  const { b, dy, saved } = ctx;
  if (ctx.frozen && ctx.attrs.track_running_stats) return { inputs: [frozenInputGrad(ctx)], params: {} };
  const axes = ctx.inputShapes[0].map((_, i) => i).filter((i) => i !== 1);
  const params: Record<string, string> = {};
  if (ctx.attrs.affine) {
    params.weight = reduceSum(b, b.op('Mul', [dy, saved.normalized]), axes, false);
    params.bias = reduceSum(b, dy, axes, false);
  }
  const dx = normalizationInputGrad(
    b,
    dy,
    ctx.attrs.affine ? saved.scale : null,
    saved.normalized,
    saved.inv,
    axes,
  );
  return { inputs: [dx], params };
}

/** A frozen BatchNorm is the affine map x·γ/√(running_var+ε) + const, so dX = dY·γ/√(running_var+ε). */
function frozenInputGrad(ctx: GradContext<BatchNormAttrs>): string {
  const { b, params } = ctx;
  const inv = b.op('Reciprocal', [
    b.op('Sqrt', [b.op('Add', [params.running_var, b.scalar(ctx.attrs.eps)])]),
  ]);
  const gain = ctx.attrs.affine ? b.op('Mul', [params.weight, inv]) : inv;
  const shape = b.int64s(`${ctx.node}.channel_shape`, channelShape(ctx.inputShapes[0]));
  return b.op('Mul', [ctx.dy, b.op('Reshape', [gain, shape])]);
}

// ---------------------------------------------------------------------------------------------
// ONNX import

/** A BatchNormalization node's constants, when it can be a BatchNorm layer (or folded into a Conv). */
export interface BatchNormConstants {
  eps: number;
  /** ONNX momentum (weight of the running value). */
  momentum: number;
  weight: Float32Array;
  bias: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
  /** training_mode=1: normalises with the batch's statistics (as Netwright does while training). */
  training: boolean;
}

/**
 * BatchNormalization with constant scale, shift and running statistics whose only output read is
 * Y: in inference form, or in training form (training_mode=1, as PyTorch exports a model in train
 * mode) with its running-statistics outputs read nowhere.
 */
export function batchNormConstants(node: NodeView, ranks: number[]): BatchNormConstants | null {
  const x = node.inputs[0];
  if (node.opType !== 'BatchNormalization' || !isData(x) || !ranks.includes(rankOf(x) ?? -1)) return null;
  if (!onlyAttrs(node, ['epsilon', 'momentum', 'spatial', 'training_mode', ...LEGACY])) return null;
  if (node.attrs.int('spatial', 1) !== 1 || !onlyOutputUsed(node)) return null;
  const [weight, bias, mean, variance] = [1, 2, 3, 4].map((i) => floatValues(node.inputs[i]));
  if (!weight || !bias || !mean || !variance) return null;
  return {
    eps: floatAttr(node, 'epsilon', 1e-5),
    momentum: node.attrs.float('momentum', 0.9),
    weight,
    bias,
    mean,
    variance,
    training: node.attrs.int('training_mode', 0) === 1,
  };
}

/**
 * Per-channel values of the constant operand of `n`, a Mul or Add reading `from`'s output: one
 * value per channel of an (N, C, ...) tensor of the given rank ([C, 1, 1], [1, C, 1, 1] or [C] for
 * (N, C)), as Caffe's Scale layer is exported after its BatchNorm.
 */
function channelOperand(n: NodeView, from: NodeView, channels: number, rank: number): Float32Array | null {
  const other =
    n.inputs.length === 2 ? n.inputs.find((v) => v && v.name !== from.outputs[0].name) : undefined;
  const values = floatValues(other);
  const dims = [...(other?.value?.dims ?? [])];
  while (dims.length && dims[0] === 1 && dims.length > rank - 1) dims.shift();
  const fits = dims.length === rank - 1 && dims[0] === channels && dims.slice(1).every((d) => d === 1);
  return values && fits && n.attrs.names().length === 0 ? values : null;
}

/**
 * BatchNormalization as a BatchNorm layer of the given input ranks, absorbing the per-channel
 * Mul and Add that follow it when they are Caffe's Scale layer (the affine part kept separately).
 * Training mode is how the layer behaves while Netwright trains it; its export is the inference form.
 */
export function batchNormImport(ranks: number[]): OnnxImport {
  return {
    opTypes: ['BatchNormalization'],
    read: (node) => {
      const k = batchNormConstants(node, ranks);
      if (!k) return null;
      const rank = rankOf(node.inputs[0])!;
      const weight = Float32Array.from(k.weight);
      const bias = Float32Array.from(k.bias);
      const absorbs: NodeView[] = [];
      const mul = onlyReader(node, 'Mul');
      const scale = mul && channelOperand(mul, node, weight.length, rank);
      if (mul && scale) {
        scale.forEach((s, c) => ((weight[c] *= s), (bias[c] *= s)));
        absorbs.push(mul);
      }
      const last = absorbs[0] ?? node;
      const add = onlyReader(last, 'Add');
      const shift = add && channelOperand(add, last, bias.length, rank);
      if (add && shift) {
        shift.forEach((t, c) => (bias[c] += t));
        absorbs.push(add);
      }
      return {
        attributes: {
          eps: k.eps,
          // ONNX weights the running value by momentum; PyTorch weights the new batch by it.
          momentum: Math.min(1, Math.max(0, Number((1 - k.momentum).toPrecision(6)))),
          affine: true,
          track_running_stats: true,
        },
        params: {
          weight: absorbs.length ? weight : k.weight,
          bias: absorbs.length ? bias : k.bias,
          running_mean: k.mean,
          running_var: k.variance,
        },
        absorbs,
      };
    },
  };
}

/** nn.BatchNorm1d/2d; its state_dict also counts the batches seen (num_batches_tracked). */
export function batchNormToTorch(
  module: 'nn.BatchNorm1d' | 'nn.BatchNorm2d',
  ctx: TorchContext<BatchNormAttrs & { momentum: number }>,
): TorchSpelling {
  const a = ctx.attrs;
  return {
    module: call(
      module,
      [ctx.inputShapes[0][1] as number],
      [
        ['eps', decimal(a.eps), decimal(1e-5)],
        ['momentum', decimal(a.momentum), decimal(0.1)],
        ['affine', a.affine, true],
        ['track_running_stats', a.track_running_stats, true],
      ],
    ),
    ...(a.track_running_stats
      ? { extraState: [{ name: 'num_batches_tracked', dtype: 'I64' as const, shape: [] }] }
      : {}),
  };
}
