// `netwright train MODEL --data ...`: trains with the same engine and trainer the app uses. A
// progress bar on a terminal, one human line per epoch otherwise, or with --json exactly one JSON
// line per epoch ({"event":"epoch","epoch","trainLoss","trainAccuracy","testLoss","testAccuracy",
// "samplesPerSecond"}). Divergence prints a message naming the learning rate and exits with 1.
import type { DatasetSpec, TrainTest } from '../host/data/index.ts';
import { loadTrainTest, parseDatasetSpec } from '../host/data/index.ts';
import type {
  InitSpec,
  LossKind,
  OptimizerConfig,
  OptimizerKind,
  ProjectDocument,
  Schedule,
  WeightMap,
} from '../engine/index.ts';
import {
  analyze,
  exportInference,
  LOSSES,
  OPTIMIZERS,
  parseInit,
  serializeDocument,
  storeWeights,
} from '../engine/index.ts';
import type { ChannelStats } from '../engine/data/index.ts';
import { encodeModel } from '../engine/onnx/index.ts';
import { saveFileAtomic } from '../host/saveFileAtomic.ts';
import type { Checkpoint } from '../host/training/checkpoint.ts';
import {
  checkResumable,
  loadCheckpoint,
  saveCheckpoint,
  stepFingerprint,
} from '../host/training/checkpoint.ts';
import type { TrainingStart } from '../host/training/prepare.ts';
import { prepareTraining } from '../host/training/prepare.ts';
import type { TrainConfig, TrainResult } from '../host/training/trainer.ts';
import { divergenceMessage, train } from '../host/training/trainer.ts';
import { trainOnCachedFeatures, type CacheDecision } from '../host/training/cachedFeatures.ts';
import { CliError, within } from './errors.ts';
import { EXECUTION_PROVIDERS, SYNTHETIC_SETS } from '../protocol/training.ts';
import { loadModelMeasured } from './loadModel.ts';
import { checkOutputFiles } from './outputs.ts';
import { progressReporter } from './trainProgress.ts';
import { forSequenceModel } from '../host/data/sequenceData.ts';
import { applyTransferFlags, imagePreprocessing, parseClassList, type TransferOptions } from './transfer.ts';

export { EPOCH_KEYS } from './trainProgress.ts';

export interface TrainOptions extends TransferOptions {
  data?: string;
  epochs?: string;
  batchSize?: string;
  optimizer?: string;
  lr?: string;
  momentum?: string;
  weightDecay?: string;
  loss?: string;
  seed?: string;
  limit?: string;
  testLimit?: string;
  randomLabels?: boolean;
  normalize?: string;
  schedule?: string;
  clip?: string;
  init?: string;
  threads?: string;
  shuffle?: string;
  provider?: string;
  tbptt?: string;
  /** synthetic:chars as --batch-size streams read in non-overlapping windows (what --tbptt reads). */
  streams?: boolean;
  out?: string;
  save?: string;
  checkpoint?: string;
  resume?: string;
  json?: boolean;
  /** --no-cache-features: train the whole graph every step even with a frozen backbone. */
  cacheFeatures?: boolean;
}

const SYNTHETIC = SYNTHETIC_SETS;

/** `mnist:denoise[:<noise>]`: noisy digits in, clean digits out (the bundled MNIST either way). */
function mnistTask(text: string, rest: string): { task?: 'denoise'; noise?: number } {
  if (!rest) return {};
  const [task, noise, extra] = rest.split(':');
  if (task !== 'denoise' || extra !== undefined)
    throw new CliError(
      `--data ${text}: mnist takes no path (the bundled MNIST is used); for denoising use mnist:denoise or mnist:denoise:0.5 (the noise's standard deviation).`,
    );
  if (noise === undefined) return { task };
  const std = Number(noise);
  if (noise === '' || !(std >= 0 && std <= 10))
    throw new CliError(
      `--data ${text}: the noise is a standard deviation from 0 to 10, e.g. mnist:denoise:0.5.`,
    );
  return { task, noise: std };
}

/**
 * `--data`: mnist[:denoise[:<noise>]] | synthetic:<kind>[:<n>] | idx:<images>,<labels>[,<test images>,<test labels>] |
 * cifar10:<dir or batch file> | csv:<file>[,regression][,sequence] | images:<dir> | text:<file>[,<window>].
 */
export function parseDataFlag(
  text: string,
  common: {
    limit?: number;
    testLimit?: number;
    seed?: number;
    randomLabels?: boolean;
    normalize?: 'none' | 'standardize';
    keepClasses?: number[];
  },
): DatasetSpec {
  const colon = text.indexOf(':');
  const kind = colon < 0 ? text : text.slice(0, colon);
  const rest = colon < 0 ? '' : text.slice(colon + 1);
  const need = (what: string) => {
    if (!rest)
      throw new CliError(`--data ${text}: ${kind} needs ${what}, e.g. --data ${kind}:${examples[kind]}.`);
    return rest;
  };
  const examples: Record<string, string> = {
    synthetic: 'spiral',
    idx: 'train-images-idx3-ubyte,train-labels-idx1-ubyte',
    cifar10: 'cifar-10-batches-bin',
    csv: 'data.csv',
    images: 'photos/',
    text: 'story.txt,32',
  };
  let spec: Record<string, unknown>;
  switch (kind) {
    case 'mnist':
      spec = { kind, ...mnistTask(text, rest) };
      break;
    case 'synthetic': {
      const [generator, n] = need('a generator').split(':');
      if (!SYNTHETIC.includes(generator as (typeof SYNTHETIC)[number]))
        throw new CliError(
          `--data ${text}: unknown synthetic set ${generator}; choose ${SYNTHETIC.join(', ')}.`,
        );
      const count = n === undefined ? 1000 : Number(n);
      if (!Number.isInteger(count) || count < 2)
        throw new CliError(`--data ${text}: the sample count must be an integer of at least 2.`);
      spec = { kind, generator, n: count };
      break;
    }
    case 'idx': {
      const files = need('image and label files').split(',');
      if (files.length !== 2 && files.length !== 4)
        throw new CliError(
          `--data ${text}: expected idx:<images>,<labels> or idx:<images>,<labels>,<test images>,<test labels>.`,
        );
      spec = { kind, images: files[0], labels: files[1], testImages: files[2], testLabels: files[3] };
      break;
    }
    case 'cifar10':
    case 'images':
      spec = { kind, path: need('a path') };
      break;
    case 'csv': {
      // Trailing words say how to read the rows: numeric targets, and rows as sequences.
      const parts = need('a path').split(',');
      const flags = new Set<string>();
      while (parts.length > 1 && ['regression', 'sequence'].includes(parts.at(-1)!)) flags.add(parts.pop()!);
      spec = {
        kind,
        path: parts.join(','),
        regression: flags.has('regression'),
        sequence: flags.has('sequence'),
      };
      break;
    }
    case 'text': {
      const parts = need('a path').split(',');
      const window = parts.length > 1 && /^\d+$/.test(parts.at(-1)!) ? Number(parts.pop()) : undefined;
      spec = { kind, path: parts.join(','), length: window };
      break;
    }
    default:
      throw new CliError(
        `--data ${text}: unknown source; use mnist, synthetic:<kind>, idx:<images>,<labels>, cifar10:<dir>, csv:<file>, images:<dir> or text:<file>.`,
      );
  }
  for (const [k, v] of Object.entries(common)) if (v !== undefined) spec[k] = v;
  return within(`--data ${text}`, () => parseDatasetSpec(spec), true);
}

function num(
  flag: string,
  text: string | undefined,
  check: (v: number) => boolean,
  what: string,
): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || !check(v))
    throw new CliError(`${flag} ${text}: expected ${what}.`);
  return v;
}
const positiveInt = (v: number) => Number.isInteger(v) && v > 0;

export function parseSchedule(text: string | undefined): Schedule | undefined {
  if (text === undefined) return undefined;
  const [kind, ...args] = text.split(':');
  const values = args.map(Number);
  const bad = (usage: string) => new CliError(`--schedule ${text}: expected ${usage}.`);
  switch (kind) {
    case 'constant':
      if (args.length) throw bad('constant');
      return { kind };
    case 'cosine':
      if (args.length) throw bad('cosine');
      return { kind };
    case 'step':
      if (args.length !== 2 || !positiveInt(values[0]) || !(values[1] > 0 && values[1] <= 1))
        throw bad('step:<epochs>:<gamma>, e.g. step:1:0.5');
      return { kind, stepSize: values[0], gamma: values[1] };
    case 'inverse':
      if (args.length !== 2 || !(values[0] > 0) || !(values[1] > 0))
        throw bad('inverse:<c0>:<c1> (lr_k = c0 / (c1 + k)), e.g. inverse:1:100');
      return { kind, c0: values[0], c1: values[1] };
    default:
      throw bad('step:<size>:<gamma>, cosine, inverse:<c0>:<c1> or constant');
  }
}

/** The run's configuration: defaults, then a resumed checkpoint's values, then the flags given. */
export function trainConfig(o: TrainOptions, saved?: TrainConfig): TrainConfig {
  const kind = (o.optimizer ?? saved?.optimizer.kind ?? 'momentum') as OptimizerKind;
  if (!OPTIMIZERS.includes(kind))
    throw new CliError(`--optimizer ${o.optimizer}: choose one of ${OPTIMIZERS.join(', ')}.`);
  const loss = (o.loss ?? saved?.loss ?? 'cross-entropy') as LossKind;
  if (!LOSSES.includes(loss)) throw new CliError(`--loss ${o.loss}: choose one of ${LOSSES.join(', ')}.`);
  const sameOptimizer = saved?.optimizer.kind === kind;
  const optimizer: OptimizerConfig = { ...(sameOptimizer ? saved!.optimizer : {}), kind };
  const momentum = num('--momentum', o.momentum, (v) => v >= 0 && v < 1, 'a number in [0, 1)');
  if (momentum !== undefined) optimizer.momentum = momentum;
  const weightDecay = num('--weight-decay', o.weightDecay, (v) => v >= 0, 'a number >= 0');
  if (weightDecay !== undefined) optimizer.weightDecay = weightDecay;
  return {
    epochs: num('--epochs', o.epochs, positiveInt, 'a positive integer') ?? saved?.epochs ?? 1,
    batchSize: num('--batch-size', o.batchSize, positiveInt, 'a positive integer') ?? saved?.batchSize ?? 32,
    loss,
    optimizer,
    lr:
      num('--lr', o.lr, (v) => v > 0, 'a positive learning rate') ??
      saved?.lr ??
      (kind.startsWith('adam') ? 1e-3 : 0.01),
    schedule: parseSchedule(o.schedule) ?? saved?.schedule,
    clipNorm: num('--clip', o.clip, (v) => v > 0, 'a positive gradient norm') ?? saved?.clipNorm,
    seed: num('--seed', o.seed, Number.isInteger, 'an integer') ?? saved?.seed ?? 0,
    threads: num('--threads', o.threads, positiveInt, 'a positive integer') ?? 2,
    shuffle:
      o.shuffle === undefined
        ? saved?.shuffle
        : choose('--shuffle', o.shuffle, ['random', 'none']) !== 'none',
    provider: choose('--provider', o.provider, EXECUTION_PROVIDERS) ?? saved?.provider ?? 'cpu',
    tbptt: num('--tbptt', o.tbptt, positiveInt, 'a whole number of steps >= 1') ?? saved?.tbptt,
  };
}

function choose<T extends string>(
  flag: string,
  text: string | undefined,
  options: readonly T[],
): T | undefined {
  if (text !== undefined && !options.includes(text as T))
    throw new CliError(`${flag} ${text}: choose ${options.slice(0, -1).join(', ')} or ${options.at(-1)}.`);
  return text as T | undefined;
}

/** Inference ONNX with the trained weights; the input normalization (if any) goes in the metadata. */
function trainedOnnx(doc: ProjectDocument, weights: WeightMap, stats?: ChannelStats) {
  const model = exportInference(doc, { weights });
  if (stats)
    model.metadataProps = [
      ...(model.metadataProps ?? []),
      { key: 'netwright.normalize', value: JSON.stringify({ kind: 'standardize', ...stats }) },
    ];
  return encodeModel(model);
}

/** What a checkpoint remembers of the data flags (the configuration is in checkpoint.config). */
interface DataFlags {
  data: string;
  normalize: 'none' | 'standardize';
  limit?: number;
  testLimit?: number;
  randomLabels?: boolean;
}

/** The run as the flags (over a resumed checkpoint's settings) describe it. */
interface RunSettings {
  cfg: TrainConfig;
  flags: DataFlags;
  spec: DatasetSpec;
  init: InitSpec;
}

function runSettings(o: TrainOptions, checkpoint: Checkpoint | undefined): RunSettings {
  const saved = checkpoint?.extra as Partial<DataFlags> | undefined;
  const cfg = trainConfig(o, checkpoint?.config);
  const data = o.data ?? saved?.data;
  if (!data)
    throw new CliError(
      '--data is required: mnist, synthetic:<kind>, idx:..., cifar10:..., csv:... or images:...',
    );
  const normalize = (o.normalize ?? saved?.normalize ?? 'none') as DataFlags['normalize'];
  if (normalize !== 'none' && normalize !== 'standardize')
    throw new CliError(`--normalize ${o.normalize}: choose none or standardize.`);
  const limit = num('--limit', o.limit, positiveInt, 'a positive integer') ?? saved?.limit;
  const testLimit = num('--test-limit', o.testLimit, positiveInt, 'a positive integer') ?? saved?.testLimit;
  const randomLabels = o.randomLabels || saved?.randomLabels || undefined;
  const spec = parseDataFlag(data, {
    limit,
    testLimit,
    // A subset is drawn at random (seeded), so 2,000 MNIST digits cover every class.
    seed: limit !== undefined || randomLabels ? cfg.seed : undefined,
    randomLabels,
    normalize,
    keepClasses: o.keepClasses ? parseClassList(o.keepClasses) : undefined,
  });
  const init = within(
    (m) => `--${m}`,
    () => parseInit(o.init ?? 'default'),
    true,
  );
  if (checkpoint && o.init)
    throw new CliError('--init and --resume: a resumed run continues from its saved weights.');
  return { cfg, flags: { data, normalize, limit, testLimit, randomLabels }, spec, init };
}

/** Numeric targets (a CSV regression) train with MSE unless a loss was asked for. */
function chooseLoss(cfg: TrainConfig, data: TrainTest, lossFlag: string | undefined, resumed: boolean): void {
  if (data.train.numClasses === 0 && !lossFlag && !resumed) cfg.loss = 'mse';
  if (cfg.loss !== 'mse' && cfg.loss !== 'bce-with-logits' && data.train.numClasses === 0)
    throw new CliError(
      `${cfg.loss} needs class labels, but ${data.train.name} has numeric targets; use --loss mse.`,
    );
}

/** A checkpoint resumes only the same model and optimizer, and only with epochs left to train. */
function checkResume(checkpoint: Checkpoint, start: TrainingStart, path: string, epochs: number): void {
  checkResumable(checkpoint, start.step, path);
  if (checkpoint.epoch >= epochs)
    throw new CliError(
      `${path} already has ${checkpoint.epoch} epoch${checkpoint.epoch === 1 ? '' : 's'}; ask for more with --epochs ${checkpoint.epoch + 1} or more (the total, not the extra).`,
    );
}

interface Session {
  o: TrainOptions;
  doc: ProjectDocument;
  data: TrainTest;
  settings: RunSettings;
  start: TrainingStart;
  checkpoint?: Checkpoint;
  log(s: string): void;
}

/** Trains with the progress display; Ctrl-C once stops after the current step, twice quits. */
async function runTraining(s: Session): Promise<TrainResult> {
  const { o, doc, data, checkpoint } = s;
  const { cfg, flags } = s.settings;
  const stepsPerEpoch = Math.floor(data.train.length / cfg.batchSize);
  const tty = !o.json && !!process.stderr.isTTY;
  cfg.stepEvery = tty ? Math.max(1, Math.floor(stepsPerEpoch / 100)) : 0;
  const progress = progressReporter({
    json: !!o.json,
    tty,
    headline: `Training ${doc.name} on ${data.train.name}: ${data.train.length} training and ${data.test.length} test samples`,
    cfg,
    firstEpoch: checkpoint?.epoch ?? 0,
    stepsPerEpoch,
    log: s.log,
  });
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  const saveTo = o.checkpoint;
  const run = {
    doc,
    data,
    config: cfg,
    start: s.start,
    onEvent: progress.onEvent,
    signal: controller.signal,
  };
  try {
    if (o.cacheFeatures !== false && !checkpoint && !saveTo) {
      const cached = await trainOnCachedFeatures(run, (d) => s.log(cacheLine(d)));
      if (cached) return cached;
    }
    return await train({
      ...run,
      resume: checkpoint ? { state: checkpoint.state, epoch: checkpoint.epoch } : undefined,
      onEpochEnd: saveTo
        ? ({ epoch, state, history }) =>
            saveCheckpoint(saveTo, {
              format: 'netwright-checkpoint',
              version: 1,
              model: doc.name,
              fingerprint: stepFingerprint(s.start.step),
              epoch,
              config: { ...cfg, stepEvery: undefined },
              extra: { ...flags },
              history: [...(checkpoint?.history ?? []), ...history],
              state,
            })
        : undefined,
    });
  } finally {
    progress.stop();
    process.off('SIGINT', onSigint);
  }
}

/** A diverged run writes no model: the message says so, and what the checkpoint still holds. */
function divergedError(s: Session, result: TrainResult): CliError {
  const checkpointed = s.o.checkpoint && result.history.length ? result.history.at(-1)!.epoch : 0;
  const written = checkpointed
    ? `The trained model was not written; ${s.o.checkpoint} holds the state after epoch ${checkpointed}.`
    : 'Nothing was written.';
  return new CliError(
    `${divergenceMessage(result.divergence!, undefined, 'gradient clipping (--clip)')} ${written}`,
  );
}

async function save(path: string, data: string | Uint8Array, what: string, log: (s: string) => void) {
  await saveFileAtomic(path, data);
  log(`Wrote ${what} to ${path}.`);
}

/** --out (inference ONNX) and --save (the project with its trained weights). */
async function writeOutputs(s: Session, weights: WeightMap): Promise<void> {
  const { o, doc, data, log } = s;
  if (o.out) {
    await save(o.out, trainedOnnx(doc, weights, data.stats), 'the trained model (inference ONNX)', log);
    if (data.stats)
      log(
        `Note: the model expects inputs standardized with mean ${fmtList(data.stats.mean)} and std ${fmtList(data.stats.std)} (kept in its metadata as netwright.normalize).`,
      );
  }
  if (o.save) {
    const trained: ProjectDocument = { ...doc, weights: storeWeights(weights, analyze(doc.graph)) };
    await save(o.save, serializeDocument(trained), 'the project with its trained weights', log);
  }
}

export async function trainCommand(modelPath: string, o: TrainOptions): Promise<void> {
  // Human-readable lines go to stdout, or to stderr when stdout carries the JSON lines.
  const log = (s: string) => (o.json ? console.error(s) : console.log(s));
  await checkOutputFiles({ '--out': o.out, '--save': o.save, '--checkpoint': o.checkpoint });
  const loaded = await loadModelMeasured(modelPath);
  const checkpoint = o.resume ? await loadCheckpoint(o.resume) : undefined;
  const settings = runSettings(o, checkpoint);
  settings.spec = forSequenceModel(imagePreprocessing(settings.spec, o, loaded.doc), loaded.doc, {
    ...settings.cfg,
    streams: o.streams,
  });
  const data = await within(`--data ${settings.flags.data}`, () => loadTrainTest(settings.spec), true);
  chooseLoss(settings.cfg, data, o.loss, !!checkpoint);
  const doc = applyTransferFlags(loaded.doc, o, data.train.numClasses);
  const start = within(modelPath, () =>
    prepareTraining(doc, data.train, settings.cfg, settings.init, loaded.weights),
  );
  if (checkpoint) checkResume(checkpoint, start, o.resume!, settings.cfg.epochs);
  const session: Session = { o, doc, data, settings, start, checkpoint, log };
  const result = await runTraining(session);
  if (result.stopped === 'diverged') throw divergedError(session, result);
  if (result.stopped === 'cancelled') log(result.message!);
  if (o.checkpoint && result.history.length) log(`Saved the checkpoint after each epoch to ${o.checkpoint}.`);
  await writeOutputs(session, result.weights);
  if (result.stopped === 'cancelled') process.exitCode = 130;
}

function cacheLine(d: CacheDecision): string {
  return d.cached
    ? `Frozen up to ${d.boundary}: its features [${d.featureShape.join(', ')}] computed once in ${d.seconds.toFixed(1)} s; the epochs train the rest.`
    : `Training the whole graph every step (no cached features: ${d.why}).`;
}

const fmtList = (xs: number[]) => `[${xs.map((x) => x.toPrecision(4)).join(', ')}]`;
