// The training recipe train.py starts from: the project's own settings (a lesson's "Train with
// these settings"), else Netwright's command-line defaults, with the data set guessed from the
// input shape. Every field becomes a train.py flag whose default is this value.
import type { ProjectDocument } from '../../graph/document.ts';
import type { OptimizerKind } from '../../autodiff/optimizers.ts';
import { OPTIMIZERS } from '../../autodiff/optimizers.ts';
import type { LossKind } from '../../autodiff/loss.ts';
import { LOSSES } from '../../autodiff/loss.ts';
import type { Schedule } from '../../autodiff/schedule.ts';

export type TorchData = 'mnist' | 'cifar10' | 'images' | 'csv';

export interface TorchTrainSettings {
  data: TorchData;
  /** Relative to train.py's folder. */
  dataDir: string;
  /** Netwright's own copy of the data (bundled MNIST), searched when dataDir lacks the files. */
  fallbackDataDir?: string;
  limit?: number;
  testLimit?: number;
  randomLabels: boolean;
  normalize: 'none' | 'standardize';
  epochs: number;
  batchSize: number;
  loss: LossKind;
  optimizer: OptimizerKind;
  lr: number;
  momentum: number;
  beta1: number;
  beta2: number;
  weightDecay: number;
  /** train.py's --schedule text: constant, step:<size>:<gamma>, cosine[:<eta_min>], inverse:<c0>:<c1>. */
  schedule: string;
  clipNorm?: number;
  /** --init text: default, zeros, constant:<v>, normal:<std>, uniform:<a>, xavier, kaiming. */
  init: string;
  seed: number;
}

export function scheduleFlag(s: Schedule | undefined): string {
  switch (s?.kind ?? 'constant') {
    case 'constant':
      return 'constant';
    case 'step': {
      const st = s as Extract<Schedule, { kind: 'step' }>;
      return `step:${st.stepSize}:${st.gamma}`;
    }
    case 'cosine': {
      const min = (s as Extract<Schedule, { kind: 'cosine' }>).etaMin;
      return min ? `cosine:${min}` : 'cosine';
    }
    case 'inverse': {
      const inv = s as Extract<Schedule, { kind: 'inverse' }>;
      return `inverse:${inv.c0}:${inv.c1}`;
    }
  }
}

/** The training panel's init object ({kind: 'normal', std: 0.01}) as the --init text. */
export function initFlag(init: unknown): string {
  const i = (init ?? { kind: 'default' }) as Record<string, unknown>;
  switch (i.kind) {
    case 'constant':
      return `constant:${i.value}`;
    case 'normal':
      return `normal:${i.std}`;
    case 'uniform':
      return `uniform:${i.a}`;
    case 'zeros':
    case 'xavier':
    case 'kaiming':
      return i.kind;
    default:
      return 'default';
  }
}

/** The data set a model's input suggests when the project doesn't name one. */
function dataFor(shape: readonly number[] | undefined): TorchData {
  const s = (shape ?? []).join('x');
  if (s === '1x28x28' || s === '784') return 'mnist';
  if (s === '3x32x32') return 'cifar10';
  return shape && shape.length === 3 ? 'images' : 'csv';
}

const obj = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * The project's recipe. `overrides` are what the caller knows better (the app's current Training
 * panel, or a synthetic set written beside train.py as CSV).
 */
export function trainSettings(
  doc: ProjectDocument,
  inputShape: readonly number[] | undefined,
  overrides: Partial<TorchTrainSettings> = {},
): TorchTrainSettings {
  const training = obj(doc.lesson?.training);
  const dataset = obj(training.dataset);
  const config = obj(training.config);
  const optimizer = obj(config.optimizer);
  const kind = (
    OPTIMIZERS.includes(optimizer.kind as OptimizerKind) ? optimizer.kind : 'momentum'
  ) as OptimizerKind;
  const loss = (LOSSES.includes(config.loss as LossKind) ? config.loss : 'cross-entropy') as LossKind;
  const data: TorchData = dataset.kind === 'mnist' ? 'mnist' : dataFor(inputShape);
  return {
    data,
    dataDir: 'data',
    limit: num(dataset.limit),
    testLimit: num(dataset.testLimit),
    randomLabels: dataset.randomLabels === true,
    normalize: dataset.normalize === 'standardize' ? 'standardize' : 'none',
    epochs: num(config.epochs) ?? 1,
    batchSize: num(config.batchSize) ?? 32,
    loss,
    optimizer: kind,
    lr: num(config.lr) ?? (kind.startsWith('adam') ? 1e-3 : 0.01),
    momentum: num(optimizer.momentum) ?? 0.9,
    beta1: num(optimizer.beta1) ?? 0.9,
    beta2: num(optimizer.beta2) ?? 0.999,
    weightDecay: num(optimizer.weightDecay) ?? (kind === 'adamw' ? 0.01 : 0),
    schedule: scheduleFlag(config.schedule as Schedule | undefined),
    clipNorm: num(config.clipNorm),
    init: initFlag(config.init),
    seed: num(config.seed) ?? num(dataset.seed) ?? 0,
    ...overrides,
  };
}
