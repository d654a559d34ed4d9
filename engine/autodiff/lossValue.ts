// Loss and accuracy computed in plain TypeScript on a model's outputs, for evaluation batches
// (the train step computes its own loss in the graph). Same reductions as loss.ts.
import type { LossKind } from './loss.ts';

export function lossValue(kind: LossKind, output: Float32Array, target: Float32Array, rows: number): number {
  const width = output.length / rows;
  let total = 0;
  switch (kind) {
    case 'cross-entropy':
      for (let r = 0; r < rows; r++) {
        let max = -Infinity;
        for (let c = 0; c < width; c++) max = Math.max(max, output[r * width + c]);
        let sum = 0;
        for (let c = 0; c < width; c++) sum += Math.exp(output[r * width + c] - max);
        const logZ = max + Math.log(sum);
        for (let c = 0; c < width; c++) total -= target[r * width + c] * (output[r * width + c] - logZ);
      }
      return total / rows;
    case 'nll':
      for (let i = 0; i < output.length; i++) total -= target[i] * output[i];
      return total / rows;
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
