// The Training panel's state: the setup the user is editing, and the run being followed (built
// only from the host's events, so the curves are exactly what the host measured). Pure functions;
// the store in store.ts holds one TrainingState and applies them.
import type { ProjectDocument } from '../../engine/index.ts';
import { lessonOf } from '../../protocol/lesson.ts';
import type { RaceState } from './race/race.ts';
import type {
  AttachedRun,
  StartTrainingResult,
  TrainingConfig,
  TrainingDataset,
  TrainingEvent,
  TrainingEventMessage,
} from '../../protocol/training.ts';

/**
 * Who picked the loss: the user (kept whatever the data), or the drawer when a regression set
 * came (mean squared error) or a classification set came back (cross-entropy).
 */
export const LOSS_SOURCES = ['user', 'auto-mse', 'auto-cross-entropy'] as const;
export type LossSource = (typeof LOSS_SOURCES)[number];

export interface TrainingSetup {
  dataset: TrainingDataset;
  config: TrainingConfig;
  lossSource?: LossSource;
}

export const defaultSetup: TrainingSetup = {
  dataset: { kind: 'mnist', limit: 5000, testLimit: 1000, seed: 1 },
  config: {
    epochs: 2,
    batchSize: 32,
    loss: 'cross-entropy',
    optimizer: { kind: 'adam' },
    lr: 0.002,
    seed: 1,
  },
};

/** One point of the epoch curves; epoch 0 is the untrained network. */
export interface EpochPoint {
  epoch: number;
  trainLoss: number | null;
  trainAccuracy: number | null;
  testLoss: number | null;
  testAccuracy: number | null;
  gradNorms: Record<string, number | null>;
  weightNorms: Record<string, number | null>;
  updateRatios: Record<string, number | null>;
}

/** The newest decision boundary of a 2-D classification run (see protocol/training.ts). */
export type Boundary = Extract<TrainingEvent, { event: 'boundary' }>;

export interface StepPoint {
  /** Optimizer steps so far. */
  step: number;
  loss: number | null;
  accuracy: number | null;
}

export type RunStatus =
  'idle' | 'starting' | 'running' | 'paused' | 'stopping' | 'completed' | 'cancelled' | 'diverged' | 'failed';

export interface TrainingRun {
  runId: string | null;
  status: RunStatus;
  message: string | null;
  info: StartTrainingResult | null;
  /** The configuration the run was started with. */
  config: TrainingConfig | null;
  totalSteps: number;
  step: number;
  /** Date.now() of the 'start' event and of the end. */
  startedAt: number | null;
  finishedAt: number | null;
  /** Date.now() of the pause under way, and the milliseconds of the pauses before it. */
  pausedAt: number | null;
  pausedMs: number;
  memoryBytes: number | null;
  /** The execution provider the host trains on ('cpu', 'cuda', ...), and why not the GPU asked for. */
  provider: string | null;
  providerFallback: string | null;
  /** Threads the batch is split across, each computing a part's gradients (1: not split). */
  parts: number;
  samplesPerSecond: number | null;
  /** Mean time of one update over the last epoch (host-measured), in milliseconds. */
  msPerUpdate: number | null;
  steps: StepPoint[];
  epochs: EpochPoint[];
  boundary: Boundary | null;
  /** Events that arrived before the host's reply named the run. */
  early: TrainingEventMessage[];
  /** The host said it no longer holds the run: its curves stay, its weights are gone. */
  gone: boolean;
}

export type TrainingMode = 'single' | 'race' | 'step';

/** Which weights the app's views and exports use once a run has some: the run's, or the initial ones. */
export type WeightsChoice = 'trained' | 'initial';

export interface TrainingState {
  trainingOpen: boolean;
  /** See currentWeights.ts: one choice for Export ONNX, Try it, feature maps and the PyTorch export. */
  weightsChoice: WeightsChoice;
  trainingMode: TrainingMode;
  trainingSetup: TrainingSetup;
  training: TrainingRun;
  /** The optimizer race being followed, if any. */
  race: RaceState | null;
  lessonOpen: boolean;
}

export const idleRun: TrainingRun = {
  runId: null,
  status: 'idle',
  message: null,
  info: null,
  config: null,
  totalSteps: 0,
  step: 0,
  startedAt: null,
  finishedAt: null,
  pausedAt: null,
  pausedMs: 0,
  memoryBytes: null,
  provider: null,
  providerFallback: null,
  parts: 1,
  samplesPerSecond: null,
  msPerUpdate: null,
  steps: [],
  epochs: [],
  boundary: null,
  early: [],
  gone: false,
};

export const isActive = (s: RunStatus) =>
  s === 'starting' || s === 'running' || s === 'paused' || s === 'stopping';
/** A paused run has weights too: the host answers with those as of the pause. */
export const hasWeights = (r: TrainingRun) =>
  r.runId !== null &&
  !r.gone &&
  (r.status === 'completed' || r.status === 'cancelled' || r.status === 'diverged' || r.status === 'paused');

/** Ends a pause under way, adding its length to pausedMs. */
const unpaused = (run: TrainingRun, now: number): TrainingRun =>
  run.pausedAt === null ? run : { ...run, pausedAt: null, pausedMs: run.pausedMs + (now - run.pausedAt) };

export function applyTrainingEvent(run: TrainingRun, e: TrainingEvent, now: number): TrainingRun {
  switch (e.event) {
    case 'baseline':
      return {
        ...run,
        status: run.status === 'starting' ? 'running' : run.status,
        // The host measures the untrained network while the first steps run, so epochs may be here already.
        epochs: [
          {
            epoch: 0,
            trainLoss: e.trainLoss,
            trainAccuracy: e.trainAccuracy,
            testLoss: e.testLoss,
            testAccuracy: e.testAccuracy,
            gradNorms: {},
            weightNorms: {},
            updateRatios: {},
          },
          ...run.epochs.filter((p) => p.epoch !== 0),
        ],
      };
    case 'start':
      return {
        ...run,
        status: run.status === 'starting' ? 'running' : run.status,
        totalSteps: e.steps,
        memoryBytes: e.memoryBytes,
        provider: e.provider ?? null,
        providerFallback: e.providerFallback ?? null,
        parts: e.parts ?? 1,
        startedAt: now,
      };
    case 'step':
      return {
        ...run,
        step: e.step,
        samplesPerSecond: e.samplesPerSecond,
        steps: [...run.steps, { step: e.step, loss: e.loss, accuracy: e.accuracy ?? null }],
      };
    case 'epoch': {
      const { event: _, samplesPerSecond, msPerUpdate, lr: _lr, epoch, ...point } = e;
      const stepsPerEpoch = run.info?.stepsPerEpoch ?? 0;
      return {
        ...run,
        step: Math.max(run.step, epoch * stepsPerEpoch),
        samplesPerSecond: samplesPerSecond ?? run.samplesPerSecond,
        msPerUpdate: msPerUpdate ?? run.msPerUpdate,
        epochs: [...run.epochs.filter((p) => p.epoch !== epoch), { epoch, ...point }],
      };
    }
    case 'boundary':
      return run.boundary && run.boundary.epoch > e.epoch ? run : { ...run, boundary: e };
    case 'trajectory':
      return run; // a race's points are kept by the race (race/race.ts), across its runs
    case 'paused':
      return {
        ...run,
        status: run.status === 'running' ? 'paused' : run.status,
        step: Math.max(run.step, e.step),
        pausedAt: run.pausedAt ?? now,
      };
    case 'resumed':
      return { ...unpaused(run, now), status: run.status === 'paused' ? 'running' : run.status };
    case 'finished':
      return {
        ...unpaused(run, now),
        status: e.reason,
        message: e.message,
        finishedAt: now,
        step: e.steps ?? run.step,
      };
    case 'failed':
      return { ...unpaused(run, now), status: 'failed', message: e.message, finishedAt: now };
  }
}

/** Applies a host event if it belongs to the followed run (or holds it until the run is named). */
export function receiveTrainingMessage(run: TrainingRun, m: TrainingEventMessage, now: number): TrainingRun {
  if (run.status === 'starting' && run.runId === null) return { ...run, early: [...run.early, m] };
  if (m.runId !== run.runId) return run;
  return applyTrainingEvent(run, m.event, now);
}

export function runStarted(run: TrainingRun, info: StartTrainingResult, now: number): TrainingRun {
  let next: TrainingRun = { ...run, runId: info.runId, info, early: [] };
  for (const m of run.early) next = receiveTrainingMessage(next, m, now);
  return next;
}

/** A run met again after a reload: replayed from the host's record of it. */
export function runReplayed(attached: AttachedRun, now: number): TrainingRun {
  let run = runStarted(runRequested(attached.config), attached.info, now);
  for (const e of attached.events) run = applyTrainingEvent(run, e, now);
  // Time spent before the reload counts, so the pace and the time left stay right.
  const startedAt = now - attached.secondsTraining * 1000;
  return run.startedAt === null ? run : { ...run, startedAt, finishedAt: run.finishedAt && now };
}

export function runRequested(config: TrainingConfig): TrainingRun {
  return { ...idleRun, status: 'starting', config };
}

export interface Progress {
  fraction: number;
  /** Seconds left at the current pace, null until there is a pace to go by. */
  secondsLeft: number | null;
  /** 1-based epoch in progress. */
  epoch: number;
}

/** Seconds spent training since the 'start' event, pauses left out. */
export function activeSeconds(run: TrainingRun, now: number): number {
  if (run.startedAt === null) return 0;
  const end = run.finishedAt ?? now;
  const pausing = run.pausedAt === null ? 0 : Math.max(0, end - run.pausedAt);
  return Math.max(0, end - run.startedAt - run.pausedMs - pausing) / 1000;
}

export function progressOf(run: TrainingRun, now: number): Progress {
  const perEpoch = run.info?.stepsPerEpoch ?? 0;
  const epochs = run.config?.epochs ?? 1;
  const done = run.status === 'completed';
  const fraction = done ? 1 : run.totalSteps > 0 ? Math.min(1, run.step / run.totalSteps) : 0;
  const elapsed = activeSeconds(run, now);
  const secondsLeft =
    isActive(run.status) && fraction > 0.02 && elapsed > 0 ? (elapsed * (1 - fraction)) / fraction : null;
  const epoch = perEpoch > 0 ? Math.min(epochs, Math.floor(run.step / perEpoch) + 1) : 1;
  return { fraction, secondsLeft, epoch: done ? epochs : epoch };
}

/** The setup a document's lesson suggests, on top of the current one. */
export function setupForDocument(doc: ProjectDocument, current: TrainingSetup): TrainingSetup {
  const suggested = lessonOf(doc.lesson)?.training;
  if (!suggested) return current;
  const config = { ...defaultSetup.config, ...suggested.config };
  return { dataset: suggested.dataset, config };
}

/** The state after a document is loaded: a fresh run, the lesson's settings, the lesson shown. */
export function trainingForDocument(doc: ProjectDocument, s: TrainingState): Partial<TrainingState> {
  const lesson = lessonOf(doc.lesson);
  return {
    training: idleRun,
    weightsChoice: 'trained',
    race: null,
    trainingSetup: setupForDocument(doc, s.trainingSetup),
    lessonOpen: lesson !== null,
  };
}
