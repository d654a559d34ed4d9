// The ONNX members of HostApi: an .onnx file crosses the boundary as base64 (JSON text frames).
import { z } from 'zod';

/** About 60 MB of ONNX; the browser-mode WebSocket accepts messages up to twice the document bound. */
export const MAX_ONNX_BASE64_CHARS = 80_000_000;

export const onnxBase64Schema = z
  .string()
  .min(1, 'the file is empty')
  .max(MAX_ONNX_BASE64_CHARS, `an ONNX file may be at most ${(MAX_ONNX_BASE64_CHARS * 0.75) / 1e6} MB here`);

export const importOnnxOptionsSchema = z
  .object({ fileName: z.string().max(255).optional() })
  .strict()
  .optional();

export const exportOnnxOptionsSchema = z
  .object({ opset: z.number().int().optional(), fp16: z.boolean().optional() })
  .strict();

export const exportOnnxResultSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), fileName: z.string(), base64: z.string(), bytes: z.number().int() }),
  z.object({ ok: z.literal(false), problems: z.array(z.string()) }),
]);
export type ExportOnnxResult = z.infer<typeof exportOnnxResultSchema>;
