// The ONNX members of HostApi: an imported .onnx file arrives as an upload (a transfer, like an
// opened project: raw bytes, over HTTP in browser mode), an exported one is offered as a transfer,
// like a saved project (protocol/projectFiles.ts). A real model is large: ResNet-50 from PyTorch is
// 102 MB, VGG-19 575 MB, past what one message may carry (and as base64, a third more).
import { z } from 'zod';
import { offeredFileSchema, transferIdSchema } from './projectFiles.ts';
import { runIdSchema, trainingConfigSchema, trainingDatasetSchema } from './training.ts';

/** Names a host job from the page, so its progress events reach it and it can be cancelled. */
export const jobIdSchema = z.string().regex(/^job-[a-z0-9-]{1,64}$/i, 'a job id looks like job-1a2b3c');

/** The upload (beginUpload, then its bytes) to import, its file name, and the job that reports on it. */
export const importOnnxSchema = z
  .object({
    transfer: transferIdSchema,
    fileName: z.string().max(255).optional(),
    /** Progress arrives as 'job' events with this id; cancelJob(id) stops the import. */
    job: jobIdSchema.optional(),
  })
  .strict();

/** A host job's progress, pushed as a 'job' event: what it does now and how far it is (0..1). */
export const jobProgressSchema = z.object({
  job: jobIdSchema,
  phase: z.string().max(100),
  fraction: z.number().min(0).max(1).optional(),
});
export type JobProgressEvent = z.infer<typeof jobProgressSchema>;

export const exportOnnxOptionsSchema = z
  .object({
    opset: z.number().int().optional(),
    fp16: z.boolean().optional(),
    /** With this training run's weights (the host holds them) instead of the document's. */
    runId: runIdSchema.optional(),
  })
  .strict();

/** The exported file, offered as a transfer (saveDownload fetches it), or why it can't be exported. */
export const exportOnnxResultSchema = z.discriminatedUnion('ok', [
  offeredFileSchema.extend({ ok: z.literal(true) }),
  z.object({ ok: z.literal(false), problems: z.array(z.string()) }),
]);
export type ExportOnnxResult = z.infer<typeof exportOnnxResultSchema>;

/**
 * A PyTorch project (model.py, weights, train.py, README.md, requirements.txt): as a zip the page
 * downloads, or written by the host into a folder the user picks (Electron). `training` replaces
 * the project's own recipe (the Training panel's current settings).
 */
export const exportPytorchOptionsSchema = z
  .object({
    destination: z.enum(['zip', 'folder']),
    training: z
      .object({ dataset: trainingDatasetSchema.optional(), config: trainingConfigSchema.optional() })
      .strict()
      .optional(),
  })
  .strict();
export type ExportPytorchOptions = z.infer<typeof exportPytorchOptionsSchema>;

export const exportPytorchResultSchema = z.discriminatedUnion('kind', [
  /**
   * The zip offered as a transfer (saveDownload fetches it), like an exported ONNX model: as base64
   * inside this result VGG-19's 548 MB of weights would be a string past V8's limit (~512 MB).
   */
  offeredFileSchema.extend({ kind: z.literal('zip'), files: z.array(z.string()) }),
  z.object({ kind: z.literal('folder'), folder: z.string(), files: z.array(z.string()) }),
  /** The user closed the folder dialog: nothing was written. */
  z.object({ kind: z.literal('cancelled') }),
  /** Why the model can't be written as PyTorch yet, one sentence per node. */
  z.object({ kind: z.literal('problems'), problems: z.array(z.string()) }),
]);
export type ExportPytorchResult = z.infer<typeof exportPytorchResultSchema>;
