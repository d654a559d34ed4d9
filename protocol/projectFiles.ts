// Files across the HostApi (.netwright zips, exported ONNX, a dataset's large files): too large for one message,
// so they travel in chunks (host/transfers.ts), each well inside the message limit: raw bytes
// (a binary WebSocket frame, or cloned by Electron's IPC), or base64 for a client that can't.
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

const chunkBytes = z
  .instanceof(Uint8Array)
  .refine((b) => b.length <= TRANSFER_CHUNK_BYTES, `a chunk holds at most ${TRANSFER_CHUNK_BYTES} bytes`);

export const uploadChunkSchema = z.union([
  z
    .object({
      transfer: transferIdSchema,
      offset: z.number().int().min(0),
      base64: z.string().max(Math.ceil(TRANSFER_CHUNK_BYTES / 3) * 4),
    })
    .strict(),
  z.object({ transfer: transferIdSchema, offset: z.number().int().min(0), bytes: chunkBytes }).strict(),
]);

export const readTransferSchema = z
  .object({
    transfer: transferIdSchema,
    offset: z.number().int().min(0),
    /** Raw bytes instead of base64. */
    binary: z.boolean().optional(),
  })
  .strict();

export const transferChunkSchema = z.union([
  z.object({ base64: z.string(), done: z.boolean() }),
  z.object({ bytes: chunkBytes, done: z.boolean() }),
]);

/**
 * A file the host offers for the page to fetch (a saved project, an exported ONNX model): its
 * name, size and transfer. Browser mode downloads it over HTTP, Electron reads it with readTransfer.
 */
export const offeredFileSchema = z.object({
  transfer: transferIdSchema,
  fileName: z.string(),
  bytes: z.number().int(),
});
export type OfferedFile = z.infer<typeof offeredFileSchema>;
export const savedProjectSchema = offeredFileSchema;
export type SavedProject = OfferedFile;

export const openProjectSchema = z
  .object({ transfer: transferIdSchema, fileName: z.string().max(255).optional() })
  .strict();
