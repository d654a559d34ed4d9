// Loss and accuracy computed in plain TypeScript on a model's outputs, for evaluation batches
// (the train step computes its own loss in the graph). Same reductions as loss.ts.
import type { LossKind } from './loss.ts';

/**
 * The loss of outputs shaped `shape` (batch first). Cross-entropy and NLL treat axis 1 as the
 * classes at every other position and average over batch and positions, as PyTorch does.
 */
export function lossValue(
  kind: LossKind,
  output: Float32Array,
  target: Float32Array,
  shape: readonly number[],
): number {
  const [n, c = 1] = shape;
  const inner = shape.slice(2).reduce((p, d) => p * d, 1);
  const at = (b: number, k: number, j: number) => (b * c + k) * inner + j;
  let total = 0;
  switch (kind) {
    case 'cross-entropy':
      for (let b = 0; b < n; b++)
        for (let j = 0; j < inner; j++) {
          let max = -Infinity;
          for (let k = 0; k < c; k++) max = Math.max(max, output[at(b, k, j)]);
          let sum = 0;
          for (let k = 0; k < c; k++) sum += Math.exp(output[at(b, k, j)] - max);
          const logZ = max + Math.log(sum);
          for (let k = 0; k < c; k++) total -= target[at(b, k, j)] * (output[at(b, k, j)] - logZ);
        }
      return total / (n * inner);
    case 'nll':
      for (let i = 0; i < output.length; i++) total -= target[i] * output[i];
      return total / (n * inner);
    case 'mse':
      for (let i = 0; i < output.length; i++) total += (output[i] - target[i]) ** 2;
      return total / output.length;
    case 'bce-with-logits':
      for (let i = 0; i < output.length; i++) {
        const z = output[i];
        total += Math.max(z, 0) - z * target[i] + Math.log1p(Math.exp(-Math.abs(z)));
      }
      return total / output.length;
  }
}

/** Predicted class per row: the argmax (or z > 0 for a single logit). */
export function predictions(output: Float32Array, rows: number): Int32Array {
  const width = output.length / rows;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    if (width === 1) {
      out[r] = output[r] > 0 ? 1 : 0;
      continue;
    }
    let best = 0;
    for (let c = 1; c < width; c++) if (output[r * width + c] > output[r * width + best]) best = c;
    out[r] = best;
  }
  return out;
}

/** One-hot targets for class indices (cross-entropy, NLL, and MSE/BCE on classes). */
export function oneHotTargets(labels: Int32Array, width: number, into?: Float32Array): Float32Array {
  const out = into ?? new Float32Array(labels.length * width);
  out.fill(0);
  if (width === 1) {
    for (let i = 0; i < labels.length; i++) out[i] = labels[i];
    return out;
  }
  for (let i = 0; i < labels.length; i++) out[i * width + labels[i]] = 1;
  return out;
}
