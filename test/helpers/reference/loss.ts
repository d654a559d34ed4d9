// Losses with PyTorch's default reduction='mean', and central-difference gradients.
import { softmax } from './elementwise.ts';
import type { RefTensor } from './tensor.ts';
import { fmt, sameShape } from './tensor.ts';

export type LossKind = 'cross-entropy' | 'mse' | 'bce-with-logits' | 'nll';

/** PyTorch's default ignore_index for cross-entropy and NLL. */
export const IGNORE_INDEX = -100;

/**
 * nll_loss: input log-probabilities (N, C, *d), target class indices (N, *d); the mean of
 * -input[n, target, *d] over the targets that are not IGNORE_INDEX.
 */
function nll(logProbs: RefTensor, target: RefTensor): number {
  const [n, c] = logProbs.shape;
  const want = [n, ...logProbs.shape.slice(2)];
  if (logProbs.shape.length < 2 || !sameShape(target.shape, want))
    throw new Error(`class-index target must have shape ${fmt(want)}, got ${fmt(target.shape)}`);
  const inner = target.data.length / n;
  let sum = 0;
  let count = 0;
  for (let b = 0; b < n; b++)
    for (let i = 0; i < inner; i++) {
      const t = target.data[b * inner + i];
      if (t === IGNORE_INDEX) continue;
      if (!Number.isInteger(t) || t < 0 || t >= c)
        throw new Error(`target ${t} is not a class index in [0, ${c})`);
      sum -= logProbs.data[(b * c + t) * inner + i];
      count++;
    }
  return sum / count; // NaN when every target is ignored, as in PyTorch
}

export function lossForward(kind: LossKind, output: RefTensor, target: RefTensor): number {
  switch (kind) {
    case 'cross-entropy':
      return nll(softmax(output, 1, true), target);
    case 'nll':
      return nll(output, target);
    case 'mse': {
      if (!sameShape(output.shape, target.shape))
        throw new Error(`mse: ${fmt(output.shape)} vs ${fmt(target.shape)}`);
      let s = 0;
      for (let i = 0; i < output.data.length; i++) s += (output.data[i] - target.data[i]) ** 2;
      return s / output.data.length;
    }
    case 'bce-with-logits': {
      if (!sameShape(output.shape, target.shape))
        throw new Error(`bce-with-logits: ${fmt(output.shape)} vs ${fmt(target.shape)}`);
      let s = 0;
      for (let i = 0; i < output.data.length; i++) {
        const x = output.data[i];
        const t = target.data[i];
        // -(t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))), overflow-free.
        s += Math.max(x, 0) - x * t + Math.log1p(Math.exp(-Math.abs(x)));
      }
      return s / output.data.length;
    }
  }
  throw new Error(`unknown loss ${String(kind)}`);
}

/**
 * d f / d x[i] by central differences (f(x + eps) - f(x - eps)) / (2 eps) for every element of x,
 * which is mutated in place and restored. f must read x on each call.
 */
export function numericGradient(f: () => number, x: Float64Array, eps = 1e-6): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    x[i] = v + eps;
    const plus = f();
    x[i] = v - eps;
    const minus = f();
    x[i] = v;
    g[i] = (plus - minus) / (2 * eps);
  }
  return g;
}
