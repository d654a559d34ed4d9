// What one train step takes and gives back, and the pure helpers StepSession builds them with:
// a step's result from its outputs, a step's slice of an unrolled block's stacked outputs, and
// the seeded dropout masks.
import type { TrainStep, WeightMap } from '../../engine/index.ts';
import type { Rng } from '../../engine/data/index.ts';

export interface StepResult {
  loss: number;
  prediction: Float32Array;
  gradSquares: Map<string, number>;
  /** Gradients-only steps: node id -> param -> gradient. */
  grads?: WeightMap;
  /** With inputGradients: Input node id -> dLoss/dInput. */
  inputGrads?: Map<string, Float32Array>;
  /** With probes: node id -> its forward output and dLoss/d(output) (see TrainStep.outputs.probes). */
  probes?: Map<string, { forward: Float32Array; backward?: Float32Array }>;
}

export interface StepHyper {
  lr: number;
  beta1?: number;
  beta2?: number;
}

/** What one step feeds: data per Input node id, targets shaped like the output, the step's hyperparameters. */
export interface StepInput {
  data: Map<string, Float32Array>;
  target: Float32Array;
  hyper: StepHyper;
  /** Fixed dropout masks by node id (tests); drawn from the seeded generator otherwise. */
  masks?: Map<string, Float32Array>;
}

/** Step j's part of a [K, ...] stacked output. */
export function slice(stacked: Float32Array, j: number, k: number): Float32Array {
  const n = stacked.length / k;
  return stacked.subarray(j * n, (j + 1) * n);
}

/** A step's result from its outputs (`value` gives an output's data by the single step's name). */
export function stepResult(s: TrainStep, value: (name: string) => Float32Array): StepResult {
  const result: StepResult = {
    loss: value(s.outputs.loss)[0],
    prediction: value(s.outputs.prediction),
    gradSquares: new Map(s.outputs.gradSquares.map((g) => [g.nodeId, value(g.output)[0]])),
  };
  if (s.outputs.inputGrads.length)
    result.inputGrads = new Map(s.outputs.inputGrads.map((g) => [g.nodeId, value(g.output)]));
  if (s.outputs.probes.length)
    result.probes = new Map(
      s.outputs.probes.map((p) => [
        p.nodeId,
        { forward: value(p.forward), ...(p.backward ? { backward: value(p.backward) } : {}) },
      ]),
    );
  if (s.outputs.grads.length) {
    result.grads = new Map();
    for (const g of s.outputs.grads) {
      let m = result.grads.get(g.nodeId);
      if (!m) result.grads.set(g.nodeId, (m = new Map()));
      m.set(g.param, value(g.output));
    }
  }
  return result;
}

/** Bernoulli(1-p) scaled by 1/(1-p), from the seeded generator. */
export function dropoutMask(rng: Rng, shape: number[], p: number): Float32Array {
  const mask = new Float32Array(shape.reduce((a, b) => a * b, 1));
  const keep = 1 - p;
  for (let i = 0; i < mask.length; i++) mask[i] = rng.next() < keep ? 1 / keep : 0;
  return mask;
}
