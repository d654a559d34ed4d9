// The IDX format (LeCun's MNIST files, also Fashion-MNIST, EMNIST, KMNIST):
//   bytes 0-1  zero
//   byte  2    element type: 0x08 ubyte, 0x09 sbyte, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64
//   byte  3    number of dimensions
//   then one big-endian uint32 per dimension, then the elements, big-endian, row-major.
// Parsing is done on a Uint8Array so the same code runs in Node, the browser and a worker.
import { limitText, MAX_CLASSES, MAX_DATASET_ELEMENTS } from '../limits.ts';
import { makeDataset, type Dataset } from './dataset.ts';

export type IdxDtype = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray {
  dtype: IdxDtype;
  dims: number[];
  /** Row-major elements in host byte order. For uint8 a view into the input bytes (no copy). */
  data: IdxData;
}

const CODES: Record<number, { dtype: IdxDtype; bytes: number }> = {
  0x08: { dtype: 'uint8', bytes: 1 },
  0x09: { dtype: 'int8', bytes: 1 },
  0x0b: { dtype: 'int16', bytes: 2 },
  0x0c: { dtype: 'int32', bytes: 4 },
  0x0d: { dtype: 'float32', bytes: 4 },
  0x0e: { dtype: 'float64', bytes: 8 },
};

/** `source` (a file name, say) is only used to make error messages point somewhere. */
export function parseIdx(bytes: Uint8Array, source = 'IDX data'): IdxArray {
  if (bytes.length < 4) throw new Error(`${source}: ${bytes.length} bytes is too short for an IDX header`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const hint =
      bytes[0] === 0x1f && bytes[1] === 0x8b ? ' (it looks gzip-compressed; decompress it first)' : '';
    throw new Error(
      `${source}: bad IDX magic number 0x${hex(bytes, 0, 4)}: the first two bytes must be zero${hint}`,
    );
  }
  const type = CODES[bytes[2]];
  if (!type) {
    throw new Error(
      `${source}: bad IDX magic number 0x${hex(bytes, 0, 4)}: unknown element type code 0x${bytes[2].toString(16).padStart(2, '0')}` +
        ' (expected 0x08, 0x09, 0x0B, 0x0C, 0x0D or 0x0E)',
    );
  }
  const ndim = bytes[3];
  if (ndim === 0) throw new Error(`${source}: IDX header declares 0 dimensions`);
  const headerBytes = 4 + 4 * ndim;
  if (bytes.length < headerBytes) {
    throw new Error(
      `${source}: truncated IDX header: ${ndim} dimensions need ${headerBytes} bytes, got ${bytes.length}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < ndim; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    count *= d;
  }
  const need = headerBytes + count * type.bytes;
  if (bytes.length < need) {
    throw new Error(
      `${source}: truncated IDX data: dims ${dims.join('x')} of ${type.dtype} need ${need} bytes, got ${bytes.length}`,
    );
  }
  if (bytes.length > need) {
    throw new Error(
      `${source}: ${bytes.length - need} unexpected bytes after the IDX data (dims ${dims.join('x')} of ${type.dtype} end at byte ${need})`,
    );
  }
  return { dtype: type.dtype, dims, data: readElements(view, headerBytes, count, type.dtype, bytes) };
}

function readElements(view: DataView, at: number, n: number, dtype: IdxDtype, bytes: Uint8Array): IdxData {
  switch (dtype) {
    case 'uint8':
      return bytes.subarray(at, at + n);
    case 'int8':
      return new Int8Array(bytes.buffer, bytes.byteOffset + at, n).slice();
    case 'int16': {
      const out = new Int16Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt16(at + 2 * i, false);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt32(at + 4 * i, false);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(at + 4 * i, false);
      return out;
    }
    case 'float64': {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(at + 8 * i, false);
      return out;
    }
  }
}

/** The inverse of parseIdx: writes a header and big-endian elements. */
export function encodeIdx(arr: IdxArray): Uint8Array {
  const code = Object.keys(CODES)
    .map(Number)
    .find((k) => CODES[k].dtype === arr.dtype);
  if (code === undefined) throw new Error(`encodeIdx: unknown dtype ${arr.dtype}`);
  const size = CODES[code].bytes;
  const count = arr.dims.reduce((a, b) => a * b, 1);
  if (arr.data.length !== count) {
    throw new Error(`encodeIdx: ${arr.data.length} elements for dims ${arr.dims.join('x')}`);
  }
  const header = 4 + 4 * arr.dims.length;
  const out = new Uint8Array(header + count * size);
  const view = new DataView(out.buffer);
  out[2] = code;
  out[3] = arr.dims.length;
  arr.dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  for (let i = 0; i < count; i++) {
    const at = header + i * size;
    const v = arr.data[i];
    if (arr.dtype === 'uint8') view.setUint8(at, v);
    else if (arr.dtype === 'int8') view.setInt8(at, v);
    else if (arr.dtype === 'int16') view.setInt16(at, v, false);
    else if (arr.dtype === 'int32') view.setInt32(at, v, false);
    else if (arr.dtype === 'float32') view.setFloat32(at, v, false);
    else view.setFloat64(at, v, false);
  }
  return out;
}

export interface IdxDatasetOptions {
  name?: string;
  classNames?: string[];
  /** Multiply pixels by this. Default 1/255 for uint8 images (pixels in [0, 1]), else 1. */
  scale?: number;
  /** Convert only the first `limit` samples (saves converting all 60,000 MNIST images for a demo). */
  limit?: number;
}

/**
 * An images file ([N, H, W], [N, C, H, W] or [N, F]) and a labels file ([N]) as a Dataset.
 * Three-dimensional images get a channel axis, [1, H, W], so they match a Conv2d input.
 */
export function idxToDataset(images: IdxArray, labels: IdxArray, opts: IdxDatasetOptions = {}): Dataset {
  const name = opts.name ?? 'idx';
  if (labels.dims.length !== 1) {
    throw new Error(`${name}: labels must have 1 dimension, got dims ${labels.dims.join('x')}`);
  }
  if (images.dims.length < 2) {
    throw new Error(
      `${name}: images need at least 2 dimensions (samples first), got dims ${images.dims.join('x')}`,
    );
  }
  if (labels.dims[0] !== images.dims[0])
    throw new Error(`${name}: ${images.dims[0]} images but ${labels.dims[0]} labels`);
  const n = Math.min(images.dims[0], opts.limit ?? Infinity);
  const rest = images.dims.slice(1);
  const inputShape = rest.length === 2 ? [1, ...rest] : rest;

  const scale = opts.scale ?? (images.dtype === 'uint8' ? 1 / 255 : 1);
  const elements = n * rest.reduce((a, b) => a * b, 1);
  if (elements > MAX_DATASET_ELEMENTS)
    throw new Error(
      `${name}: ${n} samples of ${rest.join('x')} are ${elements} numbers; a data set may hold at most ${limitText('MAX_DATASET_ELEMENTS')} (use a limit or a subset)`,
    );
  const x = new Float32Array(elements);
  const src = images.data;
  for (let i = 0; i < x.length; i++) x[i] = src[i] * scale;

  // Labels are checked (and the class count taken) over the whole file, so a limited subset
  // still knows every class.
  let max = -1;
  for (let i = 0; i < labels.data.length; i++) {
    const v = labels.data[i];
    if (!Number.isInteger(v) || v < 0) throw new Error(`${name}: label ${i} is ${v}, not a class index`);
    if (v >= MAX_CLASSES)
      throw new Error(
        `${name}: label ${i} is ${v}; a data set has at most ${limitText('MAX_CLASSES')} classes`,
      );
    if (v > max) max = v;
  }
  const y = Int32Array.from(labels.data.subarray(0, n));
  const numClasses = opts.classNames?.length ?? max + 1;
  if (max >= numClasses)
    throw new Error(`${name}: label ${max} is out of range for ${numClasses} class names`);
  return makeDataset({ name, inputShape, numClasses, classNames: opts.classNames, x, y });
}

function hex(bytes: Uint8Array, from: number, to: number): string {
  return Array.from(bytes.subarray(from, to), (b) => b.toString(16).padStart(2, '0')).join('');
}
