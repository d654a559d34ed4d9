// Runs a compiled train step in onnxruntime-node and carries parameters, buffers and optimizer
// state from one step to the next (outputs fed back as inputs).
import * as ort from 'onnxruntime-node';
import type { TrainStep, WeightMap } from '../../engine/index.ts';
import { encodeModel } from '../../engine/onnx/index.ts';
import { createRng, type Rng } from '../../engine/data/index.ts';
import { createSession, type ExecutionProviderChoice, type ProviderUse } from './providers.ts';

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

const tensor = (data: Float32Array, shape: number[]) => new ort.Tensor('float32', data, shape);

/**
 * Everything a session carries between steps, for checkpoints: parameter, buffer and optimizer
 * state values by train-step input name, and the optimizer step count (Adam's bias correction,
 * dropout masks).
 */
export interface SessionState {
  step: number;
  tensors: Record<string, Float32Array>;
}

export class StepSession {
  private values = new Map<string, Float32Array>();
  private stepCount = 0;
  private constructor(
    readonly step: TrainStep,
    private session: ort.InferenceSession,
    private readonly seed: number,
    /** The execution provider the session runs on (and why not a GPU, if one was asked for). */
    readonly provider: ProviderUse,
  ) {}

  static async create(
    step: TrainStep,
    weights: WeightMap,
    opts: { seed?: number; threads?: number; provider?: ExecutionProviderChoice } = {},
  ): Promise<StepSession> {
    const { session, use } = await createSession(
      encodeModel(step.model),
      { intraOpNumThreads: opts.threads ?? 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' },
      opts.provider,
    );
    const s = new StepSession(step, session, opts.seed ?? 0, use);
    s.setWeights(weights);
    return s;
  }

  /** Loads parameter and buffer values; optimizer state starts fresh (heavy-ball: at the parameters). */
  setWeights(weights: WeightMap): void {
    for (const p of this.step.params) {
      const v = weights.get(p.nodeId)?.get(p.param);
      if (!v) throw new Error(`no value for ${p.input}`);
      this.values.set(p.input, Float32Array.from(v));
    }
    for (const s of this.step.state)
      this.values.set(
        s.input,
        s.slot === 'previous'
          ? Float32Array.from(
              this.values.get(
                `${this.step.params.find((p) => p.nodeId === s.nodeId && p.param === s.param)!.input}`,
              )!,
            )
          : new Float32Array(s.shape.reduce((a, b) => a * b, 1)),
      );
    this.stepCount = 0;
  }

  weights(): WeightMap {
    const out: WeightMap = new Map();
    for (const p of this.step.params) {
      let m = out.get(p.nodeId);
      if (!m) out.set(p.nodeId, (m = new Map()));
      m.set(p.param, this.values.get(p.input)!);
    }
    return out;
  }

  /** One step on a batch (data per Input node id, targets shaped like the output). */
  async run(
    data: Map<string, Float32Array>,
    target: Float32Array,
    hyper: { lr: number; beta1?: number; beta2?: number },
    /** Fixed dropout masks by node id (tests); drawn from the seeded generator otherwise. */
    masks?: Map<string, Float32Array>,
  ): Promise<StepResult> {
    const s = this.step;
    const feeds: Record<string, ort.Tensor> = {};
    for (const d of s.dataInputs) feeds[d.input] = tensor(data.get(d.nodeId)!, d.shape);
    feeds[s.target.input] = tensor(target, s.target.shape);
    for (const p of s.params) feeds[p.input] = tensor(this.values.get(p.input)!, p.shape);
    for (const st of s.state) feeds[st.input] = tensor(this.values.get(st.input)!, st.shape);
    // Masks come from a generator seeded by (seed, step), so a resumed run draws the same ones.
    const maskRng = s.masks.length ? createRng(this.seed * 1_000_003 + this.stepCount) : null;
    for (const m of s.masks)
      feeds[m.input] = tensor(masks?.get(m.nodeId) ?? this.dropoutMask(maskRng!, m.shape, m.p), m.shape);
    this.stepCount++;
    if (s.scalars.lr) feeds[s.scalars.lr] = tensor(new Float32Array([hyper.lr]), []);
    if (s.scalars.biasCorrection1) {
      feeds[s.scalars.biasCorrection1] = tensor(
        new Float32Array([1 - (hyper.beta1 ?? 0.9) ** this.stepCount]),
        [],
      );
      feeds[s.scalars.biasCorrection2] = tensor(
        new Float32Array([1 - (hyper.beta2 ?? 0.999) ** this.stepCount]),
        [],
      );
    }
    const out = await this.session.run(feeds);
    for (const p of s.params)
      if (p.output && !s.outputs.grads.length) this.values.set(p.input, out[p.output].data as Float32Array);
    for (const st of s.state) this.values.set(st.input, out[st.output].data as Float32Array);
    const gradSquares = new Map(
      s.outputs.gradSquares.map((g) => [g.nodeId, (out[g.output].data as Float32Array)[0]]),
    );
    const result: StepResult = {
      loss: (out.loss.data as Float32Array)[0],
      prediction: out[s.outputs.prediction].data as Float32Array,
      gradSquares,
    };
    if (s.outputs.inputGrads.length)
      result.inputGrads = new Map(
        s.outputs.inputGrads.map((g) => [g.nodeId, out[g.output].data as Float32Array]),
      );
    if (s.outputs.probes.length)
      result.probes = new Map(
        s.outputs.probes.map((p) => [
          p.nodeId,
          {
            forward: out[p.forward].data as Float32Array,
            ...(p.backward ? { backward: out[p.backward].data as Float32Array } : {}),
          },
        ]),
      );
    if (s.outputs.grads.length) {
      result.grads = new Map();
      for (const g of s.outputs.grads) {
        let m = result.grads.get(g.nodeId);
        if (!m) result.grads.set(g.nodeId, (m = new Map()));
        m.set(g.param, out[g.output].data as Float32Array);
      }
    }
    return result;
  }

  /** Bernoulli(1-p) scaled by 1/(1-p), from the seeded generator. */
  private dropoutMask(rng: Rng, shape: number[], p: number): Float32Array {
    const mask = new Float32Array(shape.reduce((a, b) => a * b, 1));
    const keep = 1 - p;
    for (let i = 0; i < mask.length; i++) mask[i] = rng.next() < keep ? 1 / keep : 0;
    return mask;
  }

  /** Optimizer steps taken since the weights were set (Adam's t). */
  get steps(): number {
    return this.stepCount;
  }

  /** A copy of every value carried between steps (checkpoints). */
  exportState(): SessionState {
    const tensors: Record<string, Float32Array> = {};
    for (const [name, v] of this.values) tensors[name] = Float32Array.from(v);
    return { step: this.stepCount, tensors };
  }

  /**
   * Restores exportState()'s values: parameters, buffers and optimizer state must all be there
   * with the sizes this train step expects (same model and optimizer).
   */
  importState(state: SessionState): void {
    const slots = [...this.step.params, ...this.step.state];
    const problems: string[] = [];
    for (const slot of slots) {
      const v = state.tensors[slot.input];
      const size = slot.shape.reduce((a, b) => a * b, 1);
      if (!v) problems.push(`${slot.input} is missing`);
      else if (v.length !== size) problems.push(`${slot.input} has ${v.length} values, expected ${size}`);
    }
    if (problems.length)
      throw new Error(
        `The saved training state does not fit this model and optimizer: ${problems.join('; ')}.`,
      );
    for (const slot of slots) this.values.set(slot.input, Float32Array.from(state.tensors[slot.input]));
    this.stepCount = state.step;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
