// The training loop: epochs of shuffled batches through the compiled train step, evaluation on
// the test set with the inference graph (running statistics, no dropout), per-layer gradient and
// weight norms for the vanishing-gradient view, NaN detection that keeps the last good weights,
// cancellation, and checkpoints to resume from.
import type { Dataset } from '../../engine/data/index.ts';
import { batches } from '../../engine/data/index.ts';
import type { LossKind, OptimizerConfig, ProjectDocument, Schedule, WeightMap } from '../../engine/index.ts';
import {
  analyze,
  compileTrainStep,
  estimateMemory,
  learningRate,
  lossValue,
  oneHotTargets,
  predictions,
  resolveWeights,
  stateSlots,
  withBatch,
} from '../../engine/index.ts';
import { inferencePass } from './inferencePass.ts';
import { StepSession, type SessionState } from './session.ts';
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
  /** Emit a 'step' event every this many steps (0: none). */
  stepEvery?: number;
  /**
   * Emit 'trajectory' snapshots of θ − θ₀ (host/training/trajectory.ts) at the start, every
   * `every` steps and at every epoch end; `seed` fixes the sketch, shared by a race's runs.
   */
  trajectory?: { every: number; seed: number; size?: number };
}

export interface EpochEvent {
  event: 'epoch';
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  testLoss: number | null;
  testAccuracy: number | null;
  samplesPerSecond: number;
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
  /** Checked before every step: while paused, training waits (host/training/pauseGate.ts). */
  gate?: PauseGate;
  /** Called after every epoch (after its 'epoch' event) with the state to save. */
  onEpochEnd?: (c: { epoch: number; state: SessionState; history: EpochEvent[] }) => void | Promise<void>;
}

export interface TrainResult {
  weights: WeightMap;
  history: EpochEvent[];
  stopped?: 'diverged' | 'cancelled';
  message?: string;
}

const isClassification = (d: Dataset) => d.y instanceof Int32Array;

function targetsFor(
  d: Dataset,
  indices: Int32Array | number[],
  width: number,
  into: Float32Array,
): Float32Array {
  if (d.y instanceof Int32Array)
    return oneHotTargets(
      Int32Array.from(indices, (i) => (d.y as Int32Array)[i]),
      width,
      into,
    );
  for (let k = 0; k < indices.length; k++)
    into.set(d.y.subarray(indices[k] * width, (indices[k] + 1) * width), k * width);
  return into;
}

function norms(weights: WeightMap): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [id, params] of weights) {
    let s = 0;
    for (const [name, v] of params)
      if (!name.startsWith('running_')) for (let i = 0; i < v.length; i++) s += v[i] * v[i];
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

export async function train(
  doc: ProjectDocument,
  data: { train: Dataset; test?: Dataset },
  cfg: TrainConfig,
  onEvent: (e: TrainEvent) => void = () => undefined,
  signal?: AbortSignal,
  initial?: WeightMap,
  hooks: TrainHooks = {},
): Promise<TrainResult> {
  const seed = cfg.seed ?? 0;
  const graph = withBatch(doc.graph, cfg.batchSize);
  const analysis = analyze(graph);
  const step = compileTrainStep(doc.graph, {
    batchSize: cfg.batchSize,
    loss: cfg.loss,
    optimizer: cfg.optimizer,
    clipNorm: cfg.clipNorm,
  });
  const weights = initial ?? resolveWeights(analysis, doc.weights, seed);
  const session = await StepSession.create(step, weights, {
    seed,
    threads: cfg.threads,
    provider: cfg.provider,
  });
  // Evaluation runs where the steps do (no second attempt at a GPU that didn't load).
  const evalProvider: ExecutionProviderChoice = session.provider.provider === 'cpu' ? 'cpu' : 'gpu';
  if (hooks.resume) session.importState(hooks.resume.state);
  const firstEpoch = hooks.resume?.epoch ?? 0;
  const { train: trainSet, test } = data;
  const inputId = step.dataInputs[0].nodeId;
  const width = step.target.shape.slice(1).reduce((a, b) => a * b, 1);
  const stepsPerEpoch = Math.floor(trainSet.length / cfg.batchSize);
  if (stepsPerEpoch === 0)
    throw new Error(
      `The training set has ${trainSet.length} samples, fewer than one batch of ${cfg.batchSize}; lower the batch size.`,
    );
  const totalSteps = stepsPerEpoch * cfg.epochs;
  onEvent({
    event: 'start',
    steps: totalSteps,
    memoryBytes: estimateMemory(analysis, cfg.batchSize, stateSlots(cfg.optimizer.kind).length).trainingBytes,
    parameters: analysis.totals.trainableParams,
    provider: session.provider.provider,
    ...(session.provider.fallback ? { providerFallback: session.provider.fallback } : {}),
  });

  const history: EpochEvent[] = [];
  const target = new Float32Array(cfg.batchSize * width);
  let k = firstEpoch * stepsPerEpoch;
  const sketcher = cfg.trajectory ? createSketcher(weights, cfg.trajectory.seed, cfg.trajectory.size) : null;
  let sketchedAt = -1;
  // `epoch` of a snapshot: epochs completed when it was taken.
  const snapshot = () => {
    if (!sketcher || sketchedAt === k) return;
    sketchedAt = k;
    const point = sketcher.point(session.weights());
    const epoch = Math.floor(k / stepsPerEpoch);
    onEvent({ event: 'trajectory', epoch, step: k, point, sketched: sketcher.sketched });
  };
  snapshot();
  // The weights the last finite loss was computed from: what a diverged run keeps (the weights
  // the failing step started from may already be overflowed, even if finite).
  let lastGood = session.weights();
  try {
    for (let epoch = firstEpoch; epoch < cfg.epochs; epoch++) {
      const lr0 = learningRate(cfg.lr, cfg.schedule, k, epoch, totalSteps);
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      const gradSums = new Map<string, number>();
      let t0 = performance.now();
      const order = cfg.shuffle === false ? undefined : seed + epoch;
      for (const batch of batches(trainSet, cfg.batchSize, { seed: order, dropLast: true })) {
        if (hooks.gate?.paused && !signal?.aborted) {
          const pausedAt = performance.now();
          onEvent({ event: 'paused', epoch, step: k, weights: session.weights() });
          await hooks.gate.wait(signal);
          // The epoch's samples/s should not count the pause.
          t0 += performance.now() - pausedAt;
          if (!signal?.aborted) onEvent({ event: 'resumed', epoch, step: k });
        }
        if (signal?.aborted) {
          const message = `Training was stopped at epoch ${epoch + 1}, step ${k}; the weights so far are kept.`;
          onEvent({ event: 'stopped', reason: 'cancelled', message, epoch, step: k });
          return { weights: session.weights(), history, stopped: 'cancelled', message };
        }
        const lr = learningRate(cfg.lr, cfg.schedule, k, epoch, totalSteps);
        // The session replaces (never overwrites) its arrays, so these stay as they are.
        const previous = session.weights();
        const r = await session.run(
          new Map([[inputId, batch.x]]),
          targetsFor(trainSet, batch.indices, width, target),
          {
            lr,
            beta1: cfg.optimizer.beta1,
            beta2: cfg.optimizer.beta2,
          },
        );
        if (!Number.isFinite(r.loss)) {
          session.setWeights(lastGood);
          const message = `The loss became ${r.loss} at epoch ${epoch + 1}, step ${k + 1}, so training stopped and the last good weights are kept. Lower the learning rate (${lr}) or turn on gradient clipping.`;
          onEvent({ event: 'stopped', reason: 'diverged', message, epoch, step: k });
          return { weights: lastGood, history, stopped: 'diverged', message };
        }
        lastGood = previous;
        lossSum += r.loss * batch.size;
        if (isClassification(trainSet)) {
          const p = predictions(r.prediction, batch.size);
          for (let j = 0; j < batch.size; j++)
            if (p[j] === (trainSet.y as Int32Array)[batch.indices[j]]) correct++;
        }
        for (const [id, sq] of r.gradSquares) gradSums.set(id, (gradSums.get(id) ?? 0) + Math.sqrt(sq));
        seen += batch.size;
        k++;
        if (cfg.trajectory && k % cfg.trajectory.every === 0) snapshot();
        if (cfg.stepEvery && k % cfg.stepEvery === 0)
          onEvent({
            event: 'step',
            epoch,
            step: k,
            loss: r.loss,
            samplesPerSecond: seen / ((performance.now() - t0) / 1000),
            ...(isClassification(trainSet) ? { accuracy: correct / seen } : {}),
          });
      }
      const seconds = (performance.now() - t0) / 1000;
      snapshot();
      const current = session.weights();
      const evaluation = test
        ? await evaluate(doc, current, test, cfg.loss, cfg.threads, evalProvider)
        : null;
      const e: EpochEvent = {
        event: 'epoch',
        epoch: epoch + 1,
        trainLoss: lossSum / seen,
        trainAccuracy: correct / seen,
        testLoss: evaluation?.loss ?? null,
        testAccuracy: evaluation?.accuracy ?? null,
        samplesPerSecond: seen / seconds,
        gradNorms: Object.fromEntries([...gradSums].map(([id, s]) => [id, s / stepsPerEpoch])),
        weightNorms: norms(current),
        lr: lr0,
      };
      history.push(e);
      onEvent(e);
      await hooks.onEpochEnd?.({ epoch: epoch + 1, state: session.exportState(), history });
    }
    return { weights: session.weights(), history };
  } finally {
    await session.release();
  }
}
