// The Node implementation of HostApi, shared by the Electron main process and the browser-mode
// server. What differs between those hosts (where the data lives) is passed in, not branched on.
import { parseDocument } from '../engine/index.ts';
import type { HostApi, HostEvent, HostEventSource } from '../protocol/hostApi.ts';
import { clearAutosave, loadAutosave, saveAutosave } from './autosave.ts';
import { datasetPreview } from './data/preview.ts';
import { addDataset } from './data/uploads.ts';
import { exportOnnxFile, importOnnxFile } from './onnxFiles.ts';
import { defaultDataDir, defaultTemplatesDir } from './paths.ts';
import { listTemplates, loadTemplate } from './templates.ts';
import type { TrainFunction } from './training/runs.ts';
import { TrainingRuns } from './training/runs.ts';
import { activationsFor } from './training/activations.ts';
import { StepThrough } from './training/stepThrough.ts';
import { evaluateRun } from './training/evaluation.ts';

export interface HostServiceOptions {
  templatesDir?: string;
  /** Per-user directory for the autosave. */
  dataDir?: string;
  /** Replaces the trainer (tests). */
  train?: TrainFunction;
}

/** The HostApi plus the events it pushes (training progress) and a shutdown hook. */
export type HostService = HostApi &
  HostEventSource & {
    /** Stops every training run (their pages are gone); the service stays usable. */
    stopRuns(): void;
    close(): void;
  };

export function createHostService(options: HostServiceOptions = {}): HostService {
  const templatesDir = options.templatesDir ?? defaultTemplatesDir;
  const dataDir = options.dataDir ?? defaultDataDir();
  const listeners = new Set<(e: HostEvent) => void>();
  const runs = new TrainingRuns({
    train: options.train,
    emit: (payload) => listeners.forEach((l) => l({ name: 'training', payload })),
  });
  const stepThrough = new StepThrough();
  const api = {
    listTemplates: () => listTemplates(templatesDir),
    loadTemplate: (id) => loadTemplate(templatesDir, id),
    parseProject: async (text) => parseDocument(text),
    saveAutosave: (text) => saveAutosave(dataDir, text),
    loadAutosave: () => loadAutosave(dataDir),
    clearAutosave: () => clearAutosave(dataDir),
    importOnnx: (base64, options) => importOnnxFile(base64, options?.fileName),
    exportOnnx: async (document, options) => exportOnnxFile(document, options),
    startTraining: ({ document, dataset, config }) => runs.start(document, dataset, config),
    startRace: ({ document, dataset, config, entries }) => runs.startRace(document, dataset, config, entries),
    stopTraining: async (runId) => runs.stop(runId),
    pauseTraining: async (runId) => runs.pause(runId),
    resumeTraining: async (runId) => runs.resume(runId),
    retainRuns: async ({ client, runIds }) => runs.retain(client, runIds),
    exportTrainedOnnx: async (runId, options) => runs.exportOnnx(runId, options?.fp16),
    trainedWeights: async (runId) => runs.trainedWeights(runId),
    predict: (source, input) => runs.predict(source, input.data),
    datasetPreview: (spec, count) => datasetPreview(spec, count),
    addDataset: (request) => addDataset(request),
    activations: (source, request) => activationsFor(runs, source, request),
    stepThroughBatch: (source, setup) =>
      stepThrough.run('runId' in source ? { run: runs.trainedModel(source.runId) } : source, setup),
    stepThroughTensors: async (r) => stepThrough.tensors(r.stepId, r.nodeId, r.sample),
    gradcheckLayer: (r) => stepThrough.checkLayer(r.stepId, r.nodeId),
    evaluateRun: (runId, options) => evaluateRun(runs, runId, options),
  } satisfies HostApi;
  return {
    ...api,
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    stopRuns: () => runs.stopAll(),
    close: () => runs.stopAll(),
  };
}
