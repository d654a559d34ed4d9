// Runs a compiled train step in onnxruntime-node and carries parameters, buffers and optimizer
// state from one step to the next (outputs fed back as inputs).
//
// The carried tensors are written by onnxruntime straight into buffers this session owns (bound
// as pre-allocated outputs) and rotate: a step reads one set and writes the other (reference MLP,
// interleaved rounds on a shared 2-core machine: best step 9.4 -> 5.2 ms in one run, level in
// another; the allocating step is bimodal there). onnxruntime-node 1.30 still returns a fresh copy
// of every output, bound ones included, which this class drops: about 0.57 ms plus GC per MLP step
// that only fewer calls per step can avoid (docs/engine-notes.md §3 item 6, §4). So a session may
// also hold the step unrolled K times (engine/autodiff/unroll.ts): runMany() runs K steps in one
// call, with exactly the results of K single steps, and replays a block that went bad one step at
// a time so divergence recovery below sees single steps.
//
// Every parameter, buffer and optimizer state tensor has exactly two buffers (issue 12: at most
// two copies). The older one doubles as divergence recovery's fallback (lastGoodWeights()): each
// step also outputs Σ|written value| (TrainStep.outputs.writtenAbsSum). When that is not finite or
// more than doubled in one step (weights blowing up: never a normal step), the next step's outputs
// are allocated by onnxruntime instead, so the values before it are not overwritten. A diverging
// run therefore still falls back to the parameters the last step with a finite loss started from,
// and only such flagged steps hold a third copy, for the one step.
import * as ort from 'onnxruntime-node';
import type { SplitStep, TrainStep, UnrolledStep, WeightMap } from '../../engine/index.ts';
import { unrollTrainStep } from '../../engine/index.ts';
import { encodeModel } from '../../engine/onnx/index.ts';
import { createRng } from '../../engine/data/index.ts';
import { createSession, type ExecutionProviderChoice, type ProviderUse } from './providers.ts';
import { SpinGovernor, withSpinning } from './spinning.ts';
import { withMemoryPattern } from './memoryPattern.ts';
import { SplitRunner } from './splitRunner.ts';
import {
  dropoutMask,
  slice,
  stepResult,
  type StepHyper,
  type StepInput,
  type StepResult,
} from './stepResults.ts';

export { NO_SPINNING } from './spinning.ts';
export type { StepHyper, StepInput, StepResult } from './stepResults.ts';

const tensor = (data: Float32Array, shape: number[]) => new ort.Tensor('float32', data, shape);

/** The unrolled step (several steps per call) and its onnxruntime session. */
interface UnrolledSession {
  unrolled: UnrolledStep;
  session: ort.InferenceSession;
}

type SessionOptions = ort.InferenceSession.SessionOptions;

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
  private callCount = 0;
  /** Truncated BPTT: each recurrent state as the last window left it (zeros at a stream's start). */
  private carriedState = new Map<string, Float32Array>();
  /** Whether the current values look sound (see above), so the next step may overwrite the older ones. */
  private currentSound = true;
  /** Σ|value| of the current parameters and buffers, which the next step's result is held to. */
  private currentAbsSum = 0;
  /** Whether a step ran since the values were set (the older buffers hold something). */
  private stepped = false;
  /** spinning 'auto': turns spinning on and off by the machine's load (host/training/spinning.ts). */
  private governor: SpinGovernor | null = null;
  /** The sessions' options, to build them again with the other spinning choice. */
  private options: SessionOptions = {};
  private rebuildCount = 0;
  private constructor(
    readonly step: TrainStep,
    /** The whole step's session; null when the batch is split (the runner's sessions run it). */
    private session: ort.InferenceSession | null,
    private readonly seed: number,
    /** The execution provider the session runs on (and why not a GPU, if one was asked for). */
    readonly provider: ProviderUse,
    /** Several steps per call, for runMany() (absent: one step per call). */
    private block?: UnrolledSession,
    /** The batch split across threads (splitRunner.ts). */
    private readonly splitRunner?: SplitRunner,
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

  /** Sets a carried tensor's current values (a copy), with the second buffer a step writes into. */
  private load(input: string, values: ArrayLike<number>): void {
    const ring: Ring = [Float32Array.from(values)];
    if (this.carriedOutputs.some((c) => c.input === input)) ring.push(new Float32Array(values.length));
    this.rings.set(input, ring);
  }

  /** Bytes held for parameters, buffers and optimizer state: two buffers each, one if frozen. */
  heldBytes(): number {
    let bytes = 0;
    for (const ring of this.rings.values()) for (const b of ring) bytes += b.byteLength;
    return bytes;
  }

  /**
   * `stepsPerCall` > 1 also builds the step unrolled that many times (engine/autodiff/unroll.ts)
   * for runMany(); pass an `unrolled` step to reuse one built before.
   */
  static async create(
    step: TrainStep,
    weights: WeightMap,
    opts: {
      seed?: number;
      threads?: number;
      provider?: ExecutionProviderChoice;
      stepsPerCall?: number;
      unrolled?: UnrolledStep;
      /**
       * Let onnxruntime's intra-op threads spin between ops; 'auto': off at first, then runMany()
       * turns it on while the machine's other processes leave the cores free (spinning.ts). Absent:
       * off (NO_SPINNING). A governor of one's own stands for 'auto' with its readings (tests).
       */
      spinning?: boolean | 'auto' | SpinGovernor;
      /**
       * Run each step as this split of the batch across threads (splitRunner.ts's splitFor()):
       * one intra-op thread per part, one step per call, no spinning.
       */
      split?: SplitStep;
    } = {},
  ): Promise<StepSession> {
    const options = withSpinning(
      withMemoryPattern(
        { intraOpNumThreads: opts.threads ?? 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' },
        step,
      ),
      opts.spinning === true,
    );
    const k = opts.split ? 1 : (opts.unrolled?.k ?? opts.stepsPerCall ?? 1);
    const unrolled = k > 1 ? (opts.unrolled ?? unrollTrainStep(step, k)) : undefined;
    // Split, the steps run on the runner's sessions: a whole-step session would only hold memory.
    const { session, use } = opts.split
      ? { session: null, use: { provider: 'cpu' as const } }
      : await createSession(encodeModel(step.model), options, opts.provider);
    let block: UnrolledSession | undefined;
    if (unrolled)
      try {
        // On the provider the single step got, so both run alike (no second GPU attempt).
        const on = use.provider === 'cpu' ? 'cpu' : opts.provider;
        block = {
          unrolled,
          session: (await createSession(encodeModel(unrolled.model), options, on)).session,
        };
      } catch (e) {
        await session?.release();
        throw e;
      }
    let runner: SplitRunner | undefined;
    if (opts.split)
      try {
        runner = await SplitRunner.create(opts.split);
      } catch (e) {
        await session?.release();
        throw e;
      }
    const s = new StepSession(step, session, opts.seed ?? 0, use, block, runner);
    s.options = options;
    if (!runner && (opts.spinning instanceof SpinGovernor || opts.spinning === 'auto')) {
      const governor = opts.spinning === 'auto' ? new SpinGovernor() : opts.spinning;
      if (governor.available && use.provider === 'cpu') s.governor = governor;
    }
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
    this.valuesSet();
  }

  /** New values were loaded: they are trusted, and what the next step writes is held to them. */
  private valuesSet(): void {
    this.stepped = false;
    this.currentSound = true;
    this.currentAbsSum = 0;
    for (const c of this.carriedOutputs)
      if (this.step.params.some((p) => p.input === c.input))
        for (const v of this.current(c.input)) this.currentAbsSum += Math.abs(v);
  }

  /** A copy of the current parameters and buffers (the session's own buffers are reused). */
  weights(): WeightMap {
    return this.paramsAt(0);
  }

  /**
   * What a run whose last step gave a non-finite loss falls back to: a copy of the older
   * parameters. After a step that read sound values, those values; after a step that read flagged
   * ones (non-finite or blown up), the ones before them, which that step did not overwrite. In a
   * diverging run the weights blow up before the loss fails, so this is the parameters the last
   * step with a finite loss started from. Before any step, the current ones.
   */
  lastGoodWeights(): WeightMap {
    return this.paramsAt(this.stepped ? 1 : 0);
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
    hyper: StepHyper,
    /** Fixed dropout masks by node id (tests); drawn from the seeded generator otherwise. */
    masks?: Map<string, Float32Array>,
  ): Promise<StepResult> {
    const s = this.step;
    if (this.splitRunner) return this.runSplit(this.splitRunner, { data, target, hyper, masks });
    const feeds = this.stepFeeds({ data, target, hyper, masks }, this.stepCount);
    for (const p of s.params) feeds[p.input] = tensor(this.current(p.input), p.shape);
    for (const st of s.state) feeds[st.input] = tensor(this.current(st.input), st.shape);
    for (const c of s.carried) feeds[c.input] = tensor(this.carriedState.get(c.input)!, c.shape);
    this.stepCount++;
    const bound = this.currentSound;
    this.callCount++;
    const out = await this.session!.run(feeds, this.fetches(bound));
    this.rotate(bound, out, (out[s.outputs.loss].data as Float32Array)[0]);
    // The final state goes on as a value: the next window's graph has no path back into this one.
    for (const c of s.carried) this.carriedState.set(c.input, out[c.output].data as Float32Array);
    return stepResult(s, (name) => out[name].data as Float32Array);
  }

  /** Train steps per onnxruntime call that runMany() uses for a full block (1 without an unrolled step). */
  get stepsPerCall(): number {
    return this.block?.unrolled.k ?? 1;
  }

  /**
   * Several steps in order, with exactly the results and carried values of as many run() calls.
   * A full block (stepsPerCall steps) from sound values runs as one call of the unrolled step. A
   * block in which a loss is not finite, or the written values blow up (see the file comment), is
   * thrown away and its steps replayed one by one, so divergence recovery sees what single steps
   * give. The results stop at the first step whose loss is not finite.
   */
  async runMany(steps: StepInput[]): Promise<StepResult[]> {
    const spin = this.governor?.next();
    if (spin !== undefined && spin !== null) await this.rebuild(withSpinning(this.options, spin));
    const block = this.block;
    if (block && steps.length === block.unrolled.k && this.currentSound) {
      const results = await this.runBlock(block, steps);
      if (results) return results;
    }
    const results: StepResult[] = [];
    for (const x of steps) {
      const r = await this.run(x.data, x.target, x.hyper, x.masks);
      results.push(r);
      if (!Number.isFinite(r.loss)) break;
    }
    return results;
  }

  /** One call of the unrolled step; null (nothing changed) when single steps must replay it. */
  private async runBlock(block: UnrolledSession, steps: StepInput[]): Promise<StepResult[] | null> {
    const { unrolled, session } = block;
    const feeds: Record<string, ort.Tensor> = {};
    steps.forEach((x, j) => {
      for (const [name, t] of Object.entries(this.stepFeeds(x, this.stepCount + j)))
        feeds[unrolled.perStep[j].get(name)!] = t;
    });
    for (const p of this.step.params) feeds[p.input] = tensor(this.current(p.input), p.shape);
    for (const st of this.step.state) feeds[st.input] = tensor(this.current(st.input), st.shape);
    this.callCount++;
    const out = await session.run(feeds, this.fetches(true, session.outputNames));
    const stackedOf = (name: string) => out[name].data as Float32Array;
    const results = steps.map((_, j) =>
      stepResult(this.step, (name) => slice(stackedOf(name), j, steps.length)),
    );
    const sums = this.step.outputs.writtenAbsSum ? stackedOf(this.step.outputs.writtenAbsSum) : null;
    let previous = this.currentAbsSum;
    for (let j = 0; j < steps.length; j++) {
      if (!Number.isFinite(results[j].loss)) return null;
      if (sums && !(Number.isFinite(sums[j]) && sums[j] <= 2 * previous)) return null;
      previous = sums?.[j] ?? previous;
    }
    this.stepCount += steps.length;
    this.rotate(true, out, results.at(-1)!.loss);
    return results;
  }

  /** The inputs one step feeds anew (batch, target, masks, learning rate, bias corrections), by single-step name. */
  private stepFeeds(x: StepInput, stepIndex: number): Record<string, ort.Tensor> {
    const s = this.step;
    const shapes = new Map<string, number[]>([
      ...s.dataInputs.map((d) => [d.input, d.shape] as const),
      [s.target.input, s.target.shape],
      ...s.masks.map((m) => [m.input, m.shape] as const),
    ]);
    const feeds: Record<string, ort.Tensor> = {};
    for (const [name, value] of this.stepValues(x, stepIndex))
      feeds[name] = tensor(value, shapes.get(name) ?? []);
    return feeds;
  }

  /** stepFeeds()'s values, untensored: the batch's rows (data, target, masks), then the scalars. */
  private stepValues(x: StepInput, stepIndex: number): Map<string, Float32Array> {
    const s = this.step;
    const values = new Map<string, Float32Array>();
    for (const d of s.dataInputs) values.set(d.input, x.data.get(d.nodeId)!);
    values.set(s.target.input, x.target);
    // Masks come from a generator seeded by (seed, step), so a resumed run draws the same ones.
    const maskRng = s.masks.length ? createRng(this.seed * 1_000_003 + stepIndex) : null;
    for (const m of s.masks)
      values.set(m.input, x.masks?.get(m.nodeId) ?? dropoutMask(maskRng!, m.shape, m.p));
    const t = stepIndex + 1;
    if (s.scalars.lr) values.set(s.scalars.lr, new Float32Array([x.hyper.lr]));
    if (s.scalars.biasCorrection1) {
      values.set(s.scalars.biasCorrection1, new Float32Array([1 - (x.hyper.beta1 ?? 0.9) ** t]));
      values.set(s.scalars.biasCorrection2, new Float32Array([1 - (x.hyper.beta2 ?? 0.999) ** t]));
    }
    return values;
  }

  /**
   * One step as the split of the batch across threads: the parts' gradients at once, then the
   * update model, fed and bound like the whole step (its names are the whole step's).
   */
  private async runSplit(runner: SplitRunner, x: StepInput): Promise<StepResult> {
    const s = this.step;
    const values = this.stepValues(x, this.stepCount);
    const params = new Map(s.params.map((p) => [p.input, this.current(p.input)]));
    const g = await runner.gradients(values, params);
    const feeds = g.feeds;
    for (const p of s.params) if (p.trainable) feeds[p.input] = tensor(this.current(p.input), p.shape);
    for (const st of s.state) feeds[st.input] = tensor(this.current(st.input), st.shape);
    for (const name of Object.values(s.scalars)) if (name) feeds[name] = tensor(values.get(name)!, []);
    this.stepCount++;
    this.callCount++;
    const bound = this.currentSound;
    const out = await runner.update.run(feeds, this.fetches(bound, runner.update.outputNames));
    this.rotate(bound, out, g.loss);
    return stepResult(s, (name) =>
      name === s.outputs.loss
        ? Float32Array.of(g.loss)
        : name === s.outputs.prediction
          ? g.prediction
          : (out[name].data as Float32Array),
    );
  }

  /** Every output; when `bound`, the carried ones written into the older buffer of their ring. */
  private fetches(bound: boolean, names = this.session!.outputNames): Record<string, ort.Tensor | null> {
    const fetches: Record<string, ort.Tensor | null> = {};
    for (const name of names) fetches[name] = null;
    if (bound)
      for (const c of this.carriedOutputs)
        fetches[c.output] = tensor(this.rings.get(c.input)!.at(-1)!, c.shape);
    return fetches;
  }

  /**
   * The written values become current. A bound step wrote into the older buffer, and the values
   * it read become the older ones. An unbound step read flagged values: they become the older
   * ones only if its loss was finite (they are then the last finite-loss step's start); else the
   * older ones stay, and what onnxruntime allocated replaces them.
   */
  private rotate(bound: boolean, out: ort.InferenceSession.ReturnType, loss: number): void {
    const keepRead = bound || Number.isFinite(loss);
    for (const c of this.carriedOutputs) {
      const ring = this.rings.get(c.input)!;
      const written = bound ? ring[1] : Float32Array.from(out[c.output].data as Float32Array);
      ring[1] = keepRead ? ring[0] : ring[1];
      ring[0] = written;
    }
    const name = this.step.outputs.writtenAbsSum;
    if (name) {
      // A block's sums come stacked, one per step; the last step's is what the values now hold.
      const sums = out[name].data as Float32Array;
      const written = sums[sums.length - 1];
      this.currentSound = Number.isFinite(written) && written <= 2 * this.currentAbsSum;
      this.currentAbsSum = written;
    }
    this.stepped = true;
  }

  /**
   * The same models in new sessions with other options (on the CPU, where the governor runs);
   * carried values stay in this object's buffers, so the next step goes on from them.
   */
  private async rebuild(options: SessionOptions): Promise<void> {
    const single = await ort.InferenceSession.create(encodeModel(this.step.model), options);
    const unrolled = this.block
      ? await ort.InferenceSession.create(encodeModel(this.block.unrolled.model), options)
      : null;
    await this.release();
    this.session = single;
    if (this.block && unrolled) this.block = { unrolled: this.block.unrolled, session: unrolled };
    this.options = options;
    this.rebuildCount++;
  }

  /** Times the sessions were built again for a new spinning choice. */
  get rebuilds(): number {
    return this.rebuildCount;
  }

  /** Whether onnxruntime's threads spin between ops now. */
  get spinning(): boolean {
    return !this.options.extra;
  }

  /** onnxruntime calls made so far (a block of steps is one). */
  get calls(): number {
    return this.callCount;
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
    this.valuesSet();
  }

  async release(): Promise<void> {
    await this.session?.release();
    await this.block?.session.release();
    await this.splitRunner?.release();
  }

  /** Threads the batch is split across (1: not split). */
  get parts(): number {
    return this.splitRunner?.split.parts ?? 1;
  }
}
