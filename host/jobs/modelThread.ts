// The host's side of the model thread (./modelTasks.ts): one worker thread that compiles and runs
// models with given weights — a run's predictor, the step-through batch — so the event loop that
// answers every connection never does. One thread, so the state each call leaves (a predictor,
// the held batch) is there for the next call.
import type { ChannelStats } from '../../engine/data/index.ts';
import type { ProjectDocument, WeightMap } from '../../engine/index.ts';
import { HostError } from '../../protocol/hostApi.ts';
import type { EvaluationInput } from '../training/evaluation.ts';
import type { Predictor } from '../training/predictor.ts';
import type { ExecutionProviderChoice } from '../training/providers.ts';
import type { ModelTasks } from './modelTasks.ts';
import { JobRunner, type JobRunnerOptions } from './runner.ts';

/** Elements copied between turns of the event loop (1 MB: a few ms, tens on a busy machine). */
const SHARE_CHUNK = 1 << 18;

/** A copy in shared memory, made a slice at a time with the event loop served in between. */
export async function shareArray<T extends Float32Array | Int32Array>(values: T): Promise<T> {
  const copy = new (values.constructor as new (b: SharedArrayBuffer) => T)(
    new SharedArrayBuffer(values.byteLength),
  );
  for (let i = 0; i < values.length; i += SHARE_CHUNK) {
    copy.set(values.subarray(i, i + SHARE_CHUNK), i);
    await new Promise((r) => setImmediate(r));
  }
  return copy;
}

/**
 * The weights in shared memory (shareArray). Posting them to the thread then copies nothing:
 * cloning 126 MB of typed arrays into a message held the event loop for 2.8 s, copying them for
 * transfer 1.3 s in one go.
 */
export async function shareWeights(weights: WeightMap): Promise<WeightMap> {
  const shared: WeightMap = new Map();
  for (const [id, params] of weights) {
    const copies = new Map<string, Float32Array>();
    for (const [param, values] of params) copies.set(param, await shareArray(values));
    shared.set(id, copies);
  }
  return shared;
}

/** A run's evaluation input with its weights, test set and epoch tensors in shared memory. */
export async function shareEvaluation(input: EvaluationInput): Promise<EvaluationInput> {
  const { test, weights, state } = input;
  const tensors: Record<string, Float32Array> = {};
  for (const [name, values] of Object.entries(state?.tensors ?? {})) tensors[name] = await shareArray(values);
  return {
    ...input,
    test: { ...test, x: await shareArray(test.x), y: await shareArray(test.y) },
    weights: weights && (await shareWeights(weights)),
    state: state && { ...state, tensors },
  };
}

type Input<K extends keyof ModelTasks> = Parameters<ModelTasks[K]>[0];
type Output<K extends keyof ModelTasks> = Awaited<ReturnType<ModelTasks[K]>>;

export class ModelThread {
  private readonly jobs: JobRunner;

  constructor(options: Omit<JobRunnerOptions, 'threads' | 'module'> = {}) {
    this.jobs = new JobRunner({
      ...options,
      threads: 1,
      module: new URL('./modelTasks.ts', import.meta.url).href,
    });
  }

  call<K extends keyof ModelTasks>(name: K, input: Input<K>): Promise<Output<K>> {
    return this.jobs.run(name, input) as Promise<Output<K>>;
  }

  /**
   * A predictor compiled and run in the model thread (same contract as training/predictor.ts's
   * createPredictor). Should the thread be replaced meanwhile, it is compiled there again.
   */
  createPredictor = async (
    doc: ProjectDocument,
    weights: WeightMap | undefined,
    stats?: ChannelStats,
    provider?: ExecutionProviderChoice,
  ): Promise<Predictor> => {
    const inThread = weights && (await shareWeights(weights));
    const compile = () => this.call('createPredictor', { doc, weights: inThread, stats, provider });
    let id = await compile();
    return {
      predict: async (values) => {
        const probabilities = await this.call('predict', { id, values });
        if (probabilities) return probabilities;
        id = await compile();
        const again = await this.call('predict', { id, values });
        if (!again) throw new HostError('internal', 'The model thread lost a predictor just compiled.');
        return again;
      },
      release: async () => {
        await this.call('releasePredictor', { id });
      },
    };
  };

  close(): Promise<void> {
    return this.jobs.close();
  }
}
