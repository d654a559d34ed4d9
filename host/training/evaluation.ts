// A classification run measured on its own test set: the confusion matrix, precision and recall
// per class, and the mistakes the network was surest of ("sure and wrong" is what a teacher wants
// to show). The inference pass mirrors the trainer's test evaluation (same exported graph with the
// weights fed as inputs, same chunks: inferencePass), so the matrix's accuracy is the one the epoch
// event reported.
import type { ChannelStats, Dataset } from '../../engine/data/index.ts';
import { sampleSize } from '../../engine/data/index.ts';
import type { InitSpec, ProjectDocument, WeightMap } from '../../engine/index.ts';
import { analyze, initialWeights, predictions } from '../../engine/index.ts';
import type { EvaluateOptions, Evaluation, Misclassified } from '../../protocol/evaluation.ts';
import { DEFAULT_EVALUATION_EXAMPLES } from '../../protocol/evaluation.ts';
import { HostError } from '../../protocol/hostApi.ts';
import { shownShape, shrinkPicture } from '../data/shownPicture.ts';
import { weightsFromState } from './boundary.ts';
import { inferencePass } from './inferencePass.ts';
import { softmax } from './predictor.ts';
import type { TrainingRuns } from './runs.ts';

export interface TestOutputs {
  /** Row-major probabilities, `classes` per sample. */
  probabilities: Float32Array;
  classes: number;
  predicted: Int32Array;
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/**
 * Probabilities from the network's output rows: as they are after a Softmax, exp after a
 * LogSoftmax, otherwise a softmax of the logits; one output column is a binary logit.
 */
function toProbabilities(lastType: string, y: Float32Array, rows: number): { p: Float32Array; k: number } {
  const width = y.length / rows;
  if (width === 1) {
    const p = new Float32Array(rows * 2);
    for (let r = 0; r < rows; r++) {
      const one = lastType === 'Sigmoid' ? y[r] : sigmoid(y[r]);
      p[2 * r] = 1 - one;
      p[2 * r + 1] = one;
    }
    return { p, k: 2 };
  }
  if (lastType === 'Softmax') return { p: Float32Array.from(y), k: width };
  if (lastType === 'LogSoftmax') return { p: Float32Array.from(y, Math.exp), k: width };
  const p = new Float32Array(y.length);
  for (let r = 0; r < rows; r++) p.set(softmax(y.subarray(r * width, (r + 1) * width)), r * width);
  return { p, k: width };
}

/** Runs the inference graph over the whole (already standardised) test set. */
export async function testOutputs(
  doc: ProjectDocument,
  weights: WeightMap,
  test: Dataset,
): Promise<TestOutputs> {
  const predicted = new Int32Array(test.length);
  let probabilities = new Float32Array(0);
  let classes = 0;
  await inferencePass(doc, weights, test, ({ y, start, n, outputName }) => {
    const lastType = doc.graph.nodes.find((node) => node.name === outputName)?.type ?? '';
    predicted.set(predictions(y, n), start);
    const { p, k } = toProbabilities(lastType, y, n);
    if (!classes) {
      classes = k;
      probabilities = new Float32Array(test.length * k);
    }
    probabilities.set(p, start * k);
  });
  return { probabilities, classes, predicted };
}

/** A sample as the user knows it: the run's standardisation undone (pixels 0..1, the 2-D point). */
export function rawSample(test: Dataset, index: number, stats: ChannelStats | undefined): number[] {
  const size = sampleSize(test.inputShape);
  const x = test.x.subarray(index * size, (index + 1) * size);
  if (!stats) return Array.from(x);
  const channels = test.inputShape[0];
  const inner = size / channels;
  // standardize() divides by std only where it is not ~0 (such a channel is only centred).
  return Array.from(x, (v, i) => {
    const c = Math.floor(i / inner);
    const sd = stats.std[c] > 1e-12 ? stats.std[c] : 1;
    return v * sd + stats.mean[c];
  });
}

const ratio = (num: number, den: number) => (den > 0 ? num / den : null);

/** Counts, rates and the most confident mistakes, from the network's outputs on the test set. */
export function summarize(
  test: Dataset,
  out: TestOutputs,
  stats: ChannelStats | undefined,
  classNames: readonly string[] | undefined,
  options: EvaluateOptions = {},
): Omit<Evaluation, 'runId' | 'epoch' | 'weights'> {
  const labels = test.y as Int32Array;
  const k = Math.max(test.numClasses, out.classes);
  const matrix = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < test.length; i++) matrix[labels[i]][out.predicted[i]]++;
  let correct = 0;
  for (let c = 0; c < k; c++) correct += matrix[c][c];
  const colSum = (c: number) => matrix.reduce((s, row) => s + row[c], 0);
  const rowSum = (c: number) => matrix[c].reduce((s, v) => s + v, 0);

  const { cell } = options;
  if (cell && (cell.trueClass >= k || cell.predicted >= k))
    throw new HostError(
      'bad-request',
      `cell: classes are numbered 0 to ${k - 1}; got true ${cell.trueClass}, predicted ${cell.predicted}.`,
    );
  const wrong: number[] = [];
  for (let i = 0; i < test.length; i++) {
    const t = labels[i];
    const p = out.predicted[i];
    if (t !== p && (!cell || (cell.trueClass === t && cell.predicted === p))) wrong.push(i);
  }
  const pOf = (i: number, c: number) => (c < out.classes ? out.probabilities[i * out.classes + c] : 0);
  // Surest first; the test-set position breaks ties, so the same run always shows the same examples.
  wrong.sort((a, b) => pOf(b, out.predicted[b]) - pOf(a, out.predicted[a]) || a - b);
  const examples: Misclassified[] = wrong
    .slice(0, options.examples ?? DEFAULT_EVALUATION_EXAMPLES)
    .map((i) => ({
      index: i,
      trueClass: labels[i],
      predicted: out.predicted[i],
      pPredicted: pOf(i, out.predicted[i]),
      pTrue: pOf(i, labels[i]),
      values: shrinkPicture(rawSample(test, i, stats), test.inputShape),
    }));
  return {
    classNames: Array.from({ length: k }, (_, c) => classNames?.[c] ?? String(c)),
    inputShape: test.inputShape,
    sampleShape: shownShape(test.inputShape),
    testSamples: test.length,
    matrix,
    precision: matrix.map((_, c) => ratio(matrix[c][c], colSum(c))),
    recall: matrix.map((_, c) => ratio(matrix[c][c], rowSum(c))),
    accuracy: correct / test.length,
    mistakes: wrong.length,
    examples,
  };
}

/** Only classification: the matrix needs class labels, and a test set to count them in. */
function checkClassification(test: Dataset | undefined, runId: string): Dataset {
  if (!test || test.length === 0)
    throw new HostError(
      'bad-request',
      `Run ${runId} has no test set to evaluate; keep some data for testing.`,
    );
  if (!(test.y instanceof Int32Array) || test.numClasses < 2)
    throw new HostError(
      'bad-request',
      `Run ${runId} is not a classification run (its targets are numbers, not classes); a confusion matrix needs class labels.`,
    );
  return test;
}

/**
 * What evaluating a run needs, gathered on the host's event loop (cheap: no model is run). The
 * host posts it to its model thread (evaluateModel), with the arrays in shared memory.
 */
export interface EvaluationInput {
  runId: string;
  doc: ProjectDocument;
  test: Dataset;
  stats?: ChannelStats;
  classNames?: string[];
  epoch: number;
  label: string;
  /** A finished run's weights; else the train-step tensors of a running one's last epoch. */
  weights?: WeightMap;
  state?: { tensors: Record<string, Float32Array>; init: InitSpec; seed: number };
}

/** A run's final weights, or those of its last finished epoch, and its test set. */
export function evaluationInput(runs: TrainingRuns, runId: string): EvaluationInput {
  const run = runs.evaluationInput(runId);
  const test = checkClassification(run.test, runId);
  const common = { runId, doc: run.doc, test, stats: run.stats, classNames: run.classNames };
  if (run.weights) {
    const epoch = run.epochsDone;
    const label = run.stoppedEarly
      ? `stopped after ${epoch} finished epoch${epoch === 1 ? '' : 's'} (weights as it stopped)`
      : `trained ${epoch} epoch${epoch === 1 ? '' : 's'}`;
    return { ...common, epoch, label, weights: run.weights };
  }
  if (run.epochState) {
    const { epoch, tensors } = run.epochState;
    const state = { tensors, init: run.init, seed: run.seed };
    return { ...common, epoch, label: `after epoch ${epoch}; still training`, state };
  }
  throw new HostError(
    'busy',
    run.running
      ? 'The run has not finished an epoch yet; the confusion matrix comes after the first one.'
      : 'The run failed; there are no weights to evaluate.',
  );
}

/** Runs the model over the test set and summarizes it (the host does this in its model thread). */
export async function evaluateModel(
  input: EvaluationInput,
  options: EvaluateOptions = {},
): Promise<Evaluation> {
  const { doc, state } = input;
  // Still training: the train-step tensors after its last finished epoch, over the start weights.
  const weights =
    input.weights ??
    weightsFromState(doc, initialWeights(analyze(doc.graph), doc, state!.init, state!.seed), state!.tensors);
  const out = await testOutputs(doc, weights, input.test);
  const summary = summarize(input.test, out, input.stats, input.classNames, options);
  return { runId: input.runId, epoch: input.epoch, weights: input.label, ...summary };
}

/** Evaluates a whole run in this thread (tests; the host uses evaluationInput + its model thread). */
export async function evaluateRun(
  runs: TrainingRuns,
  runId: string,
  options: EvaluateOptions = {},
): Promise<Evaluation> {
  return evaluateModel(evaluationInput(runs, runId), options);
}
