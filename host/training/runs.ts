// Training runs started from the app: one at a time, each with an id the page uses to follow its
// events, stop it, and afterwards export, keep or try out the trained weights. Training runs in a
// worker thread (host/training/worker.ts), so the host keeps answering while it trains, and is
// cancelled through an AbortController; the data is loaded here first, to check it fits the
// network and to measure the untrained network.
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { ChannelStats, Dataset } from '../../engine/data/index.ts';
import { subset } from '../../engine/data/index.ts';
import type { ProjectDocument, WeightMap } from '../../engine/index.ts';
import { analyze, storeWeights } from '../../engine/index.ts';
import { HostError } from '../../protocol/hostApi.ts';
import type {
  RaceEntry,
  StartRaceResult,
  StartTrainingResult,
  TrainingConfig,
  TrainingDataset,
  TrainingEvent,
  TrainingEventsMessage,
} from '../../protocol/training.ts';
import { MAX_REPLAYED_EVENTS } from '../../protocol/training.ts';
import type { TrainTest } from '../data/index.ts';
import { TrainingDataCache } from './dataCache.ts';
import { decisionBoundary, hasBoundary, weightsFromState } from './boundary.ts';
import type { DocumentSource } from './activations.ts';
import type { TrainingStart } from './prepare.ts';
import { compileTraining, prepareTraining } from './prepare.ts';
import { forSequenceModel } from '../data/sequenceData.ts';
import type { Predictor } from './predictor.ts';
import { createPredictor, outputPicture, prediction, predictFromDocument } from './predictor.ts';
import type { train, TrainConfig } from './trainer.ts';
import { evaluate } from './trainer.ts';
import { trainInWorker, warmTrainingWorker } from './worker.ts';
import { PauseGate } from './pauseGate.ts';
import { EventBatches } from './eventBatches.ts';
import { trajectoryEvery } from './trajectory.ts';
import { byInputName, epochUpdateRatios, finite, paramNames, toProtocolEvent } from './runEvents.ts';

export type TrainFunction = typeof train;

export interface TrainingRunsOptions {
  /** A run's events since its previous message, a few times a second (eventBatches.ts). */
  emit(message: TrainingEventsMessage): void;
  /** The shortest time between two progress messages of a run (default BATCH_INTERVAL_MS). */
  batchIntervalMs?: number;
  /** Replaces the worker-thread trainer (tests; train() itself runs in this thread). */
  train?: TrainFunction;
  /** Finished runs no page shows that are kept anyway, for export and prediction (newest). */
  keep?: number;
  threads?: number;
  /** Builds a run's predictor (the host's builds it in its model thread, off the event loop). */
  createPredictor?: typeof createPredictor;
  /** Keep a training thread loaded for the next run (the app; not tests). */
  warmWorker?: boolean;
  /** Reads and decodes a run's data set (the host's does it in a job thread, off the event loop). */
  loadData?: ConstructorParameters<typeof TrainingDataCache>[0];
}

interface Run {
  id: string;
  doc: ProjectDocument;
  config: TrainingConfig;
  classNames?: string[];
  stats?: ChannelStats;
  controller: AbortController;
  running: boolean;
  weights: WeightMap | null;
  epochsDone: number;
  predictor?: Promise<Predictor>;
  /** Shared by the runs started together (a race pauses as one). */
  gate: PauseGate;
  /** While paused: the weights as of the pause, to try or export meanwhile. */
  paused?: { weights: WeightMap; predictor?: Promise<Predictor> };
  /** The test set as the run saw it (standardised), for the confusion matrix (evaluation.ts). */
  test?: Dataset;
  /** Train-step tensors after the newest finished epoch: evaluating a run that is still going. */
  epochState?: { epoch: number; tensors: Record<string, Float32Array> };
  /** A race contestant: it also sends the snapshots of its parameter trajectory. */
  trajectory: boolean;
  /** Why the run was ended by the host (its baseline measurement failed): it reports 'failed'. */
  failure?: string;
  /** What start() answered, and every event sent so far: a reloaded page replays them (attach). */
  info: StartTrainingResult;
  log: TrainingEvent[];
  /** Its events on their way to the page. */
  batches: EventBatches;
  /** performance.now() of the 'start' event. */
  startedAt?: number;
}

/** Baseline accuracy and loss are measured on at most this many training samples. */
const BASELINE_SAMPLES = 1000;
/** About this many step events per run, whatever its length. */
const STEP_EVENTS = 150;

/** A run the host does not hold (any more), said so that the page can tell the user plainly. */
const gone = (id: string) =>
  new HostError(
    'not-found',
    `The host no longer holds the run ${id}: it was restarted, or the run was released when no page showed it any more. Train again to export or try it.`,
  );

/** Pages whose shown runs are kept (the most recent ones): every page load is a new one. */
const MAX_CLIENTS = 4;

export class TrainingRuns {
  private runs = new Map<string, Run>();
  /** Per page (client id): the runs it shows. Oldest first; a page's new list replaces its old one. */
  private readonly shown = new Map<string, ReadonlySet<string>>();
  private readonly trainFn: TrainFunction;
  private readonly threads: number;
  private readonly data: TrainingDataCache;

  constructor(private readonly options: TrainingRunsOptions) {
    this.data = new TrainingDataCache(options.loadData);
    this.trainFn = options.train ?? trainInWorker;
    this.threads = options.threads ?? Math.min(2, availableParallelism());
    this.warm();
  }

  /** A loaded training thread for the next run, when none is training (it would slow the steps). */
  private warm(): void {
    if (this.options.warmWorker && ![...this.runs.values()].some((r) => r.running)) warmTrainingWorker();
  }

  async start(
    doc: ProjectDocument,
    dataset: TrainingDataset,
    config: TrainingConfig,
  ): Promise<StartTrainingResult> {
    const { runs, info } = await this.launch(doc, dataset, [{ label: '', config }], this.threads, false);
    return { runId: runs[0].id, ...info };
  }

  /**
   * One run per entry, side by side (a worker thread each, one onnxruntime thread apiece): the
   * same document, data, seed (so the same initial weights and batch order) and settings, except
   * for the optimizer and learning rate.
   */
  async startRace(
    doc: ProjectDocument,
    dataset: TrainingDataset,
    config: TrainingConfig,
    entries: readonly RaceEntry[],
  ): Promise<StartRaceResult> {
    // Weight decay is a shared setting (the Training panel's), unless an entry brings its own.
    const weightDecay = config.optimizer.weightDecay;
    const specs = entries.map((e) => ({
      label: e.label,
      config: {
        ...config,
        optimizer: { ...(weightDecay !== undefined ? { weightDecay } : {}), ...e.optimizer },
        lr: e.lr,
      },
    }));
    const { runs, info } = await this.launch(doc, dataset, specs, 1, true);
    return { ...info, runs: runs.map((r, i) => ({ runId: r.id, label: entries[i].label })) };
  }

  private async launch(
    doc: ProjectDocument,
    dataset: TrainingDataset,
    specs: readonly { label: string; config: TrainingConfig }[],
    threads: number,
    trajectory: boolean,
  ) {
    if ([...this.runs.values()].some((r) => r.running))
      throw new HostError('busy', 'A training run is already going; stop it before starting another.');
    const { config } = specs[0];
    const data = await this.data.get(forSequenceModel(dataset, doc, config), doc);
    const first = prepareTraining(doc, data.train, config, config.init ?? { kind: 'default' });
    const gate = new PauseGate();
    const stepsPerEpoch = Math.floor(data.train.length / config.batchSize);
    const info = {
      trainSamples: data.train.length,
      testSamples: data.test.length,
      stepsPerEpoch,
      ...(data.train.classNames ? { classNames: data.train.classNames } : {}),
    };
    const runs = specs.map((spec): Run => {
      const run: Run = {
        id: `run-${randomBytes(6).toString('hex')}`,
        doc,
        config: spec.config,
        classNames: data.train.classNames,
        stats: data.stats,
        test: data.test,
        controller: new AbortController(),
        running: true,
        weights: null,
        epochsDone: 0,
        trajectory,
        gate,
        info: { runId: '', ...info },
        log: [],
        batches: new EventBatches((events) => this.options.emit({ runId: run.id, events }), {
          intervalMs: this.options.batchIntervalMs,
        }),
      };
      run.info.runId = run.id;
      this.runs.set(run.id, run);
      return run;
    });
    // Every run starts from the same weights (the initializer is a shared setting, not a race
    // entry's); each compiles its own optimizer.
    const starts = specs.map((spec, i) =>
      i === 0 ? first : { ...first, step: compileTraining(doc, spec.config) },
    );
    this.prune();
    // Let the reply (with the run ids) go out before the first event.
    setImmediate(() => void this.executeAll(runs, starts, data, stepsPerEpoch, threads));
    return { runs, info };
  }

  /**
   * Trains, and meanwhile measures the untrained network once (every run starts from the same
   * weights): the first step doesn't wait for the measurement, so 'baseline' may follow 'start'.
   */
  private async executeAll(
    runs: Run[],
    starts: TrainingStart[],
    data: TrainTest,
    stepsPerEpoch: number,
    threads: number,
  ) {
    const baseline = this.baseline(runs[0], starts[0].weights, data).then(
      (event) => runs.forEach((r) => this.emit(r, event)),
      (e: Error) =>
        runs.forEach((r) => {
          r.failure = e.message;
          r.controller.abort();
        }),
    );
    await Promise.all([
      baseline,
      ...runs.map((r, i) => this.execute(r, starts[i], data, stepsPerEpoch, threads)),
    ]);
    this.warm();
  }

  stop(id: string): null {
    this.runs.get(id)?.controller.abort();
    return null;
  }

  /**
   * Pauses a run (and the runs started with it) before its next step; 'paused' follows once it
   * waits. Pausing a paused run does nothing.
   */
  pause(id: string): null {
    this.active(id).gate.pause();
    return null;
  }

  resume(id: string): null {
    this.active(id).gate.resume();
    return null;
  }

  private active(id: string): Run {
    const run = this.runs.get(id);
    if (!run) throw gone(id);
    if (!run.running)
      throw new HostError('busy', `The run ${id} has already ended; start a new one to train again.`);
    return run;
  }

  /** Stops every run (the host is shutting down). */
  stopAll(): void {
    for (const r of this.runs.values()) r.controller.abort();
  }

  trainedWeights(id: string) {
    const run = this.finished(id);
    return storeWeights(run.weights, analyze(run.doc.graph));
  }

  /** What a finished run learned, with the network and input standardisation it learned them on. */
  trainedModel(id: string) {
    const run = this.finished(id);
    const n = run.epochsDone;
    const label = `${run.id}, ${n ? `trained ${n} epoch${n === 1 ? '' : 's'}` : 'stopped during the first epoch'}`;
    return { doc: run.doc, weights: run.weights, stats: run.stats, label };
  }

  /** What evaluating a run on its test set needs, finished or not (host/training/evaluation.ts). */
  evaluationInput(id: string) {
    const run = this.runs.get(id);
    if (!run) throw gone(id);
    const { doc, classNames, stats, test, running, weights, epochsDone, epochState, config } = run;
    const fields = { doc, classNames, stats, test, running, weights, epochsDone, epochState };
    const init = config.init ?? { kind: 'default' as const };
    return { ...fields, init, seed: config.seed ?? 0, stoppedEarly: epochsDone < config.epochs };
  }

  async predict(source: { runId: string } | DocumentSource, values: readonly number[]) {
    if ('runId' in source) {
      const run = this.finished(source.runId);
      const paused = run.running ? run.paused : undefined;
      // A paused run predicts with its weights so far; the provider is the one it trained with.
      const [holder, weights] = paused ? [paused, paused.weights] : [run, run.weights];
      const predictor = (holder.predictor ??= (this.options.createPredictor ?? createPredictor)(
        run.doc,
        weights,
        run.stats,
        run.config.provider,
      ));
      const probabilities = await (await predictor).predict(values);
      const n = run.epochsDone;
      const trained = paused
        ? `paused after ${n} epoch${n === 1 ? '' : 's'} and some steps`
        : n
          ? `trained ${n} epoch${n === 1 ? '' : 's'}`
          : 'stopped during the first epoch';
      return prediction(probabilities, run.classNames, trained, outputPicture(run.doc));
    }
    return predictFromDocument(source, values);
  }

  private finished(id: string): Run & { weights: WeightMap } {
    const run = this.runs.get(id);
    if (!run) throw gone(id);
    // A paused run answers with the weights as of the pause.
    if (run.running && run.paused) return { ...run, weights: run.paused.weights };
    if (!run.weights)
      throw new HostError(
        'busy',
        run.running
          ? 'The run is still training; pause it, wait for it to finish, or stop it.'
          : 'The run failed.',
      );
    return run as Run & { weights: WeightMap };
  }

  /**
   * What a page shows: those runs stay (whatever their number) until it shows others, so a
   * race never takes away the run beside it. A page's previous list is replaced.
   */
  retain(client: string, runIds: readonly string[]): null {
    this.shown.delete(client);
    this.shown.set(client, new Set(runIds));
    for (const old of [...this.shown.keys()].slice(0, Math.max(0, this.shown.size - MAX_CLIENTS)))
      this.shown.delete(old);
    this.prune();
    return null;
  }

  /**
   * Keeps the finished runs a page shows, and the newest `keep` others (a Map iterates oldest
   * first); releases the rest and their predictors.
   */
  private prune(): void {
    const shown = new Set([...this.shown.values()].flatMap((ids) => [...ids]));
    const done = [...this.runs.values()].filter((r) => !r.running && !shown.has(r.id));
    for (const r of done.slice(0, Math.max(0, done.length - (this.options.keep ?? 4)))) {
      this.runs.delete(r.id);
      void r.predictor?.then((p) => p.release()).catch(() => undefined);
    }
  }

  private emit(run: Run, event: TrainingEvent): void {
    this.record(run, event);
    run.batches.push(event);
  }

  /** Keeps what a reloaded page needs to draw the run again (not a race's trajectory points). */
  private record(run: Run, event: TrainingEvent): void {
    if (event.event === 'trajectory') return;
    if (event.event === 'start') run.startedAt = performance.now();
    // Only the newest decision boundary is drawn.
    if (event.event === 'boundary') run.log = run.log.filter((e) => e.event !== 'boundary');
    if (run.log.length < MAX_REPLAYED_EVENTS) run.log.push(event);
  }

  /** A run followed by a page before it was reloaded: what it needs to follow the run again. */
  attach(id: string) {
    const run = this.runs.get(id);
    if (!run) throw gone(id);
    const { weights: _, weightsRef: _ref, ...document } = run.doc;
    const finished = run.log.find((e) => e.event === 'finished');
    const seconds =
      finished?.event === 'finished'
        ? finished.seconds
        : run.startedAt === undefined
          ? 0
          : (performance.now() - run.startedAt) / 1000;
    return { info: run.info, config: run.config, secondsTraining: seconds, events: [...run.log], document };
  }

  private async execute(
    run: Run,
    start: TrainingStart,
    data: TrainTest,
    stepsPerEpoch: number,
    threads: number,
  ): Promise<void> {
    const t0 = performance.now();
    const { config } = run;
    const cfg: TrainConfig = {
      epochs: config.epochs,
      batchSize: config.batchSize,
      loss: config.loss,
      optimizer: config.optimizer,
      lr: config.lr,
      schedule: config.schedule,
      clipNorm: config.clipNorm,
      seed: config.seed ?? 0,
      shuffle: config.shuffle !== 'none',
      provider: config.provider,
      tbptt: config.tbptt,
      threads,
      stepEvery: Math.max(1, Math.ceil((stepsPerEpoch * config.epochs) / STEP_EVENTS)),
      // The race's seed fixes the sketch, so every contestant's points share one space.
      ...(run.trajectory
        ? { trajectory: { every: trajectoryEvery(stepsPerEpoch * config.epochs), seed: config.seed ?? 0 } }
        : {}),
    };
    try {
      let message = '';
      let stepsDone = stepsPerEpoch * config.epochs;
      // The reported time leaves out the pauses.
      let pausedMs = 0;
      let pausedSince: number | null = null;
      // An epoch event waits for the end-of-epoch state that follows it, for the exact update ratios.
      let pending: Extract<TrainingEvent, { event: 'epoch' }> | null = null;
      const flush = () => {
        if (pending) this.emit(run, pending);
        pending = null;
      };
      const initial = start.weights;
      const groups = paramNames(run.doc, initial);
      let before = byInputName(run.doc, initial);
      const boundaries = hasBoundary(data.train) ? this.boundaries(run, data, initial) : null;
      const result = await this.trainFn({
        doc: run.doc,
        data,
        config: cfg,
        start,
        onEvent: (e) => {
          flush();
          if (e.event === 'epoch') run.epochsDone = e.epoch;
          if (e.event === 'stopped') [message, stepsDone] = [e.message, e.step];
          if (e.event === 'paused') {
            run.paused = { weights: e.weights };
            pausedSince = performance.now();
          }
          if (e.event === 'resumed') {
            void run.paused?.predictor?.then((p) => p.release()).catch(() => undefined);
            run.paused = undefined;
            pausedMs += performance.now() - (pausedSince ?? performance.now());
            pausedSince = null;
          }
          const out = toProtocolEvent(e);
          if (out?.event === 'epoch') pending = out;
          else if (out) this.emit(run, out);
        },
        signal: run.controller.signal,
        gate: run.gate,
        onEpochEnd: ({ epoch, state }) => {
          if (pending) pending.updateRatios = epochUpdateRatios(groups, before, state.tensors);
          before = state.tensors;
          run.epochState = { epoch, tensors: state.tensors };
          flush();
          boundaries?.push(epoch, state.tensors);
        },
      });
      flush();
      await boundaries?.done();
      if (run.failure) throw new Error(run.failure);
      run.weights = result.weights;
      if (pausedSince !== null) pausedMs += performance.now() - pausedSince;
      const seconds = (performance.now() - t0 - pausedMs) / 1000;
      this.emit(run, {
        event: 'finished',
        reason: result.stopped ?? 'completed',
        message:
          result.message ??
          (message ||
            `Trained ${config.epochs} epoch${config.epochs === 1 ? '' : 's'} in ${seconds.toFixed(1)} s.`),
        seconds,
        steps: stepsDone,
      });
    } catch (e) {
      this.emit(run, { event: 'failed', message: (e as Error).message });
    } finally {
      void run.paused?.predictor?.then((p) => p.release()).catch(() => undefined);
      run.paused = undefined;
      run.running = false;
      this.prune();
    }
  }

  /**
   * Decision boundaries of a 2-D classification run, evaluated here (one onnxruntime thread) off
   * the end-of-epoch state while the worker trains on; when epochs outpace it, only the newest
   * waiting epoch is drawn. A failed evaluation only skips that picture.
   */
  private boundaries(run: Run, data: TrainTest, base: WeightMap) {
    let next: { epoch: number; tensors: Record<string, Float32Array> } | null = null;
    let chain: Promise<void> = Promise.resolve();
    const drain = async () => {
      if (!next) return;
      const { epoch, tensors } = next;
      next = null;
      try {
        const weights = weightsFromState(run.doc, base, tensors);
        this.emit(run, await decisionBoundary(run.doc, weights, data.train, run.config.loss, epoch));
      } catch {
        // a view only; training goes on
      }
    };
    return {
      push: (epoch: number, tensors: Record<string, Float32Array>) => {
        next = { epoch, tensors };
        chain = chain.then(drain);
      },
      done: () => chain,
    };
  }

  /** The untrained network's loss and accuracy: where the curves start. */
  private async baseline(run: Run, weights: WeightMap, data: TrainTest): Promise<TrainingEvent> {
    const { loss } = run.config;
    // One thread: the steps run beside it.
    const train = await evaluate(run.doc, weights, subset(data.train, BASELINE_SAMPLES), loss, 1);
    const test = data.test.length ? await evaluate(run.doc, weights, data.test, loss, 1) : null;
    const classify = data.train.numClasses > 0;
    return {
      event: 'baseline',
      trainLoss: finite(train.loss),
      trainAccuracy: classify ? finite(train.accuracy) : null,
      testLoss: finite(test?.loss),
      testAccuracy: classify ? finite(test?.accuracy) : null,
    };
  }
}
