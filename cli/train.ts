// `netwright train MODEL --data ...`: trains with the same engine and trainer the app uses. A
// progress bar on a terminal, one human line per epoch otherwise, or with --json exactly one JSON
// line per epoch ({"event":"epoch","epoch","trainLoss","trainAccuracy","testLoss","testAccuracy",
// "samplesPerSecond"}). Divergence prints a message naming the learning rate and exits with 1.
import cliProgress from 'cli-progress';
import type { DatasetSpec } from '../host/data/index.ts';
import { loadTrainTest, parseDatasetSpec } from '../host/data/index.ts';
import type { LossKind, OptimizerConfig, OptimizerKind, ProjectDocument, Schedule } from '../engine/index.ts';
import {
  analyze,
  compileTrainStep,
  CompileError,
  exportInference,
  LOSSES,
  OPTIMIZERS,
  serializeDocument,
  storeWeights,
} from '../engine/index.ts';
import type { ChannelStats } from '../engine/data/index.ts';
import { encodeModel } from '../engine/onnx/proto.ts';
import { saveFileAtomic, SaveError } from '../host/saveFileAtomic.ts';
import { checkFit } from '../host/training/fit.ts';
import { initialWeights, parseInit } from '../host/training/initializers.ts';
import {
  checkResumable,
  CheckpointError,
  loadCheckpoint,
  saveCheckpoint,
  stepFingerprint,
  type Checkpoint,
} from '../host/training/checkpoint.ts';
import type { EpochEvent, TrainConfig, TrainEvent } from '../host/training/trainer.ts';
import { train } from '../host/training/trainer.ts';
import { HostError } from '../protocol/hostApi.ts';
import { EXECUTION_PROVIDERS } from '../protocol/training.ts';
import { CliError } from './errors.ts';
import { bytes } from './format.ts';
import { loadModelMeasured } from './loadModel.ts';

export interface TrainOptions {
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
  out?: string;
  save?: string;
  checkpoint?: string;
  resume?: string;
  json?: boolean;
}

/** The keys of a --json epoch line, in order (DESIGN.md). */
export const EPOCH_KEYS = [
  'event',
  'epoch',
  'trainLoss',
  'trainAccuracy',
  'testLoss',
  'testAccuracy',
  'samplesPerSecond',
  /** The onnxruntime execution provider the run trained on. */
  'provider',
] as const;

const SYNTHETIC = ['spiral', 'circles', 'xor', 'blobs', 'moons'] as const;

/**
 * `--data`: mnist | synthetic:<kind>[:<n>] | idx:<images>,<labels>[,<test images>,<test labels>] |
 * cifar10:<dir or batch file> | csv:<file> | images:<dir>.
 */
export function parseDataFlag(
  text: string,
  common: {
    limit?: number;
    testLimit?: number;
    seed?: number;
    randomLabels?: boolean;
    normalize?: 'none' | 'standardize';
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
  };
  let spec: Record<string, unknown>;
  switch (kind) {
    case 'mnist':
      if (rest) throw new CliError(`--data ${text}: mnist takes no path (the bundled MNIST is used).`);
      spec = { kind };
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
    case 'csv':
    case 'images':
      spec = { kind, path: need('a path') };
      break;
    default:
      throw new CliError(
        `--data ${text}: unknown source; use mnist, synthetic:<kind>, idx:<images>,<labels>, cifar10:<dir>, csv:<file> or images:<dir>.`,
      );
  }
  for (const [k, v] of Object.entries(common)) if (v !== undefined) spec[k] = v;
  try {
    return parseDatasetSpec(spec);
  } catch (e) {
    throw new CliError(`--data ${text}: ${(e as Error).message}`);
  }
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

const pct = (x: number | null) => (x === null ? '-' : `${(100 * x).toFixed(2)}%`);
const fixed = (x: number | null, d = 4) => (x === null ? '-' : x.toFixed(d));

function epochLine(e: EpochEvent, epochs: number): string {
  return (
    `epoch ${e.epoch}/${epochs}: train loss ${fixed(e.trainLoss)}, accuracy ${pct(e.trainAccuracy)}; ` +
    `test loss ${fixed(e.testLoss)}, accuracy ${pct(e.testAccuracy)}; ${Math.round(e.samplesPerSecond)} samples/s`
  );
}

/** Inference ONNX with the trained weights; the input normalization (if any) goes in the metadata. */
function trainedOnnx(
  doc: ProjectDocument,
  weights: Parameters<typeof storeWeights>[0],
  stats?: ChannelStats,
) {
  const model = exportInference(doc, { weights });
  if (stats)
    model.metadataProps = [
      ...(model.metadataProps ?? []),
      { key: 'netwright.normalize', value: JSON.stringify({ kind: 'standardize', ...stats }) },
    ];
  return encodeModel(model);
}

async function save(path: string, data: string | Uint8Array, what: string, log: (s: string) => void) {
  try {
    await saveFileAtomic(path, data);
    log(`Wrote ${what} to ${path}.`);
  } catch (e) {
    if (e instanceof SaveError) throw new CliError(e.message);
    throw e;
  }
}

export async function trainCommand(modelPath: string, o: TrainOptions): Promise<void> {
  // Human-readable lines go to stdout, or to stderr when stdout carries the JSON lines.
  const log = (s: string) => (o.json ? console.error(s) : console.log(s));
  const loaded = await loadModelMeasured(modelPath);
  const doc = loaded.doc;

  let checkpoint: Checkpoint | undefined;
  if (o.resume) {
    try {
      checkpoint = await loadCheckpoint(o.resume);
    } catch (e) {
      if (e instanceof CheckpointError) throw new CliError(e.message);
      throw e;
    }
  }
  // What the checkpoint remembers of the data flags (the configuration is in checkpoint.config).
  const saved = checkpoint?.extra as
    | { data?: string; normalize?: string; limit?: number; testLimit?: number; randomLabels?: boolean }
    | undefined;
  const cfg = trainConfig(o, checkpoint?.config);
  const dataText = o.data ?? saved?.data;
  if (!dataText)
    throw new CliError(
      '--data is required: mnist, synthetic:<kind>, idx:..., cifar10:..., csv:... or images:...',
    );
  const normalize = (o.normalize ?? saved?.normalize ?? 'none') as 'none' | 'standardize';
  if (normalize !== 'none' && normalize !== 'standardize')
    throw new CliError(`--normalize ${o.normalize}: choose none or standardize.`);
  const limit = num('--limit', o.limit, positiveInt, 'a positive integer') ?? saved?.limit;
  const testLimit = num('--test-limit', o.testLimit, positiveInt, 'a positive integer') ?? saved?.testLimit;
  const randomLabels = o.randomLabels || saved?.randomLabels || undefined;
  const spec = parseDataFlag(dataText, {
    limit,
    testLimit,
    // A subset is drawn at random (seeded), so 2,000 MNIST digits cover every class.
    seed: limit !== undefined || randomLabels ? cfg.seed : undefined,
    randomLabels,
    normalize,
  });
  let init;
  try {
    init = parseInit(o.init ?? 'default');
  } catch (e) {
    throw new CliError(`--${(e as Error).message}`);
  }
  if (checkpoint && o.init)
    throw new CliError('--init and --resume: a resumed run continues from its saved weights.');

  let data;
  try {
    data = await loadTrainTest(spec);
  } catch (e) {
    throw new CliError(`--data ${dataText}: ${(e as Error).message}`);
  }
  // Numeric targets (a CSV regression) train with MSE unless a loss was asked for.
  if (data.train.numClasses === 0 && !o.loss && !checkpoint) cfg.loss = 'mse';
  if (cfg.loss !== 'mse' && cfg.loss !== 'bce-with-logits' && data.train.numClasses === 0)
    throw new CliError(
      `${cfg.loss} needs class labels, but ${data.train.name} has numeric targets; use --loss mse.`,
    );

  const analysis = analyze(doc.graph);
  try {
    checkFit(doc, analysis, data.train, cfg.loss, cfg.batchSize);
  } catch (e) {
    if (e instanceof HostError) throw new CliError(`${modelPath}: ${e.message}`);
    throw e;
  }
  let step;
  try {
    step = compileTrainStep(doc.graph, {
      batchSize: cfg.batchSize,
      loss: cfg.loss,
      optimizer: cfg.optimizer,
      clipNorm: cfg.clipNorm,
    });
  } catch (e) {
    if (e instanceof CompileError) throw new CliError(`${modelPath}: ${e.message}`);
    throw e;
  }
  if (checkpoint) {
    try {
      checkResumable(checkpoint, step, o.resume);
    } catch (e) {
      throw new CliError((e as Error).message);
    }
    if (checkpoint.epoch >= cfg.epochs)
      throw new CliError(
        `${o.resume} already has ${checkpoint.epoch} epoch${checkpoint.epoch === 1 ? '' : 's'}; ask for more with --epochs ${checkpoint.epoch + 1} or more (the total, not the extra).`,
      );
  }
  const weights = initialWeights(analysis, doc, init, cfg.seed, loaded.weights);

  const stepsPerEpoch = Math.floor(data.train.length / cfg.batchSize);
  const tty = !o.json && !!process.stderr.isTTY;
  cfg.stepEvery = tty ? Math.max(1, Math.floor(stepsPerEpoch / 100)) : 0;
  const firstEpoch = checkpoint?.epoch ?? 0;
  let bar: cliProgress.SingleBar | null = null;
  const stopBar = () => {
    bar?.stop();
    bar = null;
  };
  let lastAccuracy: number | null = null;
  let provider = 'cpu';
  const payload = { epoch: firstEpoch + 1, epochs: cfg.epochs, loss: '-', acc: '-', sps: '-' };
  const onEvent = (e: TrainEvent) => {
    switch (e.event) {
      case 'start':
        provider = e.provider;
        if (e.providerFallback) log(`note: ${e.providerFallback}`);
        log(
          `Training ${doc.name} on ${data.train.name}: ${data.train.length} training and ${data.test.length} test samples, ` +
            `${e.parameters.toLocaleString('en-US')} parameters, ${cfg.optimizer.kind} lr ${cfg.lr}, batch ${cfg.batchSize}` +
            `${firstEpoch ? `, resuming after epoch ${firstEpoch}` : ''}. Estimated training memory: ${bytes(e.memoryBytes)}.`,
        );
        if (tty) {
          bar = new cliProgress.SingleBar(
            {
              format:
                'epoch {epoch}/{epochs} |{bar}| {percentage}% | loss {loss} | train acc {acc} | {sps} samples/s | ETA {eta_formatted}',
              hideCursor: true,
              etaBuffer: 50,
            },
            cliProgress.Presets.shades_classic,
          );
          bar.start((cfg.epochs - firstEpoch) * stepsPerEpoch, 0, payload);
        }
        break;
      case 'step':
        Object.assign(payload, {
          epoch: e.epoch + 1,
          loss: e.loss.toFixed(4),
          acc: e.accuracy === undefined ? pct(lastAccuracy) : pct(e.accuracy),
          sps: String(Math.round(e.samplesPerSecond)),
        });
        bar?.update(e.step - firstEpoch * stepsPerEpoch, payload);
        break;
      case 'epoch':
        lastAccuracy = e.testAccuracy;
        if (o.json) {
          const line = { ...e, provider };
          console.log(JSON.stringify(Object.fromEntries(EPOCH_KEYS.map((k) => [k, line[k]]))));
        } else if (bar) {
          const b = bar as cliProgress.SingleBar;
          b.update((e.epoch - firstEpoch) * stepsPerEpoch);
          // Print the epoch's line above the bar.
          b.stop();
          console.log(epochLine(e, cfg.epochs));
          if (e.epoch < cfg.epochs)
            b.start(
              (cfg.epochs - firstEpoch) * stepsPerEpoch,
              (e.epoch - firstEpoch) * stepsPerEpoch,
              Object.assign(payload, { epoch: e.epoch + 1 }),
            );
          else bar = null;
        } else console.log(epochLine(e, cfg.epochs));
        break;
      case 'stopped':
        stopBar();
        break;
    }
  };

  // Ctrl-C once: stop after the current step and still write the outputs. Twice: quit now.
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  const extra = { data: dataText, normalize, limit, testLimit, randomLabels };
  let result;
  try {
    result = await train(doc, data, cfg, onEvent, controller.signal, weights, {
      resume: checkpoint ? { state: checkpoint.state, epoch: checkpoint.epoch } : undefined,
      onEpochEnd: o.checkpoint
        ? async ({ epoch, state, history }) => {
            await saveCheckpoint(o.checkpoint!, {
              format: 'netwright-checkpoint',
              version: 1,
              model: doc.name,
              fingerprint: stepFingerprint(step),
              epoch,
              config: { ...cfg, stepEvery: undefined },
              extra,
              history: [...(checkpoint?.history ?? []), ...history],
              state,
            }).catch((e) => {
              throw e instanceof SaveError ? new CliError(e.message) : e;
            });
          }
        : undefined,
    });
  } finally {
    stopBar();
    process.off('SIGINT', onSigint);
  }
  if (result.stopped === 'diverged') {
    process.exitCode = 1;
    throw new CliError(`${result.message} Nothing was written.`);
  }
  if (result.stopped === 'cancelled') log(result.message!);
  if (o.checkpoint && result.history.length) log(`Saved the checkpoint after each epoch to ${o.checkpoint}.`);
  if (o.out) {
    await save(
      o.out,
      trainedOnnx(doc, result.weights, data.stats),
      'the trained model (inference ONNX)',
      log,
    );
    if (data.stats)
      log(
        `Note: the model expects inputs standardized with mean ${fmtList(data.stats.mean)} and std ${fmtList(data.stats.std)} (kept in its metadata as netwright.normalize).`,
      );
  }
  if (o.save) {
    const trained: ProjectDocument = { ...doc, weights: storeWeights(result.weights, analysis) };
    await save(o.save, serializeDocument(trained), 'the project with its trained weights', log);
  }
  if (result.stopped === 'cancelled') process.exitCode = 130;
}

const fmtList = (xs: number[]) => `[${xs.map((x) => x.toPrecision(4)).join(', ')}]`;
