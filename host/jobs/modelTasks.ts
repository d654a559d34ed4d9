// The tasks of the host's model thread (a one-thread JobRunner, see hostService.ts): work on a
// model's weights: a run's predictor (compiled once, asked many times), the step-through batch
// (run once, then walked node by node), a run's feature maps and its evaluation on the test set. Both used to run on the
// host's event loop, where compiling a large model held every other connection for seconds.
// The state lives in this thread; when the thread is replaced (a job over its budget or
// cancelled) it is gone: a predictor is then built again, and a step-through asks for a new batch.
import type { ChannelStats } from '../../engine/data/index.ts';
import type { ProjectDocument, WeightMap } from '../../engine/index.ts';
import type { Activations, ActivationsRequest } from '../../protocol/activations.ts';
import type { StepThroughSetup } from '../../protocol/stepThrough.ts';
import type { ResolvedDataset } from '../data/uploads.ts';
import { computeActivations } from '../training/activations.ts';
import { evaluateModel, type EvaluationInput } from '../training/evaluation.ts';
import type { EvaluateOptions } from '../../protocol/evaluation.ts';
import type { Predictor } from '../training/predictor.ts';
import { createPredictor } from '../training/predictor.ts';
import type { ExecutionProviderChoice } from '../training/providers.ts';
import { StepThrough, type WeightSource } from '../training/stepThrough.ts';

const predictors = new Map<number, Predictor>();
let nextPredictor = 0;
const stepThrough = new StepThrough();

export const tasks = {
  /** Compiles a model with these weights for prediction; its id names it in `predict`. */
  createPredictor: async (input: {
    doc: ProjectDocument;
    weights: WeightMap | undefined;
    stats?: ChannelStats;
    provider?: ExecutionProviderChoice;
  }): Promise<number> => {
    const predictor = await createPredictor(input.doc, input.weights, input.stats, input.provider);
    predictors.set(++nextPredictor, predictor);
    return nextPredictor;
  },
  /** Class probabilities for one sample, or null when this thread has no such predictor (any more). */
  predict: async (input: { id: number; values: readonly number[] }): Promise<number[] | null> =>
    predictors.get(input.id)?.predict(input.values) ?? null,
  releasePredictor: async (input: { id: number }): Promise<null> => {
    const predictor = predictors.get(input.id);
    predictors.delete(input.id);
    await predictor?.release();
    return null;
  },
  /** One node's output with a finished run's weights (shared memory) and standardisation. */
  runActivations: (input: {
    run: { doc: ProjectDocument; weights: WeightMap; label: string; stats?: ChannelStats };
    request: ActivationsRequest;
  }): Promise<Activations> => {
    const { doc, weights, label, stats } = input.run;
    return computeActivations(doc, weights, input.request.nodeId, input.request.data, label, stats);
  },
  /** A run's confusion matrix and surest mistakes on its test set. */
  evaluateRun: ({ input, options }: { input: EvaluationInput; options?: EvaluateOptions }) => {
    // onnxruntime-node refuses tensors over shared memory ("Invalid argument"), and this pass
    // feeds the weights and test samples as inputs: private copies, made here, off the event loop.
    const { test, weights, state } = input;
    const tensors =
      state && Object.fromEntries(Object.entries(state.tensors).map(([k, v]) => [k, v.slice()]));
    const local: EvaluationInput = {
      ...input,
      test: { ...test, x: test.x.slice(), y: test.y.slice() },
      weights:
        weights &&
        new Map([...weights].map(([id, p]) => [id, new Map([...p].map(([k, v]) => [k, v.slice()]))])),
      state: state && tensors && { ...state, tensors },
    };
    return evaluateModel(local, options);
  },
  stepThroughBatch: (input: { source: WeightSource; setup: StepThroughSetup; resolved: ResolvedDataset }) =>
    stepThrough.run(input.source, input.setup, input.resolved),
  stepThroughTensors: async (input: { stepId: string; nodeId: string; sample: number }) =>
    stepThrough.tensors(input.stepId, input.nodeId, input.sample),
  gradcheckLayer: (input: { stepId: string; nodeId: string }) =>
    stepThrough.checkLayer(input.stepId, input.nodeId),
};

export type ModelTasks = typeof tasks;
