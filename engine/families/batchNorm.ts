// BatchNorm1d/2d: per-channel normalisation with learned scale and shift (2C parameters) and
// running mean/variance buffers (2C, not parameters, as in PyTorch's model.parameters()).
import type { LowerContext, ParamSpec } from '../layer.ts';
import { f } from '../onnx/builder.ts';
import { bool, float } from '../layer.ts';
import type { Problem } from '../diagnostics.ts';
import { problem } from '../diagnostics.ts';
import type { Shape } from '../tensor/shape.ts';
import { isKnown } from '../tensor/shape.ts';

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
 * Inference: ONNX BatchNormalization with the running statistics. Without running statistics
 * PyTorch normalises with the batch's own, which we spell out with reductions.
 */
export function batchNormToOnnx(ctx: LowerContext<BatchNormAttrs>): string {
  const { b, attrs: a, params, node, output } = ctx;
  const x = ctx.inputs[0];
  const shape = ctx.inputShapes[0];
  const c = shape[1] as number;
  const scale = a.affine ? params.weight : b.floats(`${node}.ones`, [c], new Float32Array(c).fill(1));
  const shift = a.affine ? params.bias : b.floats(`${node}.zeros`, [c], new Float32Array(c));
  if (a.track_running_stats && !ctx.training)
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
  const std = b.op('Sqrt', [b.op('Add', [variance, b.scalar(a.eps)])]);
  const normal = b.op('Div', [centred, std], {}, { name: `${node}/normalized` });
  const dims = channelShape(shape);
  const s = b.op('Reshape', [scale, b.int64s(`${node}.channel_shape`, dims)]);
  const t = b.op('Reshape', [shift, b.int64s(`${node}.channel_shape`, dims)]);
  return b.op('Add', [b.op('Mul', [normal, s]), t], {}, { name: node, output });
}
