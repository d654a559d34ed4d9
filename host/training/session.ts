// Runs a compiled train step in onnxruntime-node and carries parameters, buffers and optimizer
// state from one step to the next (outputs fed back as inputs).
//
// The carried tensors are written by onnxruntime straight into buffers this session owns (bound
// as pre-allocated outputs) and rotate: a step reads one set and writes the next, so no step
// allocates, copies out or garbage-collects a parameter-sized array (reference MLP, interleaved
// rounds on a shared 2-core machine: best step 9.4 -> 5.2 ms in one run, level in another; the
// allocating step is bimodal there). Optimizer state has two buffers, the state read and the state
// written; parameters and buffers have a third, the values before the previous step, which
// divergence recovery falls back to (lastGoodWeights()).
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

/**
 * onnxruntime's intra-op threads spin between ops by default. A train step is many short ops, and
 * on a machine whose cores are shared (the app's UI, other processes) a spinning thread burns the
 * time slice the thread it waits for needs: LeNet's step went from 46 ms to 15 ms (best of 8
 * rounds, 2 threads, load ~8) with spinning off, and the MLP's stayed level (5.2 / 5.5 ms).
 */
export const NO_SPINNING = { session: { intra_op: { allow_spinning: '0' } } };

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

/** A carried tensor's buffers, the current values first, then the older ones, oldest last. */
type Ring = Float32Array[];

export class StepSession {
  /** Every carried tensor by train-step input name; frozen parameters have a one-buffer ring. */
  private rings = new Map<string, Ring>();
  /** Output name -> the input whose ring it writes into (in place of an allocated output). */
  private readonly carriedOutputs: { input: string; output: string; shape: number[] }[];
  private stepCount = 0;
  /** Truncated BPTT: each recurrent state as the last window left it (zeros at a stream's start). */
  private carriedState = new Map<string, Float32Array>();
  /** How many steps back the last good parameters are (ring position); -1 once overwritten. */
  private goodAge = 0;
  private constructor(
    readonly step: TrainStep,
    private session: ort.InferenceSession,
    private readonly seed: number,
    /** The execution provider the session runs on (and why not a GPU, if one was asked for). */
    readonly provider: ProviderUse,
  ) {
    // Gradients-only steps carry nothing: their outputs are gradients, handed to the caller.
    const updates = step.outputs.grads.length ? [] : step.params.filter((p) => p.output);
    this.carriedOutputs = [
      ...updates.map((p) => ({ input: p.input, output: p.output!, shape: p.shape })),
      ...step.state.map((st) => ({ input: st.input, output: st.output, shape: st.shape })),
    ];
  }

  private current(input: string): Float32Array {
    return this.rings.get(input)![0];
  }

  /** Sets a carried tensor's current values (a copy), with the ring it will rotate through. */
  private load(input: string, values: ArrayLike<number>): void {
    const depth = this.step.state.some((st) => st.input === input)
      ? 2
      : this.carriedOutputs.some((c) => c.input === input)
        ? 3
        : 1;
    const ring: Ring = [Float32Array.from(values)];
    for (let i = 1; i < depth; i++) ring.push(new Float32Array(values.length));
    this.rings.set(input, ring);
  }

  static async create(
    step: TrainStep,
    weights: WeightMap,
    opts: { seed?: number; threads?: number; provider?: ExecutionProviderChoice } = {},
  ): Promise<StepSession> {
    const { session, use } = await createSession(
      encodeModel(step.model),
      {
        intraOpNumThreads: opts.threads ?? 1,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        extra: NO_SPINNING,
      },
      opts.provider,
    );
    const s = new StepSession(step, session, opts.seed ?? 0, use);
    s.setWeights(weights);
    s.resetCarriedState();
    return s;
  }

  /** Truncated BPTT: the next window starts a new stream, from a zero state. */
  resetCarriedState(): void {
    for (const c of this.step.carried)
      this.carriedState.set(c.input, new Float32Array(c.shape.reduce((a, b) => a * b, 1)));
  }

  /** Truncated BPTT: a copy of the state the last window ended with, by slot name ("lstm_1.h0_l0"). */
  carried(): Map<string, Float32Array> {
    return new Map(
      this.step.carried.map((c) => [c.input, Float32Array.from(this.carriedState.get(c.input)!)]),
    );
  }

  /** Loads parameter and buffer values; optimizer state starts fresh (heavy-ball: at the parameters). */
  setWeights(weights: WeightMap): void {
    for (const p of this.step.params) {
      const v = weights.get(p.nodeId)?.get(p.param);
      if (!v) throw new Error(`no value for ${p.input}`);
      this.load(p.input, v);
    }
    for (const s of this.step.state) {
      const param = this.step.params.find((p) => p.nodeId === s.nodeId && p.param === s.param)!;
      this.load(
        s.input,
        s.slot === 'previous'
          ? this.current(param.input)
          : new Float32Array(s.shape.reduce((a, b) => a * b, 1)),
      );
    }
    this.stepCount = 0;
    this.goodAge = 0;
  }

  /** A copy of the current parameters and buffers (the session's own buffers are reused). */
  weights(): WeightMap {
    return this.paramsAt(0);
  }

  /**
   * A copy of the parameters the last step with a finite loss started from: what a run that
   * diverged falls back to. Before any step, or when the trainer kept stepping after two
   * non-finite losses (the values are overwritten by then), the current ones.
   */
  lastGoodWeights(): WeightMap {
    return this.paramsAt(Math.max(this.goodAge, 0));
  }

  private paramsAt(age: number): WeightMap {
    const out: WeightMap = new Map();
    for (const p of this.step.params) {
      let m = out.get(p.nodeId);
      if (!m) out.set(p.nodeId, (m = new Map()));
      const ring = this.rings.get(p.input)!;
      m.set(p.param, Float32Array.from(ring[Math.min(age, ring.length - 1)]));
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
    for (const p of s.params) feeds[p.input] = tensor(this.current(p.input), p.shape);
    for (const st of s.state) feeds[st.input] = tensor(this.current(st.input), st.shape);
    for (const c of s.carried) feeds[c.input] = tensor(this.carriedState.get(c.input)!, c.shape);
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
    const out = await this.session.run(feeds, this.fetches());
    this.rotate(Number.isFinite((out.loss.data as Float32Array)[0]));
    // The final state goes on as a value: the next window's graph has no path back into this one.
    for (const c of s.carried) this.carriedState.set(c.input, out[c.output].data as Float32Array);
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

  /** Every output; the carried ones bound to the oldest buffer of their ring. */
  private fetches(): Record<string, ort.Tensor | null> {
    const fetches: Record<string, ort.Tensor | null> = {};
    for (const name of this.session.outputNames) fetches[name] = null;
    for (const c of this.carriedOutputs)
      fetches[c.output] = tensor(this.rings.get(c.input)!.at(-1)!, c.shape);
    return fetches;
  }

  /** The written buffers become current; the last good parameters move one step further back. */
  private rotate(finiteLoss: boolean): void {
    for (const c of this.carriedOutputs) {
      const ring = this.rings.get(c.input)!;
      ring.unshift(ring.pop()!);
    }
    // A finite loss vouches for the parameters the step read, now one step back.
    this.goodAge = finiteLoss ? 1 : this.goodAge < 0 || this.goodAge >= 2 ? -1 : this.goodAge + 1;
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
    for (const [name, ring] of this.rings) tensors[name] = Float32Array.from(ring[0]);
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
    for (const slot of slots) this.load(slot.input, state.tensors[slot.input]);
    this.stepCount = state.step;
    this.goodAge = 0;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
