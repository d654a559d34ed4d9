// Training in a worker thread, so the app's host process stays responsive (onnxruntime's steps
// and the data preparation run off the main thread). The worker runs this same file: it registers
// tsx's loader itself (Node 20 workers don't inherit the parent's --import hooks) and then answers
// a small message API:
//
//   parent -> worker  { type: 'start', doc, data: DatasetSpec | { train, test? }, config, start? | init?, resume?, checkpoints? }
//                     { type: 'cancel' }
//                     { type: 'pause' } | { type: 'resume' }   (between steps; see pauseGate.ts)
//   worker -> parent  { type: 'event', event: TrainEvent }            ('start', 'step', 'epoch', 'stopped')
//                     { type: 'checkpoint', epoch, state, history }   (after every epoch, when asked)
//                     { type: 'done', result: TrainResult, stats? }   (stats: the normalization used)
//                     { type: 'error', message }
//
// trainInWorker() takes train()'s own TrainRun, so a caller can swap one for the other.
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, type Worker, workerData } from 'node:worker_threads';
import { startTsxThread } from '../tsxThread.ts';
import type { ChannelStats, Dataset } from '../../engine/data/index.ts';
import type { ProjectDocument } from '../../engine/index.ts';
import type { DatasetSpec } from '../data/index.ts';
import type { TrainingStart } from './prepare.ts';
import type { SessionState } from './session.ts';
import { PauseGate } from './pauseGate.ts';
import type { EpochEvent, TrainConfig, TrainEvent, TrainResult, TrainRun } from './trainer.ts';

export interface StartMessage {
  type: 'start';
  doc: ProjectDocument;
  /** A spec the worker loads itself (cheapest), or datasets already in memory (copied over). */
  data: DatasetSpec | { train: Dataset; test?: Dataset };
  config: TrainConfig;
  /** The compiled step and initial weights (prepareTraining()); prepared in the worker when absent. */
  start?: TrainingStart;
  /** An initializer spec (engine/initializers.ts) for the weights prepared in the worker. */
  init?: string;
  resume?: { state: SessionState; epoch: number };
  /** Send a 'checkpoint' message after every epoch. */
  checkpoints?: boolean;
}

export type ToWorker = StartMessage | { type: 'cancel' } | { type: 'pause' } | { type: 'resume' };

export type FromWorker =
  | { type: 'event'; event: TrainEvent }
  | { type: 'checkpoint'; epoch: number; state: SessionState; history: EpochEvent[] }
  | { type: 'done'; result: TrainResult; stats?: ChannelStats }
  | { type: 'error'; message: string };

const MARKER = 'netwright-training-worker';

export interface TrainingWorker {
  /** Resolves when training ends (completed, cancelled or diverged); rejects on errors. */
  result: Promise<{ result: TrainResult; stats?: ChannelStats }>;
  /** Stops after the current step; `result` then resolves with the weights so far. */
  cancel(): void;
  /** Ends the thread at once (result rejects if still pending). */
  terminate(): Promise<void>;
  worker: Worker;
}

const spawn = () => startTsxThread(import.meta.url, { marker: MARKER });

/** A thread that has loaded the trainer and waits for a job (starting one costs seconds). */
let spare: Worker | null = null;

/**
 * Starts a thread now, for the next run to take: it loads tsx, the trainer and onnxruntime while
 * nobody waits. It doesn't keep the process alive.
 */
export function warmTrainingWorker(): void {
  if (spare) return;
  const worker = spawn();
  worker.unref();
  const forget = () => {
    if (spare === worker) spare = null;
  };
  worker.once('exit', forget);
  worker.once('error', forget);
  spare = worker;
}

function takeWorker(): Worker {
  const worker = spare ?? spawn();
  spare = null;
  worker.ref();
  return worker;
}

/** Starts a worker thread running one training job (a warm one when there is one). */
export function startTrainingWorker(
  start: Omit<StartMessage, 'type'>,
  onEvent: (e: TrainEvent) => void = () => undefined,
  onCheckpoint?: (c: { epoch: number; state: SessionState; history: EpochEvent[] }) => void | Promise<void>,
): TrainingWorker {
  const worker = takeWorker();
  let finished = false;
  let pendingCheckpoint: Promise<void> = Promise.resolve();
  const result = new Promise<{ result: TrainResult; stats?: ChannelStats }>((resolve, reject) => {
    worker.on('message', (m: FromWorker) => {
      switch (m.type) {
        case 'event':
          onEvent(m.event);
          break;
        case 'checkpoint':
          pendingCheckpoint = pendingCheckpoint.then(() => onCheckpoint?.(m));
          break;
        case 'done':
          finished = true;
          pendingCheckpoint.then(() => resolve({ result: m.result, stats: m.stats }), reject);
          void worker.terminate();
          break;
        case 'error':
          finished = true;
          reject(new Error(m.message));
          void worker.terminate();
          break;
      }
    });
    worker.on('error', (e) => {
      finished = true;
      reject(e);
    });
    worker.on('exit', (code) => {
      if (!finished) reject(new Error(`The training worker exited (code ${code}) before finishing.`));
    });
  });
  const message: StartMessage = { type: 'start', ...start, checkpoints: !!onCheckpoint };
  worker.postMessage(message);
  return {
    result,
    cancel: () => worker.postMessage({ type: 'cancel' } satisfies ToWorker),
    terminate: async () => {
      await worker.terminate();
    },
    worker,
  };
}

/**
 * train() in a worker thread, taking train()'s TrainRun (plus a dataset spec as an alternative to
 * datasets, and an initializer spec for when no prepared start is given).
 */
export async function trainInWorker(
  run: Omit<TrainRun, 'data'> & { data: StartMessage['data']; init?: string },
): Promise<TrainResult> {
  const { doc, data, config, start, resume, init, signal, gate, onEvent, onEpochEnd } = run;
  const job = startTrainingWorker({ doc, data, config, start, resume, init }, onEvent, onEpochEnd);
  const onAbort = () => job.cancel();
  const forward = (paused: boolean) =>
    job.worker.postMessage({ type: paused ? 'pause' : 'resume' } satisfies ToWorker);
  const unfollow = gate?.onChange(forward);
  if (gate?.paused) forward(true);
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort);
  try {
    return (await job.result).result;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    unfollow?.();
  }
}

// ---- the worker side ----

async function runJob(
  start: StartMessage,
  signal: AbortSignal,
  post: (m: FromWorker) => void,
  gate?: PauseGate,
): Promise<void> {
  const { train } = await import('./trainer.ts');
  let datasets: { train: Dataset; test?: Dataset };
  let stats: ChannelStats | undefined;
  if ('kind' in start.data) {
    const { loadTrainTest } = await import('../data/index.ts');
    const loaded = await loadTrainTest(start.data);
    datasets = loaded;
    stats = loaded.stats;
  } else datasets = start.data;
  let prepared = start.start;
  if (!prepared) {
    const { prepareTraining } = await import('./prepare.ts');
    const { parseInit } = await import('../../engine/index.ts');
    prepared = prepareTraining(start.doc, datasets.train, start.config, parseInit(start.init ?? 'default'));
  }
  const run = {
    doc: start.doc,
    data: datasets,
    config: start.config,
    start: prepared,
    onEvent: (event: TrainEvent) => post({ type: 'event', event }),
    signal,
    resume: start.resume,
    gate,
    onEpochEnd: start.checkpoints
      ? (c: Parameters<NonNullable<TrainRun['onEpochEnd']>>[0]) => post({ type: 'checkpoint', ...c })
      : undefined,
  };
  // A frozen backbone runs once per sample, not once per epoch (host/training/cachedFeatures.ts).
  const { trainOnCachedFeatures } = await import('./cachedFeatures.ts');
  const result = (await trainOnCachedFeatures(run)) ?? (await train(run));
  post({ type: 'done', result, ...(stats ? { stats } : {}) });
}

if (!isMainThread && (workerData as { marker?: string } | null)?.marker === MARKER && parentPort) {
  const port = parentPort;
  // Load what a job needs now, so a warm thread starts its job at once.
  void import('./trainer.ts').catch(() => undefined);
  void import('./prepare.ts').catch(() => undefined);
  // And the second thread a split step uses (splitRunner.ts), where there is a second core.
  if (availableParallelism() >= 2)
    void import('./splitPartner.ts').then((m) => m.warmSplitPartner()).catch(() => undefined);
  const controller = new AbortController();
  const gate = new PauseGate();
  const post = (m: FromWorker) => {
    // Hand the weight buffers over instead of copying them.
    const transfer: ArrayBuffer[] = [];
    if (m.type === 'done')
      for (const params of m.result.weights.values())
        for (const v of params.values())
          if (
            v.byteOffset === 0 &&
            v.byteLength === v.buffer.byteLength &&
            !transfer.includes(v.buffer as ArrayBuffer)
          )
            transfer.push(v.buffer as ArrayBuffer);
    port.postMessage(m, transfer);
  };
  let started = false;
  port.on('message', (m: ToWorker) => {
    if (m.type === 'cancel') controller.abort();
    else if (m.type === 'pause') gate.pause();
    else if (m.type === 'resume') gate.resume();
    else if (m.type === 'start' && !started) {
      started = true;
      runJob(m, controller.signal, post, gate).catch((e: Error) =>
        post({ type: 'error', message: e.message }),
      );
    }
  });
}
