// Project files (.netwright zips) across the HostApi: too large for one message, so they travel
// in chunks of base64 (host/transfers.ts), each well inside the message limit.
import { z } from 'zod';
import { MAX_MODEL_ELEMENTS } from '../engine/index.ts';

/** Bytes per chunk: 16 MiB of file, about 22 MB of base64. */
export const TRANSFER_CHUNK_BYTES = 16 * 2 ** 20;
/** The largest file that crosses: a model at MAX_MODEL_ELEMENTS plus its graph. */
export const MAX_TRANSFER_BYTES = 4 * MAX_MODEL_ELEMENTS + 128 * 2 ** 20;

export const transferIdSchema = z.string().regex(/^transfer-[0-9a-f-]{36}$/, 'is not a transfer id');

export const beginUploadSchema = z
  .object({
    bytes: z
      .number()
      .int()
      .min(1)
      .max(MAX_TRANSFER_BYTES, `a file may hold at most ${MAX_TRANSFER_BYTES} bytes`),
  })
  .strict();

export const uploadChunkSchema = z
  .object({
    transfer: transferIdSchema,
    offset: z.number().int().min(0),
    base64: z.string().max(Math.ceil(TRANSFER_CHUNK_BYTES / 3) * 4),
  })
  .strict();

export const readTransferSchema = z
  .object({ transfer: transferIdSchema, offset: z.number().int().min(0) })
  .strict();

export const transferChunkSchema = z.object({ base64: z.string(), done: z.boolean() });

/** A saved project waiting to be fetched: its name, size and transfer. */
export const savedProjectSchema = z.object({
  transfer: transferIdSchema,
  fileName: z.string(),
  bytes: z.number().int(),
});
export type SavedProject = z.infer<typeof savedProjectSchema>;

export const openProjectSchema = z
  .object({ transfer: transferIdSchema, fileName: z.string().max(255).optional() })
  .strict();
