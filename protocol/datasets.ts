// The user's own data files, sent by the page as bytes: the host keeps them in a folder of its own
// and hands back an id, so a page still never names a path on disk (see trainingDatasetSchema).
import { z } from 'zod';
import { transferIdSchema } from './projectFiles.ts';

export const UPLOAD_FORMATS = ['csv', 'idx', 'cifar10', 'images', 'text'] as const;
export type UploadFormat = (typeof UPLOAD_FORMATS)[number];

/**
 * The most bytes one upload may hold: the full CIFAR-10 (six batches, 184 MB) with room to spare.
 * Files over STREAM_FILE_BYTES cross as transfers (beginUpload/uploadChunk, in chunks); the rest
 * travel inside the addDataset message as base64.
 */
export const MAX_UPLOAD_BYTES = 1024 * 1024 * 1024;
/**
 * The most bytes the files inside the message may hold. Base64 makes them a third larger, and the
 * browser-mode WebSocket accepts messages up to about 100 MB, so 70 MB is what fits in one message.
 */
export const MAX_INLINE_UPLOAD_BYTES = 70 * 1024 * 1024;
/** Files larger than this go as transfers of their own (the page's choice; the host takes both). */
export const STREAM_FILE_BYTES = 4 * 1024 * 1024;
export const MAX_UPLOAD_FILES = 5000;

export const uploadIdSchema = z
  .string()
  .regex(/^data-[a-f0-9]{12}$/, 'an uploaded data id looks like data-0123456789ab');

/** Bytes base64 encodes, without decoding it. */
export function base64Bytes(s: string): number {
  return (s.length / 4) * 3 - (s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0);
}

/**
 * Where a file sits inside the upload, as the page knows it (a file name, or a folder picker's
 * "root/cat/001.png"): relative, forward slashes, no "." or ".." parts, no odd characters.
 */
export const uploadPathSchema = z
  .string()
  .min(1)
  .max(400)
  .refine(
    (p) => !p.startsWith('/') && !/^[a-z]:/i.test(p),
    'a file path must be relative (no leading / or drive)',
  )
  .refine(
    (p) => !/[\\:*?"<>|]/.test(p) && ![...p].some((c) => c.charCodeAt(0) < 32),
    'a file path may not hold \\ : * ? " < > | or control characters',
  )
  .refine(
    (p) => p.split('/').every((part) => part !== '' && part !== '.' && part !== '..'),
    'a file path may not hold empty, "." or ".." parts',
  );

const inlineFileSchema = z
  .object({
    path: uploadPathSchema,
    base64: z
      .string()
      .max(Math.ceil(MAX_INLINE_UPLOAD_BYTES / 3) * 4)
      // A flat character class, not groups of four: a grouped pattern overflows the regex stack on
      // files of tens of megabytes.
      .refine((s) => s.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(s), 'file contents must be base64'),
  })
  .strict();

/** A file the page sent ahead as a transfer (a CIFAR-10 batch is 30 MB). */
const streamedFileSchema = z.object({ path: uploadPathSchema, transfer: transferIdSchema }).strict();

const uploadFileSchema = z.union([inlineFileSchema, streamedFileSchema]);

export const uploadOptionsSchema = z
  .object({
    /** CSV: the label column, by header name or 0-based index; default the last column. */
    labelColumn: z.union([z.string().min(1).max(200), z.number().int().min(0).max(100_000)]).optional(),
    /** CSV: whether the first row names the columns; default: guessed from the first row. */
    header: z.boolean().optional(),
    /** Image folder: every image resized to size × size pixels; default the first image's size. */
    size: z.number().int().min(4).max(224).optional(),
    /** Image folder: one channel (luma) instead of RGB. */
    grayscale: z.boolean().optional(),
    /** CSV: the label column holds numbers to predict (mean squared error), not classes. */
    regression: z.boolean().optional(),
    /** CSV: each row is one sequence, a value per step; samples are [steps, 1]. */
    sequence: z.boolean().optional(),
    /** Text: characters per window; the label is the character after it. */
    window: z.number().int().min(1).max(4096).optional(),
  })
  .strict();
export type UploadOptions = z.infer<typeof uploadOptionsSchema>;

export const addDatasetRequestSchema = z
  .object({
    format: z.enum(UPLOAD_FORMATS),
    files: z.array(uploadFileSchema).min(1).max(MAX_UPLOAD_FILES),
    options: uploadOptionsSchema.optional(),
  })
  .strict()
  .superRefine((req, ctx) => {
    const total = req.files.reduce((sum, f) => sum + ('base64' in f ? base64Bytes(f.base64) : 0), 0);
    if (total > MAX_INLINE_UPLOAD_BYTES)
      ctx.addIssue({
        code: 'custom',
        path: ['files'],
        message: `the files inside the message hold ${(total / 2 ** 20).toFixed(1)} MB; at most ${MAX_INLINE_UPLOAD_BYTES / 2 ** 20} MB fit (send the larger ones as transfers)`,
      });
    const seen = new Set<string>();
    req.files.forEach((f, i) => {
      if (seen.has(f.path))
        ctx.addIssue({ code: 'custom', path: ['files', i, 'path'], message: `${f.path} is given twice` });
      seen.add(f.path);
    });
  });
export type AddDatasetRequest = z.input<typeof addDatasetRequestSchema>;

/** What the host found in the files: enough to describe them before training. */
export const uploadedDatasetSchema = z.object({
  id: uploadIdSchema,
  format: z.enum(UPLOAD_FORMATS),
  name: z.string(),
  inputShape: z.array(z.number().int().min(1)),
  numClasses: z.number().int().min(0),
  classNames: z.array(z.string()).optional(),
  /** Samples in the training file(s), before any held-out part. */
  samples: z.number().int().min(0),
  /** Samples in a test file of its own (IDX test pair); absent when a fraction is held out. */
  testSamples: z.number().int().min(0).optional(),
  /** Remarks on how the files were read ("test_batch.bin: used as more training data"). */
  notes: z.array(z.string()),
});
export type UploadedDataset = z.infer<typeof uploadedDatasetSchema>;
