// The training loop: epochs of shuffled batches through the compiled train step, evaluation on
// the test set with the inference graph (running statistics, no dropout), per-layer gradient and
// weight norms for the vanishing-gradient view, NaN detection that keeps the last good weights,
// cancellation, and checkpoints to resume from.
import type { Dataset } from '../../engine/data/index.ts';
import type {
  BufferTest,
  LossKind,
  OptimizerConfig,
  ProjectDocument,
  Schedule,
  WeightMap,
} from '../../engine/index.ts';
import {
  analyze,
  bufferTest,
  estimateMemory,
  learningRate,
  lossValue,
  predictions,
  stateSlots,
  stepsPerCallFor,
  trainStepFlops,
  unrollRefusal,
  withBatch,
} from '../../engine/index.ts';
import { inferencePass } from './inferencePass.ts';
import { batchGroups, isClassification, targetsFor, type GatheredBatch } from './batchData.ts';
import type { TrainingStart } from './prepare.ts';
import { prepareTraining, stepSettings } from './prepare.ts';
import { StepSession, type SessionState, type StepInput } from './session.ts';
import { splitFor } from './splitRunner.ts';
import type { Sketcher } from './trajectory.ts';
import { createSketcher } from './trajectory.ts';
import type { PauseGate } from './pauseGate.ts';
import type { ExecutionProviderChoice } from './providers.ts';

export interface TrainConfig {
  epochs: number;
  batchSize: number;
  loss: LossKind;
  optimizer: OptimizerConfig;
  lr: number;
  schedule?: Schedule;
  clipNorm?: number;
  seed?: number;
  /** onnxruntime intra-op threads (2 uses both cores of these machines). */
  threads?: number;
  /** false: batches in the data set's order (to reproduce a run elsewhere); a seeded permutation per epoch otherwise. */
  shuffle?: boolean;
  /** Where the steps run (host/training/providers.ts); the CPU when absent. */
  provider?: ExecutionProviderChoice;
  /**
   * Truncated BPTT: windows of this many steps (the Input's length) from streams, in order, each
   * recurrent layer's state carried from the previous window, detached; reset at every epoch.
   */
  tbptt?: number;
  /** Emit a 'step' event every this many steps (0: none). */
  stepEvery?: number;
  /**
   * Emit 'trajectory' snapshots of θ − θ₀ (host/training/trajectory.ts) at the start, every
   * `every` steps and at every epoch end; `seed` fixes the sketch, shared by a race's runs.
   */
  trajectory?: { every: number; seed: number; size?: number };
  /**
   * Train steps per onnxruntime call (engine/autodiff/unroll.ts); absent: stepsPerCallFor()'s
   * choice. Runs with a trajectory take one step per call (a snapshot may fall on any step).
   */
  stepsPerCall?: number;
}

export interface EpochEvent {
  event: 'epoch';
  epoch: number;
  trainLoss: number;
  /** Null for regression targets, which have no accuracy. */
  trainAccuracy: number | null;
  testLoss: number | null;
  testAccuracy: number | null;
  samplesPerSecond: number;
  /** Mean wall time of one update (one train step run) over the epoch, in milliseconds. */
  msPerUpdate: number;
  /** node id -> mean L2 norm of its parameter gradients over the epoch's steps. */
  gradNorms: Record<string, number>;
  /** node id -> L2 norm of its parameters after the epoch. */
  weightNorms: Record<string, number>;
  lr: number;
}

export type TrainEvent =
  | {
      event: 'start';
      steps: number;
      memoryBytes: number;
      parameters: number;
      /** Floating-point operations of one update: the train step's FLOPs per sample x the batch. */
      flopsPerUpdate: number;
      /** Train steps per onnxruntime call (TrainConfig.stepsPerCall). */
      stepsPerCall: number;
      /** Threads the batch is split across, each computing a part's gradients (splitRunner.ts); absent: 1. */
      parts?: number;
      /** The execution provider the steps run on, and why not the GPU asked for (one line). */
      provider: string;
      providerFallback?: string;
    }
  | {
      event: 'step';
      epoch: number;
      step: number;
      loss: number;
      samplesPerSecond: number;
      /** Training accuracy over the epoch so far (classification). */
      accuracy?: number;
    }
  | EpochEvent
  | { event: 'trajectory'; epoch: number; step: number; point: Float32Array; sketched: boolean }
  | { event: 'stopped'; reason: 'diverged' | 'cancelled'; message: string; epoch: number; step: number }
  /** Waiting at a step boundary; `weights` are the weights so far (to try or export meanwhile). */
  | { event: 'paused'; epoch: number; step: number; weights: WeightMap }
  | { event: 'resumed'; epoch: number; step: number };

/** Checkpoints: continue a run, and hand out what a checkpoint needs after every epoch. */
export interface TrainHooks {
  /** The session state saved after `epoch` epochs; training continues with the next epoch. */
  resume?: { state: SessionState; epoch: number };
  /**
   * Checked before every onnxruntime call (a step, or a block of stepsPerCall steps): while paused,
   * training waits (host/training/pauseGate.ts).
   */
  gate?: PauseGate;
  /** Called after every epoch (after its 'epoch' event) with the state to save. */
  onEpochEnd?: (c: { epoch: number; state: SessionState; history: EpochEvent[] }) => void | Promise<void>;
}

/** One training run: the model, the data, the settings and whom to tell. */
export interface TrainRun extends TrainHooks {
  doc: ProjectDocument;
  data: { train: Dataset; test?: Dataset };
  config: TrainConfig;
  onEvent?: (e: TrainEvent) => void;
  signal?: AbortSignal;
  /** The compiled step and initial weights (prepareTraining()); prepared here when absent. */
  start?: TrainingStart;
}

/** Where and how a run's loss stopped being finite. */
export interface Divergence {
  loss: number;
  /** 0-based epoch and step of the step whose loss was not finite. */
  epoch: number;
  step: number;
  lr: number;
}

export interface TrainResult {
  weights: WeightMap;
  history: EpochEvent[];
  stopped?: 'diverged' | 'cancelled';
  message?: string;
  divergence?: Divergence;
}

/** The sentence for a diverged run; `kept` says what happened to the weights, if anything. */
export function divergenceMessage(d: Divergence, kept?: string, clipping = 'gradient clipping'): string {
  return `The loss became ${d.loss} at epoch ${d.epoch + 1}, step ${d.step + 1}, so training stopped${kept ? ` and ${kept}` : ''}. Lower the learning rate (${d.lr}) or turn on ${clipping}.`;
}

function norms(weights: WeightMap, isBuffer: BufferTest): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [id, params] of weights) {
    let s = 0;
    for (const [name, v] of params)
      if (!isBuffer(id, name)) for (let i = 0; i < v.length; i++) s += v[i] * v[i];
    out[id] = Math.sqrt(s);
  }
  return out;
}

/** Evaluates on a dataset with the inference graph; loss with the training loss's reduction. */
export async function evaluate(
  doc: ProjectDocument,
  weights: WeightMap,
  data: Dataset,
  loss: LossKind,
  threads = 1,
  provider: ExecutionProviderChoice = 'cpu',
): Promise<{ loss: number; accuracy: number; predictions: Int32Array }> {
  let totalLoss = 0;
  let correct = 0;
  const preds = new Int32Array(data.length);
  await inferencePass(
    doc,
    weights,
    data,
    ({ y, dims, start, n }) => {
      const width = y.length / n;
      const idx = Array.from({ length: n }, (_, k) => start + k);
      totalLoss += lossValue(loss, y, targetsFor(data, idx, width, new Float32Array(n * width)), dims) * n;
      if (isClassification(data)) {
        const p = predictions(y, n);
        preds.set(p, start);
        for (let k = 0; k < n; k++) if (p[k] === (data.y as Int32Array)[start + k]) correct++;
      }
    },
    threads,
    provider,
  );
  return { loss: totalLoss / data.length, accuracy: correct / data.length, predictions: preds };
}

/**
 * Trains `run.doc` on `run.data`: epochs of shuffled batches through the compiled step, an
 * evaluation after each, until done, stopped, or the loss stops being finite.
 */
export async function train(run: TrainRun): Promise<TrainResult> {
  const start = run.start ?? prepareTraining(run.doc, run.data.train, run.config);
  const loop = await TrainingLoop.open(run, start);
  try {
    return await loop.epochs();
  } finally {
    await loop.close();
  }
}

type Outcome = TrainResult | null;

/** An epoch's running sums. */
interface Tally {
  loss: number;
  correct: number;
  seen: number;
  t0: number;
  stepMs: number;
  gradSums: Map<string, number>;
}

/**
 * Train steps per call: the config's, else the rule's (stepsPerCallFor); one with a trajectory
 * (its snapshots fall on single steps) or where the step can't be unrolled (truncated BPTT).
 */
function stepsPerCall(start: TrainingStart, cfg: TrainConfig, flopsPerStep: number): number {
  if (cfg.trajectory || unrollRefusal(start.step)) return 1;
  return cfg.stepsPerCall ?? stepsPerCallFor(start.step, flopsPerStep);
}

/** One run's state between steps: the session, the step count, the history and the last good weights. */
class TrainingLoop {
  private readonly history: EpochEvent[] = [];
  /** One target buffer per step of a call. */
  private readonly targets: Float32Array[];
  private readonly width: number;
  private readonly inputId: string;
  private readonly emit: (e: TrainEvent) => void;
  /** Steps taken, over all epochs (also the resumed ones). */
  private k: number;
  private sketchedAt = -1;

  private constructor(
    private readonly run: TrainRun,
    private readonly session: StepSession,
    private readonly stepsPerEpoch: number,
    private readonly firstEpoch: number,
    private readonly isBuffer: BufferTest,
    private readonly sketcher: Sketcher | null,
  ) {
    const step = session.step;
    this.inputId = step.dataInputs[0].nodeId;
    this.width = step.target.shape.slice(1).reduce((a, b) => a * b, 1);
    this.targets = Array.from(
      { length: session.stepsPerCall },
      () => new Float32Array(run.config.batchSize * this.width),
    );
    this.emit = run.onEvent ?? (() => undefined);
    this.k = firstEpoch * stepsPerEpoch;
  }

  static async open(run: TrainRun, start: TrainingStart): Promise<TrainingLoop> {
    const { config: cfg, data } = run;
    const stepsPerEpoch = Math.floor(data.train.length / cfg.batchSize);
    if (stepsPerEpoch === 0)
      throw new Error(
        `The training set has ${data.train.length} samples, fewer than one batch of ${cfg.batchSize}; lower the batch size.`,
      );
    const analysis = analyze(withBatch(run.doc.graph, cfg.batchSize));
    const flopsPerUpdate = trainStepFlops(run.doc.graph).flopsPerSample * cfg.batchSize;
    // The batch split across the threads where that is faster (splitRunner.ts).
    const split = splitFor(run.doc.graph, stepSettings(cfg), start.step, cfg.threads ?? 1, cfg.provider);
    const session = await StepSession.create(start.step, start.weights, {
      seed: cfg.seed ?? 0,
      threads: cfg.threads,
      provider: cfg.provider,
      split,
      stepsPerCall: stepsPerCall(start, cfg, flopsPerUpdate),
      // Spinning by the machine's load (spinning.ts), which counts this process's CPU as the run's
      // own: a race's contestants train side by side in one process, so they never spin.
      spinning: cfg.trajectory ? false : 'auto',
    });
    if (run.resume)
      try {
        session.importState(run.resume.state);
      } catch (e) {
        await session.release();
        throw e;
      }
    const firstEpoch = run.resume?.epoch ?? 0;
    const isBuffer = bufferTest(analysis);
    const sketcher = cfg.trajectory
      ? createSketcher(start.weights, isBuffer, cfg.trajectory.seed, cfg.trajectory.size)
      : null;
    const loop = new TrainingLoop(run, session, stepsPerEpoch, firstEpoch, isBuffer, sketcher);
    loop.emit({
      event: 'start',
      steps: stepsPerEpoch * cfg.epochs,
      memoryBytes: estimateMemory(analysis, cfg.batchSize, stateSlots(cfg.optimizer.kind).length)
        .trainingBytes,
      parameters: analysis.totals.trainableParams,
      flopsPerUpdate,
      stepsPerCall: session.stepsPerCall,
      ...(session.parts > 1 ? { parts: session.parts } : {}),
      provider: session.provider.provider,
      ...(session.provider.fallback ? { providerFallback: session.provider.fallback } : {}),
    });
    return loop;
  }

  close(): Promise<void> {
    return this.session.release();
  }

  async epochs(): Promise<TrainResult> {
    this.snapshot();
    for (let epoch = this.firstEpoch; epoch < this.run.config.epochs; epoch++) {
      const outcome = await this.epoch(epoch);
      if (outcome) return outcome;
    }
    return { weights: this.session.weights(), history: this.history };
  }

  /** One epoch and its evaluation; a result when the run ends early. */
  private async epoch(epoch: number): Promise<Outcome> {
    const { config: cfg, data } = this.run;
    const trainSet = data.train;
    const totalSteps = this.stepsPerEpoch * cfg.epochs;
    const lr0 = learningRate(cfg.lr, cfg.schedule, this.k, epoch, totalSteps);
    const seed = cfg.seed ?? 0;
    const tally: Tally = {
      loss: 0,
      correct: 0,
      seen: 0,
      t0: performance.now(),
      stepMs: 0,
      gradSums: new Map<string, number>(),
    };
    // Streams are read in order, each from a zero state at the start of the epoch.
    const order = cfg.shuffle === false || cfg.tbptt ? undefined : seed + epoch;
    if (cfg.tbptt) this.session.resetCarriedState();
    // Batches go to the session a call's worth at a time (runMany runs a short last group one step
    // per call).
    for (const group of batchGroups(trainSet, cfg.batchSize, this.session.stepsPerCall, order)) {
      const outcome = await this.steps(epoch, group, tally);
      if (outcome) return outcome;
    }
    await this.endEpoch(epoch, lr0, tally);
    return null;
  }

  /**
   * One onnxruntime call's steps (StepSession.runMany) and each step's bookkeeping and events, in
   * order; a result when the run ends (cancelled before the call, or a step's loss not finite).
   */
  private async steps(epoch: number, group: GatheredBatch[], tally: Tally): Promise<Outcome> {
    const { config: cfg, data, signal } = this.run;
    const trainSet = data.train;
    if (this.run.gate?.paused && !signal?.aborted) tally.t0 += await this.waitWhilePaused(epoch);
    if (signal?.aborted) return this.cancelled(epoch);
    const totalSteps = this.stepsPerEpoch * cfg.epochs;
    const inputs: StepInput[] = group.map((batch, j) => ({
      data: new Map([[this.inputId, batch.x]]),
      target: targetsFor(trainSet, batch.indices, this.width, this.targets[j]),
      hyper: {
        lr: learningRate(cfg.lr, cfg.schedule, this.k + j, epoch, totalSteps),
        beta1: cfg.optimizer.beta1,
        beta2: cfg.optimizer.beta2,
      },
    }));
    const callStart = performance.now();
    const results = await this.session.runMany(inputs);
    tally.stepMs += performance.now() - callStart;
    for (const [j, r] of results.entries()) {
      const batch = group[j];
      if (!Number.isFinite(r.loss))
        return this.diverged({ loss: r.loss, epoch, step: this.k, lr: inputs[j].hyper.lr });
      tally.loss += r.loss * batch.size;
      if (isClassification(trainSet)) {
        const p = predictions(r.prediction, batch.size);
        for (let i = 0; i < batch.size; i++)
          if (p[i] === (trainSet.y as Int32Array)[batch.indices[i]]) tally.correct++;
      }
      for (const [id, sq] of r.gradSquares)
        tally.gradSums.set(id, (tally.gradSums.get(id) ?? 0) + Math.sqrt(sq));
      tally.seen += batch.size;
      this.k++;
      if (cfg.trajectory && this.k % cfg.trajectory.every === 0) this.snapshot();
      if (cfg.stepEvery && this.k % cfg.stepEvery === 0)
        this.emit({
          event: 'step',
          epoch,
          step: this.k,
          loss: r.loss,
          samplesPerSecond: tally.seen / ((performance.now() - tally.t0) / 1000),
          ...(isClassification(trainSet) ? { accuracy: tally.correct / tally.seen } : {}),
        });
    }
    return null;
  }

  /** The epoch's event (with the test-set evaluation), then the end-of-epoch hook. */
  private async endEpoch(epoch: number, lr: number, tally: Tally): Promise<void> {
    const { config: cfg, data, doc } = this.run;
    const seconds = (performance.now() - tally.t0) / 1000;
    this.snapshot();
    const current = this.session.weights();
    // Evaluation runs where the steps do (no second attempt at a GPU that didn't load).
    const provider: ExecutionProviderChoice = this.session.provider.provider === 'cpu' ? 'cpu' : 'gpu';
    const evaluation = data.test
      ? await evaluate(doc, current, data.test, cfg.loss, cfg.threads, provider)
      : null;
    const e: EpochEvent = {
      event: 'epoch',
      epoch: epoch + 1,
      trainLoss: tally.loss / tally.seen,
      trainAccuracy: isClassification(data.train) ? tally.correct / tally.seen : null,
      testLoss: evaluation?.loss ?? null,
      testAccuracy: evaluation && isClassification(data.train) ? evaluation.accuracy : null,
      samplesPerSecond: tally.seen / seconds,
      msPerUpdate: tally.stepMs / this.stepsPerEpoch,
      gradNorms: Object.fromEntries([...tally.gradSums].map(([id, s]) => [id, s / this.stepsPerEpoch])),
      weightNorms: norms(current, this.isBuffer),
      lr,
    };
    this.history.push(e);
    this.emit(e);
    await this.run.onEpochEnd?.({
      epoch: epoch + 1,
      state: this.session.exportState(),
      history: this.history,
    });
  }

  /** Waits at a step boundary while the gate is closed; returns the time spent (not training time). */
  private async waitWhilePaused(epoch: number): Promise<number> {
    const { gate, signal } = this.run;
    const pausedAt = performance.now();
    this.emit({ event: 'paused', epoch, step: this.k, weights: this.session.weights() });
    await gate!.wait(signal);
    if (!signal?.aborted) this.emit({ event: 'resumed', epoch, step: this.k });
    return performance.now() - pausedAt;
  }

  private cancelled(epoch: number): TrainResult {
    const message = `Training was stopped at epoch ${epoch + 1}, step ${this.k}; the weights so far are kept.`;
    this.emit({ event: 'stopped', reason: 'cancelled', message, epoch, step: this.k });
    return { weights: this.session.weights(), history: this.history, stopped: 'cancelled', message };
  }

  private diverged(divergence: Divergence): TrainResult {
    // The parameters the last step with a finite loss started from (the session keeps them).
    const lastGood = this.session.lastGoodWeights();
    this.session.setWeights(lastGood);
    const message = divergenceMessage(divergence, 'the last good weights are kept');
    this.emit({ event: 'stopped', reason: 'diverged', message, epoch: divergence.epoch, step: this.k });
    return { weights: lastGood, history: this.history, stopped: 'diverged', message, divergence };
  }

  /** A trajectory point (epochs completed as its epoch), once per step count. */
  private snapshot(): void {
    if (!this.sketcher || this.sketchedAt === this.k) return;
    this.sketchedAt = this.k;
    const point = this.sketcher.point(this.session.weights());
    const epoch = Math.floor(this.k / this.stepsPerEpoch);
    this.emit({ event: 'trajectory', epoch, step: this.k, point, sketched: this.sketcher.sketched });
  }
}
