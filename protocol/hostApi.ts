// The one definition of what the renderer may ask the host (Node) to do. Each method lists the
// zod schemas of its arguments and result; the HostApi type is inferred from this table, so the
// WebSocket server, the Electron bridge and the renderer clients cannot drift apart.
// Adding a method is one entry here plus its implementation in host/hostService.ts and a line in
// electron/preload.ts; the compiler and test/unit/app-window.test.ts point at the rest.
import { z } from 'zod';
// NOTE: protocol/ normally takes only types from engine/, but a document is validated with the
// engine's own validator on whichever side receives it, so both sides accept exactly the same files.
import type { ProjectDocument } from '../engine/index.ts';
import { limitText, MAX_DOCUMENT_BYTES, utf8Length, validateDocument } from '../engine/index.ts';
import {
  datasetPreviewSchema,
  MAX_PREVIEW_SAMPLES,
  MAX_RACE_ENTRIES,
  predictInputSchema,
  predictionSchema,
  raceEntrySchema,
  attachedRunSchema,
  runIdSchema,
  startRaceResultSchema,
  startTrainingResultSchema,
  trainingConfigSchema,
  trainingDatasetSchema,
  trainingEventsMessageSchema,
} from './training.ts';
import { activationsRequestSchema, activationsSchema, untrainedStartShape } from './activations.ts';
import { evaluateRequestSchema, evaluationSchema } from './evaluation.ts';
import {
  layerCheckRequestSchema,
  layerCheckSchema,
  nodeTensorsSchema,
  stepThroughSetupSchema,
  stepThroughSummarySchema,
  tensorRequestSchema,
} from './stepThrough.ts';
import {
  exportOnnxOptionsSchema,
  exportOnnxResultSchema,
  exportPytorchOptionsSchema,
  exportPytorchResultSchema,
  importOnnxSchema,
  jobIdSchema,
  jobProgressSchema,
} from './onnxFiles.ts';
import { addDatasetRequestSchema, uploadedDatasetSchema } from './datasets.ts';
import {
  beginUploadSchema,
  offeredFileSchema,
  openProjectSchema,
  readTransferSchema,
  savedProjectSchema,
  transferChunkSchema,
  transferIdSchema,
  uploadChunkSchema,
} from './projectFiles.ts';
import {
  editHeldWeightsSchema,
  heldTensorRequestSchema,
  heldTensorSchema,
  weightsRefResultSchema,
} from './heldWeights.ts';

const templateId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/i, 'a template id is 1-64 letters, digits, - or _ (no paths)');

// Characters first (cheap, and a UTF-8 byte is at least one character), then the UTF-8 bytes.
const documentText = z
  .string()
  .max(MAX_DOCUMENT_BYTES, `a project file may hold at most ${limitText('MAX_DOCUMENT_BYTES')} bytes`)
  .refine(
    (text) => utf8Length(text) <= MAX_DOCUMENT_BYTES,
    `a project file may hold at most ${limitText('MAX_DOCUMENT_BYTES')} bytes of UTF-8`,
  );

/**
 * A project document, checked by the engine (format, version, layer types, attributes, edges).
 * Typed as a ProjectDocument on both sides (the sender holds one); any value is checked at run time.
 */
export const projectDocumentSchema = z
  .custom<ProjectDocument>(() => true)
  .transform((raw, ctx) => {
    try {
      return validateDocument(raw);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message });
      return z.NEVER;
    }
  });

export const templateInfoSchema = z.object({
  id: templateId,
  name: z.string(),
  description: z.string(),
  nodeCount: z.number().int().min(0),
  /** The title of the template's lesson, when it has one. */
  lesson: z.string().optional(),
  /** The lesson's place in the course (lesson.order). */
  order: z.number().int().min(1).optional(),
});
export type TemplateInfo = z.infer<typeof templateInfoSchema>;

export const autosaveSchema = z.object({ text: documentText, savedAt: z.string() });
export type Autosave = z.infer<typeof autosaveSchema>;

const storedTensorSchema = z.object({
  shape: z.array(z.number().int().min(0)),
  dtype: z.literal('float32'),
  data: z.string(),
});
/** Trained weights in the project file's form: node id -> parameter -> tensor. */
export const storedWeightsSchema = z.record(z.string(), z.record(z.string(), storedTensorSchema));

export const startTrainingSchema = z
  .object({ document: projectDocumentSchema, dataset: trainingDatasetSchema, config: trainingConfigSchema })
  .strict();

export const startRaceSchema = z
  .object({
    document: projectDocumentSchema,
    dataset: trainingDatasetSchema,
    /** Shared by every contestant; each replaces optimizer and lr with its own. */
    config: trainingConfigSchema,
    entries: z.array(raceEntrySchema).min(2).max(MAX_RACE_ENTRIES),
  })
  .strict();

/**
 * Predict with a finished run's weights, or with a document's own: stored, or the random start a
 * run with `seed` and `init` would use.
 */
export const predictSourceSchema = z.union([
  z.object({ runId: runIdSchema }).strict(),
  z.object({ document: projectDocumentSchema, ...untrainedStartShape }).strict(),
]);

export const hostMethods = {
  /** Starter documents shipped in assets/templates. */
  listTemplates: { args: z.tuple([]), result: z.array(templateInfoSchema) },
  loadTemplate: { args: z.tuple([templateId]), result: projectDocumentSchema },
  /** Parses and validates a project file's text; fails with code 'invalid-document' naming the field. */
  parseProject: { args: z.tuple([documentText]), result: projectDocumentSchema },
  /** Crash recovery: the latest document text, written atomically by the host. */
  saveAutosave: { args: z.tuple([documentText]), result: z.object({ savedAt: z.string() }) },
  loadAutosave: { args: z.tuple([]), result: autosaveSchema.nullable() },
  clearAutosave: { args: z.tuple([]), result: z.null() },
  /**
   * A .netwright file from the page: beginUpload with its size, uploadChunk in order, then
   * openProject reads it (a job thread) into a document; large weights stay on the host (weightsRef).
   */
  beginUpload: { args: z.tuple([beginUploadSchema]), result: z.object({ transfer: transferIdSchema }) },
  uploadChunk: { args: z.tuple([uploadChunkSchema]), result: z.null() },
  openProject: {
    args: z.tuple([openProjectSchema]),
    result: z.object({ document: projectDocumentSchema, notes: z.array(z.string()) }),
  },
  /** The document (and the weights the host holds for it) as a .netwright zip, read with readTransfer. */
  saveProject: { args: z.tuple([projectDocumentSchema]), result: savedProjectSchema },
  readTransfer: { args: z.tuple([readTransferSchema]), result: transferChunkSchema },
  /**
   * What the inspector shows of one tensor the host holds for a document (its weightsRef): a
   * bounded slice and its statistics, so the page never holds a large model's weights.
   */
  heldTensor: { args: z.tuple([heldTensorRequestSchema]), result: heldTensorSchema },
  /** Values typed in the page for a held model: a new version of its weights (undo keeps the old). */
  editHeldWeights: { args: z.tuple([editHeldWeightsSchema]), result: weightsRefResultSchema },
  /** An uploaded .onnx file (beginUpload) as a laid-out project, with notes on what the import changed. */
  importOnnx: {
    args: z.tuple([importOnnxSchema]),
    result: z.object({ document: projectDocumentSchema, notes: z.array(z.string()) }),
  },
  /** Stops a job the page named (an import under way); nothing happens when it has ended. */
  cancelJob: { args: z.tuple([jobIdSchema]), result: z.null() },
  /**
   * The inference model (IR 8; opset 17 unless asked) offered as a transfer to fetch (browser
   * mode: GET /transfer/<id>; Electron: readTransfer), or why it can't be exported yet.
   */
  exportOnnx: {
    args: z.tuple([projectDocumentSchema, exportOnnxOptionsSchema]),
    result: exportOnnxResultSchema,
  },
  /**
   * The project as PyTorch (model.py, weights, train.py for python or torchrun, README.md): a zip
   * offered as a transfer (browser mode; fetched as exportOnnx's file is, since it is as large as
   * the weights), or written into a folder the user picks in a dialog ('folder', Electron only:
   * elsewhere it fails with code 'unsupported'). A model with a node PyTorch can't express gets
   * the reasons instead.
   */
  exportPytorch: {
    args: z.tuple([projectDocumentSchema, exportPytorchOptionsSchema]),
    result: exportPytorchResultSchema,
  },
  /**
   * Loads the data, checks it fits the network and starts training; progress arrives as
   * 'training' events. One run at a time: a second start fails with code 'busy'.
   */
  startTraining: { args: z.tuple([startTrainingSchema]), result: startTrainingResultSchema },
  /**
   * The optimizer race: one run per entry, all from the same initial weights, batch order and
   * data, side by side. Each run reports as a training run of its own; 'busy' like startTraining.
   */
  startRace: { args: z.tuple([startRaceSchema]), result: startRaceResultSchema },
  /** Stops a run after its current step; the weights so far are kept. Unknown or finished runs: no-op. */
  stopTraining: { args: z.tuple([runIdSchema]), result: z.null() },
  /**
   * Pauses a run before its next step ('paused' follows; a race's runs pause together). While
   * paused, export, keep and predict use the weights so far. Ended or unknown runs: an error.
   */
  pauseTraining: { args: z.tuple([runIdSchema]), result: z.null() },
  /** Goes on from where pauseTraining stopped ('resumed' follows). */
  resumeTraining: { args: z.tuple([runIdSchema]), result: z.null() },
  /**
   * The runs a page shows (its followed run, its race): the host keeps these, however many, until
   * the same page (client, one id per page load) shows others. Finished runs no page shows are
   * released beyond the newest few.
   */
  retainRuns: {
    args: z.tuple([
      z
        .object({ client: z.string().regex(/^[a-z0-9-]{8,64}$/i), runIds: z.array(runIdSchema).max(16) })
        .strict(),
    ]),
    result: z.null(),
  },
  /**
   * A run this page followed before it was reloaded, to follow again: its settings, the events so
   * far (later ones arrive as 'training' events) and the network it trains (without weights).
   * A run the host no longer holds: 'not-found'.
   */
  attachRun: {
    args: z.tuple([runIdSchema]),
    result: attachedRunSchema.extend({ document: projectDocumentSchema }),
  },
  /** The trained network as an inference ONNX file (IR 8, opset 17), offered like exportOnnx's. */
  exportTrainedOnnx: {
    args: z.tuple([runIdSchema, z.object({ fp16: z.boolean().optional() }).strict().optional()]),
    result: offeredFileSchema,
  },
  /** A finished run's weights, to keep them in the project file. */
  trainedWeights: { args: z.tuple([runIdSchema]), result: storedWeightsSchema },
  /**
   * "Keep weights in project": a finished run's weights for the document, the host holding them
   * (a weightsRef) when they are too large to travel with it, else as stored weights.
   */
  keepTrainedWeights: {
    args: z.tuple([runIdSchema]),
    result: z.union([weightsRefResultSchema.strict(), z.object({ weights: storedWeightsSchema }).strict()]),
  },
  /** Class probabilities for one sample (the "try it" drawing pad). */
  predict: { args: z.tuple([predictSourceSchema, predictInputSchema]), result: predictionSchema },
  /** The first samples of a dataset (pixels or 2-D points, with labels) for the setup preview. */
  datasetPreview: {
    args: z.tuple([trainingDatasetSchema, z.number().int().min(1).max(MAX_PREVIEW_SAMPLES)]),
    result: datasetPreviewSchema,
  },
  /**
   * The user's own data files as bytes (CSV, IDX, CIFAR-10 batches, an image folder): the host
   * keeps them in a folder of its own, checks them by loading them and returns an id to train on.
   */
  addDataset: { args: z.tuple([addDatasetRequestSchema]), result: uploadedDatasetSchema },
  /** One node's output for one sample (feature maps), with the run's or the document's weights. */
  activations: {
    args: z.tuple([predictSourceSchema, activationsRequestSchema]),
    result: activationsSchema,
  },
  /**
   * Step-through mode: one batch forward and backward with a run's or the document's weights; the
   * host keeps it (replacing the previous one) and returns per-node statistics.
   */
  stepThroughBatch: {
    args: z.tuple([predictSourceSchema, stepThroughSetupSchema]),
    result: stepThroughSummarySchema,
  },
  /** One node of the kept batch: its output and output gradient for one sample, its parameters. */
  stepThroughTensors: { args: z.tuple([tensorRequestSchema]), result: nodeTensorsSchema },
  /** Finite differences against the analytic gradients of one layer, on the kept batch. */
  gradcheckLayer: { args: z.tuple([layerCheckRequestSchema]), result: layerCheckSchema },
  /**
   * A classification run on its test set: confusion matrix, precision/recall, the most confident
   * mistakes (optionally of one cell). A finished run's weights, else its last finished epoch's.
   */
  evaluateRun: { args: evaluateRequestSchema, result: evaluationSchema },
};

export type HostMethods = typeof hostMethods;
export type HostMethod = keyof HostMethods;

export type HostApi = {
  [K in HostMethod]: (
    ...args: z.input<HostMethods[K]['args']>
  ) => Promise<z.output<HostMethods[K]['result']>>;
};

export const hostMethodNames = Object.keys(hostMethods) as HostMethod[];

/**
 * Messages the host pushes without being asked (training progress). The receiving side validates
 * each one with this table, like a result; unknown or malformed events are dropped.
 */
export const hostEvents = {
  /** A run's events since its previous message (a few messages a second). */
  training: trainingEventsMessageSchema,
  /** Progress of a job the page named (an ONNX import). */
  job: jobProgressSchema,
};
export type HostEventName = keyof typeof hostEvents;
export type HostEvent = {
  [K in HostEventName]: { name: K; payload: z.output<(typeof hostEvents)[K]> };
}[HostEventName];

/** Where a host's events come from (the host service; a test double). */
export interface HostEventSource {
  /** Returns an unsubscribe function. */
  subscribe(listener: (event: HostEvent) => void): () => void;
}

/** Validates a pushed event; null when the name is unknown or the payload does not fit. */
export function parseHostEvent(raw: unknown): HostEvent | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const { name, payload } = raw as { name?: unknown; payload?: unknown };
  if (typeof name !== 'string' || !Object.prototype.hasOwnProperty.call(hostEvents, name)) return null;
  const parsed = hostEvents[name as HostEventName].safeParse(payload);
  return parsed.success ? ({ name, payload: parsed.data } as HostEvent) : null;
}

export function isHostMethod(name: unknown): name is HostMethod {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(hostMethods, name);
}

/** Stable error codes that cross the boundary (the message is for people, the code for code). */
export type HostErrorCode =
  | 'bad-request'
  | 'unknown-method'
  | 'invalid-document'
  | 'not-found'
  | 'forbidden'
  | 'disconnected'
  | 'bad-response'
  | 'busy'
  | 'cannot-train'
  /** Over a limit of engine/limits.ts; the message names it. */
  | 'too-large'
  /** A host job ran past its time budget and was stopped. */
  | 'too-slow'
  /** The caller cancelled a host job. */
  | 'cancelled'
  | 'invalid-onnx'
  | 'unsupported'
  | 'internal';

/** The error a client sees: errors cross every transport as plain { code, message }. */
export class HostError extends Error {
  constructor(
    readonly code: HostErrorCode | string,
    message: string,
  ) {
    super(message);
    this.name = 'HostError';
  }
}
