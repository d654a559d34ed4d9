// BatchNorm1d/2d: per-channel normalisation with learned scale and shift (2C parameters) and
// running mean/variance buffers (2C, not parameters, as in PyTorch's model.parameters()).
import type { ParamSpec } from '../layer.ts';
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
          { name: 'weight', shape: [c], role: 'weight' as const },
          { name: 'bias', shape: [c], role: 'bias' as const },
        ]
      : []),
    ...(a.track_running_stats
      ? [
          { name: 'running_mean', shape: [c], role: 'buffer' as const },
          { name: 'running_var', shape: [c], role: 'buffer' as const },
        ]
      : []),
  ];
}
