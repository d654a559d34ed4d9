// The loss follows the data unless the user chose it: a set whose targets are numbers (the noisy
// sine, the adding problem, MNIST denoising, a regression CSV) switches the drawer to mean squared
// error, and a set with classes switches it back to cross-entropy if the drawer had switched it.
import type { LossKind } from '../../engine/index.ts';
import { REGRESSION_KINDS } from '../../engine/data/index.ts';
import type { TrainingDataset } from '../../protocol/training.ts';
import type { TrainingSetup } from './trainingState.ts';

/** Losses that compare one score per class, so they cannot learn numeric targets. */
const CLASS_ONLY: readonly LossKind[] = ['cross-entropy', 'nll'];

/**
 * Whether the set's targets are numbers rather than classes; for an upload, from the classes the
 * host found in it (`uploadClasses`), unknown (null) until it answered.
 */
export function isRegression(d: TrainingDataset, uploadClasses?: number): boolean | null {
  if (d.kind === 'mnist') return d.task === 'denoise';
  if (d.kind === 'synthetic') return REGRESSION_KINDS.includes(d.generator);
  return uploadClasses === undefined ? null : uploadClasses === 0;
}

/** The setup with a new data set, and the loss that data set needs unless the user chose one. */
export function withDataset(
  setup: TrainingSetup,
  dataset: TrainingDataset,
  regression: boolean | null,
): TrainingSetup {
  const next = { ...setup, dataset };
  const { loss } = setup.config;
  const userKept = setup.lossSource === 'user' && !(regression && CLASS_ONLY.includes(loss));
  if (regression === null || userKept) return next;
  if (regression && loss !== 'mse')
    return { ...next, config: { ...setup.config, loss: 'mse' }, lossSource: 'auto-mse' };
  if (!regression && setup.lossSource === 'auto-mse')
    return { ...next, config: { ...setup.config, loss: 'cross-entropy' }, lossSource: 'auto-cross-entropy' };
  return next;
}

/** The drawer's sentence about a loss it chose itself, if it did. */
export function lossNote(setup: TrainingSetup): string | null {
  if (setup.lossSource === 'auto-mse' && setup.config.loss === 'mse')
    return 'Switched to mean squared error: this data set’s targets are numbers, not classes. Pick a loss yourself and it stays.';
  if (setup.lossSource === 'auto-cross-entropy' && setup.config.loss === 'cross-entropy')
    return 'Switched back to cross-entropy: this data set has classes. Pick a loss yourself and it stays.';
  return null;
}
