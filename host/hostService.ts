// The Node implementation of HostApi, shared by the Electron main process and the browser-mode
// server. What differs between those hosts (where the data lives) is passed in, not branched on.
import { ARCHIVE_EXTENSION, fileSlug, type ProjectDocument } from '../engine/index.ts';
import type { HostApi, HostEvent, HostEventSource } from '../protocol/hostApi.ts';
import { HeldWeights, type HeldTensors } from './heldWeights.ts';
import { Transfers } from './transfers.ts';
import { clearAutosave, loadAutosave, removeStaleAutosaveTemps, writeAutosave } from './autosave.ts';
import { resolveForLoad } from './data/uploads.ts';
import type { JobRunnerOptions } from './jobs/runner.ts';
import type { TaskInput } from './jobs/tasks.ts';
import { JobRunner } from './jobs/runner.ts';
import { ModelThread, shareWeights } from './jobs/modelThread.ts';
import type { ExportedOnnx } from './onnxFiles.ts';
import { exportPytorchFor, type PickFolder } from './pytorchExport.ts';
import { defaultDataDir, defaultTemplatesDir } from './paths.ts';
import { listTemplates, loadTemplate } from './templates.ts';
import type { TrainFunction } from './training/runs.ts';
import { TrainingRuns } from './training/runs.ts';
import { runMethods } from './hostRunMethods.ts';

export interface HostServiceOptions {
  templatesDir?: string;
  /** Per-user directory for the autosave. */
  dataDir?: string;
  /** Replaces the trainer (tests). */
  train?: TrainFunction;
  /** Budgets of the worker threads that import, export and parse documents. */
  jobs?: JobRunnerOptions;
  /** A native folder dialog (Electron); without one, exportPytorch offers only a zip. */
  pickFolder?: PickFolder;
  /** Load a job thread at once, so the first import does not wait for one (the app; not tests). */
  warmJobs?: boolean;
}

/** The HostApi plus the events it pushes (training progress) and a shutdown hook. */
export type HostService = HostApi &
  HostEventSource & {
    /** Stops every training run (their pages are gone); the service stays usable. */
    stopRuns(): void;
    /** Files crossing in transfers; browser mode also moves their bytes over HTTP (server/transferRoutes.ts). */
    transfers: Transfers;
    close(): void;
  };

export function createHostService(options: HostServiceOptions = {}): HostService {
  const templatesDir = options.templatesDir ?? defaultTemplatesDir;
  const dataDir = options.dataDir ?? defaultDataDir();
  const listeners = new Set<(e: HostEvent) => void>();
  // A run's predictor and the step-through batch are compiled and run in this thread.
  const model = new ModelThread(options.jobs);
  const runs = new TrainingRuns({
    train: options.train,
    createPredictor: model.createPredictor,
    // The app's first run should not wait for a training thread to load.
    warmWorker: options.warmJobs,
    // Decoding full MNIST takes seconds: in a job thread. Uploads are resolved here, where they are known.
    loadData: (dataset, doc) => jobs.run('loadTrainingData', { resolved: resolveForLoad(dataset, doc) }),
    emit: (payload) => listeners.forEach((l) => l({ name: 'training', payload })),
  });
  // Import, export and parsing of user documents run off the event loop, with time and memory budgets.
  const jobs = new JobRunner(options.jobs);
  // The first import should not wait for a thread to load the engine.
  if (options.warmJobs) jobs.warm();
  /** Jobs the page named (job ids), so it can follow and cancel them. */
  const named = new Map<string, AbortController>();
  void removeStaleAutosaveTemps(dataDir);
  // Weights too large to travel with the page's document, and files crossing in chunks.
  const held = new HeldWeights();
  const transfers = new Transfers();
  const forPage = <T extends { document: ProjectDocument; held?: HeldTensors }>(r: T) => {
    const { held: tensors, ...rest } = r;
    return { ...rest, document: tensors ? { ...r.document, weightsRef: held.hold(tensors) } : r.document };
  };
  /**
   * An upload's bytes as a job's input. They belong to nobody else now: moved to the job's
   * thread, not copied (a 575 MB VGG-19 would otherwise be in memory twice).
   */
  const movedUpload = (transfer: string) => {
    const bytes = transfers.take(transfer);
    const moved = bytes.buffer instanceof ArrayBuffer && bytes.byteLength === bytes.buffer.byteLength;
    return [{ bytes }, moved ? { transfer: [bytes.buffer as ArrayBuffer] } : {}] as const;
  };
  /** An exported model offered for the page to fetch, like a saved project; or the problems. */
  const offerExport = (exported: ExportedOnnx) =>
    exported.ok ? { ok: true as const, ...transfers.offerFile(exported.fileName, exported.bytes) } : exported;
  const api = {
    listTemplates: () => listTemplates(templatesDir),
    loadTemplate: (id) => loadTemplate(templatesDir, id),
    parseProject: (text) => jobs.run('parseProject', { text }),
    // Only valid documents are stored, so recovery never offers junk.
    saveAutosave: async (text) => {
      await jobs.run('parseProject', { text });
      return writeAutosave(dataDir, text);
    },
    loadAutosave: () => loadAutosave(dataDir),
    clearAutosave: () => clearAutosave(dataDir),
    beginUpload: async ({ bytes }) => ({ transfer: transfers.beginUpload(bytes) }),
    uploadChunk: async (chunk) => {
      transfers.receive(chunk.transfer, chunk.offset, 'bytes' in chunk ? chunk.bytes : chunk.base64);
      return null;
    },
    openProject: async ({ transfer }) => forPage(await jobs.run('openProject', ...movedUpload(transfer))),
    saveProject: async (document) => {
      const bytes = await jobs.run('saveProject', { document: held.attach(document) });
      return transfers.offerFile(`${fileSlug(document.name)}${ARCHIVE_EXTENSION}`, bytes);
    },
    readTransfer: async ({ transfer, offset, binary }) => transfers.read(transfer, offset, binary),
    heldTensor: (request) => held.read(request),
    editHeldWeights: async (edit) => ({ weightsRef: held.edit(edit) }),
    importOnnx: async ({ transfer, fileName, job }) => {
      const [input, moving] = movedUpload(transfer);
      const task = { ...input, fileName };
      if (!job) return forPage(await jobs.run('importOnnx', task, moving));
      // A named job reports its progress to the pages and can be cancelled by its name.
      const controller = new AbortController();
      named.get(job)?.abort();
      named.set(job, controller);
      return jobs
        .run('importOnnx', task, {
          ...moving,
          signal: controller.signal,
          onProgress: (p) => listeners.forEach((l) => l({ name: 'job', payload: { job, ...p } })),
        })
        .then(forPage)
        .finally(() => named.get(job) === controller && named.delete(job));
    },
    cancelJob: async (job) => {
      named.get(job)?.abort();
      // Cancelling ended the job's thread: the next import gets a fresh one, loaded now.
      if (options.warmJobs) setImmediate(() => jobs.warm());
      return null;
    },
    exportOnnx: async (document, { runId, ...options }) => {
      // A run's weights replace the document's: the run's own, shared with the job's thread.
      const { weightsRef: _, weights: __, ...graphOnly } = document;
      const input: TaskInput<'exportOnnx'> = runId
        ? { document: graphOnly, weights: await shareWeights(runs.trainedModel(runId).weights), ...options }
        : { document: held.attach(document), ...options };
      return offerExport(await jobs.run('exportOnnx', input));
    },
    exportPytorch: (document, exportOptions) =>
      exportPytorchFor(
        held.attach(document),
        exportOptions,
        (input) => jobs.run('exportPytorch', input),
        (fileName, bytes) => transfers.offerFile(fileName, bytes),
        options.pickFolder,
      ),
  } satisfies Partial<HostApi>;
  return {
    ...api,
    ...runMethods({ jobs, model, runs, held, transfers }),
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    stopRuns: () => runs.stopAll(),
    transfers,
    close: () => {
      runs.stopAll();
      void jobs.close();
      void model.close();
    },
  };
}
