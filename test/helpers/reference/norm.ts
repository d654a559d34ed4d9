// BatchNorm1d/2d and LayerNorm with PyTorch semantics.
import type { Attrs } from './attrs.ts';
import { attrBool, attrInts, attrNumber } from './attrs.ts';
import type { RefTensor } from './tensor.ts';
import { expectShape, fmt, numel, refTensor } from './tensor.ts';

interface ChannelStats {
  mean: Float64Array;
  /** Biased (divide by count): what normalisation uses. */
  variance: Float64Array;
  /** Elements per channel: N x spatial. */
  count: number;
}

function checkBatchNormInput(type: string, x: RefTensor): void {
  const ranks = type === 'BatchNorm2d' ? [4] : [2, 3];
  if (!ranks.includes(x.shape.length))
    throw new Error(`${type} expects a ${ranks.join(' or ')}-d input, got ${fmt(x.shape)}`);
}

/** Per-channel (dim 1) mean and biased variance over the batch and every spatial position. */
export function channelStats(x: RefTensor): ChannelStats {
  const [n, c] = x.shape;
  const inner = numel(x.shape.slice(2));
  const count = n * inner;
  const mean = new Float64Array(c);
  const variance = new Float64Array(c);
  for (let ch = 0; ch < c; ch++) {
    let s = 0;
    for (let b = 0; b < n; b++) for (let i = 0; i < inner; i++) s += x.data[(b * c + ch) * inner + i];
    const m = s / count;
    let v = 0;
    for (let b = 0; b < n; b++)
      for (let i = 0; i < inner; i++) {
        const d = x.data[(b * c + ch) * inner + i] - m;
        v += d * d;
      }
    mean[ch] = m;
    variance[ch] = v / count;
  }
  return { mean, variance, count };
}

/** Batch statistics are used in training, and in evaluation when no running stats are tracked. */
function usesBatchStats(a: Attrs, mode: 'train' | 'eval'): boolean {
  return mode === 'train' || !attrBool(a, 'track_running_stats');
}

export function batchNorm(
  type: string,
  a: Attrs,
  x: RefTensor,
  params: Record<string, RefTensor>,
  mode: 'train' | 'eval',
): RefTensor {
  checkBatchNormInput(type, x);
  const [n, c] = x.shape;
  const inner = numel(x.shape.slice(2));
  const eps = attrNumber(a, 'eps');
  let mean: Float64Array;
  let variance: Float64Array;
  if (usesBatchStats(a, mode)) {
    const s = channelStats(x);
    if (s.count <= 1)
      throw new Error(`Expected more than 1 value per channel when training, got input size ${fmt(x.shape)}`);
    mean = s.mean;
    variance = s.variance;
  } else {
    mean = expectShape('running_mean', params.running_mean, [c]).data;
    variance = expectShape('running_var', params.running_var, [c]).data;
  }
  const affine = attrBool(a, 'affine');
  const w = affine ? expectShape('weight', params.weight, [c]).data : null;
  const b = affine ? expectShape('bias', params.bias, [c]).data : null;
  const y = refTensor(x.shape);
  for (let k = 0; k < n; k++)
    for (let ch = 0; ch < c; ch++) {
      const inv = 1 / Math.sqrt(variance[ch] + eps);
      for (let i = 0; i < inner; i++) {
        const at = (k * c + ch) * inner + i;
        const z = (x.data[at] - mean[ch]) * inv;
        y.data[at] = w && b ? z * w[ch] + b[ch] : z;
      }
    }
  return y;
}

/**
 * The running statistics after one training step on x (PyTorch):
 * running = (1 - momentum) * running + momentum * batch, with the UNBIASED batch variance.
 */
export function batchNormRunningUpdate(
  type: string,
  a: Attrs,
  x: RefTensor,
  params: Record<string, RefTensor>,
): { running_mean: RefTensor; running_var: RefTensor } {
  checkBatchNormInput(type, x);
  if (!attrBool(a, 'track_running_stats')) throw new Error(`${type} does not track running statistics`);
  const c = x.shape[1];
  const momentum = attrNumber(a, 'momentum');
  const rm = expectShape('running_mean', params.running_mean, [c]);
  const rv = expectShape('running_var', params.running_var, [c]);
  const s = channelStats(x);
  if (s.count <= 1) throw new Error('Expected more than 1 value per channel when training');
  const mean = refTensor([c]);
  const variance = refTensor([c]);
  for (let ch = 0; ch < c; ch++) {
    const unbiased = (s.variance[ch] * s.count) / (s.count - 1);
    mean.data[ch] = momentum * s.mean[ch] + (1 - momentum) * rm.data[ch];
    variance.data[ch] = momentum * unbiased + (1 - momentum) * rv.data[ch];
  }
  return { running_mean: mean, running_var: variance };
}

/** The normalised trailing shape: normalized_shape, or every dim after the batch when empty. */
export function layerNormShape(a: Attrs, x: RefTensor): number[] {
  const given = attrInts(a, 'normalized_shape');
  const shape = given.length ? given : x.shape.slice(1);
  const tail = x.shape.slice(x.shape.length - shape.length);
  if (shape.length >= x.shape.length || tail.some((d, i) => d !== shape[i]))
    throw new Error(`normalized_shape ${fmt(shape)} must be the trailing dims of the input ${fmt(x.shape)}`);
  return shape;
}

export function layerNorm(a: Attrs, x: RefTensor, params: Record<string, RefTensor>): RefTensor {
  const shape = layerNormShape(a, x);
  const d = numel(shape);
  const rows = x.data.length / d;
  const eps = attrNumber(a, 'eps');
  const affine = attrBool(a, 'elementwise_affine');
  const w = affine ? expectShape('weight', params.weight, shape).data : null;
  const b = affine && attrBool(a, 'bias') ? expectShape('bias', params.bias, shape).data : null;
  const y = refTensor(x.shape);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let i = 0; i < d; i++) s += x.data[r * d + i];
    const mean = s / d;
    let v = 0;
    for (let i = 0; i < d; i++) v += (x.data[r * d + i] - mean) ** 2;
    const inv = 1 / Math.sqrt(v / d + eps);
    for (let i = 0; i < d; i++) {
      let z = (x.data[r * d + i] - mean) * inv;
      if (w) z *= w[i];
      if (b) z += b[i];
      y.data[r * d + i] = z;
    }
  }
  return y;
}
