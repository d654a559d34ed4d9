// The HostApi methods about training runs and what a model computes (predictions, activations,
// Step through, evaluation): bound by createHostService (hostService.ts) to the host's parts.
import type { ProjectDocument, WeightMap } from '../engine/index.ts';
import type { ChannelStats } from '../engine/data/index.ts';
import type { HostApi } from '../protocol/hostApi.ts';
import { HostError } from '../protocol/hostApi.ts';
import { HOLD_ABOVE_BYTES, shareHeld, weightBytes, withShapes, type HeldWeights } from './heldWeights.ts';
import type { Transfers } from './transfers.ts';
import { datasetPreview } from './data/preview.ts';
import { addDataset, resolveForLoad } from './data/uploads.ts';
import type { JobRunner } from './jobs/runner.ts';
import { shareEvaluation, shareWeights, type ModelThread } from './jobs/modelThread.ts';
import type { TrainingRuns } from './training/runs.ts';
import { evaluationInput } from './training/evaluation.ts';

/** The host's parts these methods use. */
export interface HostParts {
  /** Worker threads for document work (import, export, parsing, a document's own predictions). */
  jobs: JobRunner;
  /** The thread that compiles and runs a trained run's model. */
  model: ModelThread;
  runs: TrainingRuns;
  /** Weights too large to travel with the page's document. */
  held: HeldWeights;
  /** Files crossing in chunks. */
  transfers: Transfers;
}

/** A finished run's model for the model thread, its weights in shared memory (see shareWeights). */
async function sharedRun(run: {
  doc: ProjectDocument;
  weights: WeightMap;
  label: string;
  stats?: ChannelStats;
}) {
  return { run: { ...run, weights: await shareWeights(run.weights) } };
}

export function runMethods({ jobs, model, runs, held, transfers }: HostParts) {
  const attach = <T extends { document: ProjectDocument }>(r: T): T => ({
    ...r,
    document: held.attach(r.document),
  });
  return {
    startTraining: ({ document, dataset, config }) => runs.start(held.attach(document), dataset, config),
    startRace: ({ document, dataset, config, entries }) =>
      runs.startRace(held.attach(document), dataset, config, entries),
    stopTraining: async (runId) => runs.stop(runId),
    pauseTraining: async (runId) => runs.pause(runId),
    resumeTraining: async (runId) => runs.resume(runId),
    retainRuns: async ({ client, runIds }) => runs.retain(client, runIds),
    attachRun: async (runId) => runs.attach(runId),
    // Encoded in a job thread (ResNet-50: half a second), the weights shared with it, and the
    // file offered as a transfer the page fetches (browser mode: over HTTP).
    exportTrainedOnnx: async (runId, options) => {
      const { doc, weights } = runs.trainedModel(runId);
      const exported = await jobs.run('exportOnnx', {
        document: doc,
        weights: await shareWeights(weights),
        fp16: options?.fp16,
        trained: true,
      });
      if (!exported.ok)
        throw new HostError(
          'bad-request',
          `The trained model can't be exported: ${exported.problems.join(' ')}`,
        );
      return transfers.offerFile(exported.fileName, exported.bytes);
    },
    trainedWeights: async (runId) => runs.trainedWeights(runId),
    keepTrainedWeights: async (runId) => {
      const { doc, weights } = runs.trainedModel(runId);
      if (weightBytes(weights) <= HOLD_ABOVE_BYTES) return { weights: runs.trainedWeights(runId) };
      // A copy (in shared memory, as held tensors are): a paused run goes on training into its own arrays.
      return { weightsRef: held.hold(shareHeld(withShapes(doc, weights), true)) };
    },
    // With a run's weights the run's cached model answers; a document's own weights are drawn
    // and compiled in a job thread (a large model would hold the event loop for seconds).
    predict: (source, input) =>
      'runId' in source
        ? runs.predict(source, input.data)
        : jobs.run('predictDocument', { source: attach(source), values: input.data }),
    datasetPreview: (spec, count) => datasetPreview(spec, count),
    addDataset: (request) => addDataset(request, (id) => transfers.take(id)),
    // Compiling the cut-down model takes seconds for a large one: never on the event loop.
    activations: async (source, request) =>
      'runId' in source
        ? model.call('runActivations', { ...(await sharedRun(runs.trainedModel(source.runId))), request })
        : jobs.run('documentActivations', { source: attach(source), request }),
    stepThroughBatch: async (source, setup) =>
      model.call('stepThroughBatch', {
        source: 'runId' in source ? await sharedRun(runs.trainedModel(source.runId)) : attach(source),
        setup,
        // Uploads are known to this thread only: the model thread gets their files.
        resolved: resolveForLoad(setup.dataset),
      }),
    stepThroughTensors: (r) => model.call('stepThroughTensors', r),
    gradcheckLayer: (r) => model.call('gradcheckLayer', r),
    // The test set through the model: seconds for a large one, so in the model thread.
    evaluateRun: async (runId, options) =>
      model.call('evaluateRun', { input: await shareEvaluation(evaluationInput(runs, runId)), options }),
  } satisfies Partial<HostApi>;
}
