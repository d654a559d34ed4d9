// The safetensors layout (the format of Hugging Face's `safetensors` package): an 8-byte
// little-endian header length N, N bytes of JSON header {name: {dtype, shape, data_offsets},
// "__metadata__"?: {string: string}}, then the raw little-endian tensor bytes. data_offsets are
// [begin, end) into that byte buffer, so one tensor can be read without reading the rest.
// Pure: bytes in, bytes out; callers do the file I/O.

export const SAFETENSORS_DTYPES = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
} as const;
export type SafeDType = keyof typeof SAFETENSORS_DTYPES;

export interface SafeTensor {
  dtype: SafeDType;
  shape: number[];
  /** Little-endian element bytes, product(shape) x element size of them. */
  bytes: Uint8Array;
}

/** Where a tensor sits in the file: absolute byte offsets [begin, end). */
export interface SafeTensorEntry {
  dtype: SafeDType;
  shape: number[];
  begin: number;
  end: number;
}

export interface SafetensorsIndex {
  /** Absolute offset of the data buffer (8 + header length). */
  dataStart: number;
  /** In header order, which is the order of the data. */
  tensors: Map<string, SafeTensorEntry>;
  metadata: Record<string, string>;
}

export class SafetensorsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SafetensorsError';
  }
}

/** The reference implementation refuses headers above 100 MB; so do we, before allocating. */
export const MAX_HEADER_BYTES = 100_000_000;

const elementCount = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function checkShape(name: string, shape: unknown): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0))
    throw new SafetensorsError(`tensor '${name}': shape must be a list of non-negative integers.`);
  return shape as number[];
}

/** Encodes tensors (in the given order) and optional string metadata. */
export function encodeSafetensors(
  tensors: Iterable<[string, SafeTensor]>,
  metadata?: Record<string, string>,
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length) header.__metadata__ = metadata;
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === '__metadata__' || name in header)
      throw new SafetensorsError(`tensor name '${name}' is reserved or used twice.`);
    const size = SAFETENSORS_DTYPES[t.dtype];
    if (!size) throw new SafetensorsError(`tensor '${name}': unknown dtype '${t.dtype}'.`);
    const shape = checkShape(name, t.shape);
    if (t.bytes.length !== elementCount(shape) * size)
      throw new SafetensorsError(
        `tensor '${name}': ${t.bytes.length} bytes do not hold [${shape.join(', ')}] of ${t.dtype}.`,
      );
    header[name] = { dtype: t.dtype, shape, data_offsets: [offset, offset + t.bytes.length] };
    parts.push(t.bytes);
    offset += t.bytes.length;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  // Pad with spaces so the data starts 8-byte aligned (the reference writer does the same).
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Reads the header from the start of a file: `prefix` needs only the first 8 + N bytes, so a caller
 * can read a large file's index and then fetch single tensors by their offsets. `fileSize` (when
 * known) bounds every offset.
 */
export function readSafetensorsIndex(prefix: Uint8Array, fileSize?: number): SafetensorsIndex {
  if (prefix.length < 8) throw new SafetensorsError('the file is shorter than its 8-byte header length.');
  const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  const limit = fileSize === undefined ? Infinity : fileSize - 8;
  if (n > BigInt(MAX_HEADER_BYTES) || Number(n) > limit)
    throw new SafetensorsError(
      `the header claims ${n} bytes, more than ${Number(n) > limit ? 'the file holds' : `${MAX_HEADER_BYTES} bytes`}; the file is damaged.`,
    );
  const headerLength = Number(n);
  if (prefix.length < 8 + headerLength)
    throw new SafetensorsError(`need the first ${8 + headerLength} bytes to read the header.`);
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(prefix.subarray(8, 8 + headerLength)));
  } catch (e) {
    throw new SafetensorsError(`the header is not valid JSON (${(e as Error).message}).`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new SafetensorsError('the header must be a JSON object.');
  const dataStart = 8 + headerLength;
  const dataSize = fileSize === undefined ? Infinity : fileSize - dataStart;
  const tensors = new Map<string, SafeTensorEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = readMetadata(value);
      continue;
    }
    tensors.set(name, readEntry(name, value, dataStart, dataSize));
  }
  return { dataStart, tensors, metadata };
}

function readMetadata(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Object.values(value).some((v) => typeof v !== 'string'))
    throw new SafetensorsError('__metadata__ must map names to strings.');
  return value as Record<string, string>;
}

function readEntry(name: string, value: unknown, dataStart: number, dataSize: number): SafeTensorEntry {
  const v = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  if (typeof v !== 'object' || v === null) throw new SafetensorsError(`tensor '${name}' must be an object.`);
  const dtype = v.dtype as SafeDType;
  if (typeof dtype !== 'string' || !(dtype in SAFETENSORS_DTYPES))
    throw new SafetensorsError(`tensor '${name}': unknown dtype ${JSON.stringify(v.dtype)}.`);
  const shape = checkShape(name, v.shape);
  const offsets = v.data_offsets;
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
    offsets[1] < offsets[0]
  )
    throw new SafetensorsError(`tensor '${name}': data_offsets must be [begin, end] with begin <= end.`);
  const [b, e] = offsets as [number, number];
  if (e > dataSize) throw new SafetensorsError(`tensor '${name}' ends past the end of the file.`);
  if (e - b !== elementCount(shape) * SAFETENSORS_DTYPES[dtype])
    throw new SafetensorsError(
      `tensor '${name}': ${e - b} bytes do not hold [${shape.join(', ')}] of ${dtype}.`,
    );
  return { dtype, shape, begin: dataStart + b, end: dataStart + e };
}

/** Every tensor of a whole file; `bytes` are views into `file` (no copy). */
export function decodeSafetensors(file: Uint8Array): {
  tensors: Map<string, SafeTensor>;
  metadata: Record<string, string>;
} {
  const index = readSafetensorsIndex(file, file.length);
  const tensors = new Map<string, SafeTensor>();
  for (const [name, e] of index.tensors)
    tensors.set(name, { dtype: e.dtype, shape: e.shape, bytes: file.subarray(e.begin, e.end) });
  return { tensors, metadata: index.metadata };
}

/** Float32 values as safetensors bytes (little-endian, as every platform Netwright runs on). */
export function f32Tensor(shape: number[], values: Float32Array): SafeTensor {
  return { dtype: 'F32', shape, bytes: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) };
}

/** A tensor's values as float32 (copied, so unaligned views are fine). F32 only. */
export function toFloat32(t: SafeTensor): Float32Array {
  if (t.dtype !== 'F32') throw new SafetensorsError(`expected F32, got ${t.dtype}.`);
  const out = new Float32Array(t.bytes.length / 4);
  new Uint8Array(out.buffer).set(t.bytes);
  return out;
}
