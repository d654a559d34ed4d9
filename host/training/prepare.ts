// Everything that happens before the first training step, in one place for the CLI and the app's
// training runs: does the network fit the data, compile the train step (once), and the weights
// it starts from. Problems come back as HostError('cannot-train') sentences that name the layer.
import type { Dataset } from '../../engine/data/index.ts';
import type {
  InitSpec,
  ProjectDocument,
  TrainStep,
  TrainStepOptions,
  WeightMap,
} from '../../engine/index.ts';
import { analyze, compileTrainStep, CompileError, initialWeights } from '../../engine/index.ts';
import { HostError } from '../../protocol/hostApi.ts';
import { checkFit } from './fit.ts';
import type { TrainConfig } from './trainer.ts';

/** What train() starts from: the compiled step and the initial weights. */
export interface TrainingStart {
  step: TrainStep;
  weights: WeightMap;
}

type StepConfig = Pick<TrainConfig, 'batchSize' | 'loss' | 'optimizer' | 'clipNorm' | 'tbptt'>;

/** Train steps compiled lately, by graph and step settings: training the same network again skips the compile. */
const compiled = new Map<string, TrainStep>();
const COMPILED_KEPT = 4;

/** What compileTrainStep() is given for a configuration. */
export function stepSettings(config: StepConfig): TrainStepOptions {
  return {
    batchSize: config.batchSize,
    loss: config.loss,
    optimizer: config.optimizer,
    clipNorm: config.clipNorm,
    carryState: !!config.tbptt,
  };
}

/** The train step for a configuration; a graph that can't be trained is a cannot-train error. */
export function compileTraining(doc: ProjectDocument, config: StepConfig): TrainStep {
  const settings = stepSettings(config);
  const key = JSON.stringify([doc.graph, settings]);
  const known = compiled.get(key);
  if (known) {
    // Newest last, so the oldest is the first to go.
    compiled.delete(key);
    compiled.set(key, known);
    return known;
  }
  let step: TrainStep;
  try {
    step = compileTrainStep(doc.graph, settings);
  } catch (e) {
    if (e instanceof CompileError) throw new HostError('cannot-train', e.message);
    throw e;
  }
  compiled.set(key, step);
  if (compiled.size > COMPILED_KEPT) compiled.delete(compiled.keys().next().value!);
  return step;
}

/**
 * Checks the network against the training set, compiles the step and draws the initial weights:
 * `init` over the document's stored weights, or over `stored` ones loaded beside it (an ONNX
 * file's initializers).
 */
export function prepareTraining(
  doc: ProjectDocument,
  train: Dataset,
  config: StepConfig & Pick<TrainConfig, 'seed'>,
  init: InitSpec = { kind: 'default' },
  stored?: WeightMap,
): TrainingStart {
  const analysis = analyze(doc.graph);
  checkFit(doc, analysis, train, config.loss, config.batchSize);
  const step = compileTraining(doc, config);
  if (config.tbptt) checkTruncation(step, train, config.tbptt, config.batchSize);
  return { step, weights: initialWeights(analysis, doc, init, config.seed ?? 0, stored) };
}

/**
 * Truncated BPTT trains on windows of the Input's length, the state of every recurrent layer
 * carried from the same stream's previous window: the model needs a recurrent layer, τ must be
 * the window, and the data must come as one stream per batch row.
 */
function checkTruncation(step: TrainStep, train: Dataset, tbptt: number, batchSize: number): void {
  const cannot = (m: string) => new HostError('cannot-train', m);
  if (!step.carried.length)
    throw cannot(
      'Truncated BPTT (tbptt) carries the state of a recurrent layer from one window to the next, but this network has no LSTM or GRU; train it without truncation.',
    );
  const window = step.dataInputs[0].shape[1];
  if (window !== tbptt)
    throw cannot(
      `tbptt is ${tbptt} steps, but the Input reads windows of ${window}: each update is one window of the Input's length, so set tbptt to ${window}, or the Input's shape to ${tbptt} steps.`,
    );
  if (train.streams !== batchSize)
    throw cannot(
      `Truncated BPTT needs the training data as ${batchSize} long streams (one per batch row) read window by window, but ${train.name} ${train.streams ? `has ${train.streams} streams` : 'holds independent samples'}; use the chars set, which the trainer cuts into streams.`,
    );
}
