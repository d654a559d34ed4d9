// Tensor data: reading the values of an OnnxTensor whichever field holds them, float16 conversion,
// builders that write raw_data, and loading external data through a caller-supplied file reader.
// Pure TypeScript (no Node/DOM): the Node side passes `readFile`.

import {
  DataLocation,
  DataType,
  type OnnxAttribute,
  type OnnxGraph,
  type OnnxModel,
  type OnnxNode,
  type OnnxSparseTensor,
  type OnnxTensor,
} from './types.ts';

/** ONNX stores raw_data little-endian; on a (rare) big-endian host the bytes are swapped on copy. */
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export type TensorValues =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | string[];

type NumericArray = Exclude<TensorValues, string[]>;
interface TypedArrayCtor<T extends NumericArray> {
  readonly BYTES_PER_ELEMENT: number;
  new (buffer: ArrayBuffer, byteOffset: number, length: number): T;
}

/** Number of elements; throws on negative or non-integer dims (shape comes from an untrusted file). */
export function elementCount(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) throw new Error(`invalid dimension ${d} in [${dims.join(', ')}]`);
    n *= d;
  }
  if (!Number.isSafeInteger(n)) throw new Error(`tensor of shape [${dims.join(', ')}] is too large`);
  return n;
}

// ---------------------------------------------------------------------------------------------
// float16 / bfloat16

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE half bits -> number (exact). */
export function float16BitsToFloat32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24; // zero and subnormals
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** number -> IEEE half bits, rounding to nearest even (overflow gives infinity, NaN stays NaN). */
export function float32ToFloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 | (mant >>> 13) : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half (value = m * 2^-24): the 24-bit significand 1.mant shifted right by 14 - e,
    // rounded half to even. Below 2^-25 everything rounds to (signed) zero.
    if (e < -10) return sign;
    const sig = mant | 0x800000;
    const shift = 14 - e;
    let half = sig >>> shift;
    const rest = sig & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++; // a carry correctly bumps the exponent
  return sign | half;
}

export function float16ToFloat32(bits: ArrayLike<number>): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = float16BitsToFloat32(bits[i] & 0xffff);
  return out;
}

export function float32ToFloat16(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = float32ToFloat16Bits(values[i]);
  return out;
}

/** bfloat16 is the top half of a float32. */
function bfloat16ToFloat32(bits: ArrayLike<number>): Float32Array {
  const out = new Float32Array(bits.length);
  const view = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) view[i] = (bits[i] & 0xffff) << 16;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reading values

/**
 * A copy of `raw` as a typed array. Always copying makes unaligned offsets a non-issue (a
 * Float32Array view needs byteOffset % 4 === 0, and raw_data inside a file buffer rarely is), and
 * keeps the returned array independent of the tensor.
 */
function fromRaw<T extends NumericArray>(
  t: OnnxTensor,
  raw: Uint8Array,
  Ctor: TypedArrayCtor<T>,
  n: number,
): T {
  const size = Ctor.BYTES_PER_ELEMENT;
  if (raw.byteLength !== n * size) {
    throw new Error(
      `tensor '${t.name}': raw_data has ${raw.byteLength} bytes, expected ${n * size} (${n} elements of ${size} bytes)`,
    );
  }
  const copy = new Uint8Array(n * size);
  copy.set(raw);
  if (!HOST_LITTLE_ENDIAN && size > 1)
    for (let i = 0; i < copy.length; i += size) copy.subarray(i, i + size).reverse();
  return new Ctor(copy.buffer, 0, n);
}

function checkLength(t: OnnxTensor, field: string, length: number, n: number): void {
  if (length !== n) throw new Error(`tensor '${t.name}': ${field} has ${length} values, expected ${n}`);
}

/** Which typed field and raw element type each data type uses (ONNX TensorProto comments). */
function readNumeric(t: OnnxTensor, n: number): NumericArray | undefined {
  const raw = t.rawData;
  // Narrow types travel in int32_data (one element per int32, float16 as its bit pattern).
  const i32 = <T extends NumericArray>(ctor: { from(a: ArrayLike<number>): T }): T | undefined => {
    if (!t.int32Data) return undefined;
    checkLength(t, 'int32_data', t.int32Data.length, n);
    return ctor.from(t.int32Data);
  };
  switch (t.dataType) {
    case DataType.FLOAT:
    case DataType.COMPLEX64: {
      const count = t.dataType === DataType.COMPLEX64 ? 2 * n : n;
      if (raw) return fromRaw(t, raw, Float32Array, count);
      if (!t.floatData) return undefined;
      checkLength(t, 'float_data', t.floatData.length, count);
      return Float32Array.from(t.floatData);
    }
    case DataType.DOUBLE:
    case DataType.COMPLEX128: {
      const count = t.dataType === DataType.COMPLEX128 ? 2 * n : n;
      if (raw) return fromRaw(t, raw, Float64Array, count);
      if (!t.doubleData) return undefined;
      checkLength(t, 'double_data', t.doubleData.length, count);
      return Float64Array.from(t.doubleData);
    }
    case DataType.INT8:
      return raw ? fromRaw(t, raw, Int8Array, n) : i32(Int8Array);
    case DataType.UINT8:
    case DataType.BOOL:
      return raw ? fromRaw(t, raw, Uint8Array, n) : i32(Uint8Array);
    case DataType.INT16:
      return raw ? fromRaw(t, raw, Int16Array, n) : i32(Int16Array);
    case DataType.UINT16:
      return raw ? fromRaw(t, raw, Uint16Array, n) : i32(Uint16Array);
    case DataType.INT32:
      return raw ? fromRaw(t, raw, Int32Array, n) : i32(Int32Array);
    case DataType.FLOAT16:
    case DataType.BFLOAT16: {
      const bits = raw ? fromRaw(t, raw, Uint16Array, n) : i32(Uint16Array);
      if (!bits) return undefined;
      return t.dataType === DataType.FLOAT16 ? float16ToFloat32(bits) : bfloat16ToFloat32(bits);
    }
    case DataType.INT64:
      if (raw) return fromRaw(t, raw, BigInt64Array, n);
      if (!t.int64Data) return undefined;
      checkLength(t, 'int64_data', t.int64Data.length, n);
      return BigInt64Array.from(t.int64Data);
    case DataType.UINT32:
      if (raw) return fromRaw(t, raw, Uint32Array, n);
      if (!t.uint64Data) return undefined;
      checkLength(t, 'uint64_data', t.uint64Data.length, n);
      return Uint32Array.from(t.uint64Data, Number);
    case DataType.UINT64:
      if (raw) return fromRaw(t, raw, BigUint64Array, n);
      if (!t.uint64Data) return undefined;
      checkLength(t, 'uint64_data', t.uint64Data.length, n);
      return BigUint64Array.from(t.uint64Data);
    default:
      throw new Error(`tensor '${t.name}': data type ${t.dataType} is not supported`);
  }
}

/**
 * The tensor's elements in their natural JS container: Float32Array for FLOAT (and FLOAT16/BFLOAT16,
 * converted), Float64Array for DOUBLE, BigInt64Array for INT64, Uint8Array (0/1) for BOOL, string[]
 * for STRING; COMPLEX64/128 interleave real and imaginary parts. Reads raw_data or the typed field,
 * always returning a fresh array. Throws when the data is missing, external, or of the wrong length.
 */
export function tensorValues(t: OnnxTensor): TensorValues {
  if (t.dataLocation === DataLocation.EXTERNAL && !t.rawData) {
    throw new Error(`tensor '${t.name}': data is in an external file; call resolveExternalData first`);
  }
  const n = elementCount(t.dims);
  if (t.dataType === DataType.STRING) {
    const data = t.stringData ?? [];
    checkLength(t, 'string_data', data.length, n);
    const decoder = new TextDecoder();
    return data.map((s) => decoder.decode(s));
  }
  const values = readNumeric(t, n);
  if (values) return values;
  if (n === 0) return readNumeric({ ...t, rawData: new Uint8Array(0) }, 0) as NumericArray;
  throw new Error(`tensor '${t.name}': no data (neither raw_data nor a typed data field is set)`);
}

/** The values of any real numeric tensor as float32 (int64 via Number; rounding as Math.fround). */
export function tensorToFloat32(t: OnnxTensor): Float32Array {
  if (t.dataType === DataType.COMPLEX64 || t.dataType === DataType.COMPLEX128) {
    throw new Error(`tensor '${t.name}': complex data has no float32 form`);
  }
  const v = tensorValues(t);
  if (v instanceof Float32Array) return v;
  if (Array.isArray(v)) throw new Error(`tensor '${t.name}': string data has no float32 form`);
  if (v instanceof BigInt64Array || v instanceof BigUint64Array) return Float32Array.from(v, Number);
  return Float32Array.from(v);
}

// ---------------------------------------------------------------------------------------------
// Builders (always raw_data, as PyTorch and onnx.numpy_helper write)

function littleEndianBytes(a: Exclude<NumericArray, string[]>): Uint8Array {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();
  const size = a.BYTES_PER_ELEMENT;
  if (!HOST_LITTLE_ENDIAN && size > 1)
    for (let i = 0; i < bytes.length; i += size) bytes.subarray(i, i + size).reverse();
  return bytes;
}

function checkCount(name: string, dims: readonly number[], length: number): void {
  const n = elementCount(dims);
  if (n !== length)
    throw new Error(`tensor '${name}': ${length} values for shape [${dims.join(', ')}] (${n})`);
}

export function float32Tensor(name: string, dims: readonly number[], data: ArrayLike<number>): OnnxTensor {
  checkCount(name, dims, data.length);
  const values = data instanceof Float32Array ? data : Float32Array.from(data);
  return { name, dataType: DataType.FLOAT, dims: [...dims], rawData: littleEndianBytes(values) };
}

/** float16 initializer from float32 values (rounded to nearest even). */
export function float16Tensor(name: string, dims: readonly number[], data: ArrayLike<number>): OnnxTensor {
  checkCount(name, dims, data.length);
  return {
    name,
    dataType: DataType.FLOAT16,
    dims: [...dims],
    rawData: littleEndianBytes(float32ToFloat16(data)),
  };
}

/** int64 tensor (shapes for Reshape, axes, indices). Numbers must be safe integers. */
export function int64Tensor(
  name: string,
  dims: readonly number[],
  data: BigInt64Array | readonly number[],
): OnnxTensor {
  checkCount(name, dims, data.length);
  const values =
    data instanceof BigInt64Array
      ? data
      : BigInt64Array.from(data, (v) => {
          if (!Number.isSafeInteger(v)) throw new Error(`tensor '${name}': ${v} is not a safe integer`);
          return BigInt(v);
        });
  return { name, dataType: DataType.INT64, dims: [...dims], rawData: littleEndianBytes(values) };
}

// ---------------------------------------------------------------------------------------------
// Walking and external data

/** Every tensor of a model (initializers, Constant/attribute tensors, subgraphs, functions, training). */
export function* allTensors(model: OnnxModel): Generator<OnnxTensor> {
  const graphs: OnnxGraph[] = [model.graph];
  const nodeLists: OnnxNode[][] = [];
  for (const f of model.functions ?? []) {
    nodeLists.push(f.nodes);
    for (const a of f.attributeProtos ?? []) yield* attrTensors(a, graphs);
  }
  for (const ti of model.trainingInfo ?? []) {
    if (ti.initialization) graphs.push(ti.initialization);
    if (ti.algorithm) graphs.push(ti.algorithm);
  }
  // Work lists instead of recursion: subgraphs (If/Loop/Scan bodies) may nest deeply.
  while (graphs.length > 0 || nodeLists.length > 0) {
    const g = graphs.pop();
    if (g) {
      yield* g.initializers;
      for (const s of g.sparseInitializers ?? []) yield* sparseTensors(s);
      nodeLists.push(g.nodes);
    }
    const nodes = nodeLists.pop();
    for (const n of nodes ?? []) for (const a of n.attributes) yield* attrTensors(a, graphs);
  }
}

function* sparseTensors(s: OnnxSparseTensor): Generator<OnnxTensor> {
  if (s.values) yield s.values;
  if (s.indices) yield s.indices;
}

function* attrTensors(a: OnnxAttribute, graphs: OnnxGraph[]): Generator<OnnxTensor> {
  switch (a.type) {
    case 'TENSOR':
      yield a.value;
      break;
    case 'TENSORS':
      yield* a.value;
      break;
    case 'SPARSE_TENSOR':
      yield* sparseTensors(a.value);
      break;
    case 'SPARSE_TENSORS':
      for (const s of a.value) yield* sparseTensors(s);
      break;
    case 'GRAPH':
      graphs.push(a.value);
      break;
    case 'GRAPHS':
      graphs.push(...a.value);
      break;
  }
}

/**
 * Loads every EXTERNAL tensor's bytes into rawData (and clears its external_data/data_location), in
 * place; returns the same model. `readFile` gets the `location` key exactly as stored (a path relative
 * to the model's directory) and returns the whole file; each file is read once. Locations that are
 * absolute or climb with '..' are refused, as onnx's checker does, so a model cannot make the host read
 * arbitrary files.
 */
export function resolveExternalData(model: OnnxModel, readFile: (location: string) => Uint8Array): OnnxModel {
  const files = new Map<string, Uint8Array>();
  for (const t of allTensors(model)) {
    if (t.dataLocation !== DataLocation.EXTERNAL) continue;
    const info = new Map((t.externalData ?? []).map((e) => [e.key, e.value]));
    const location = info.get('location');
    if (!location) throw new Error(`tensor '${t.name}': external data has no location`);
    if (/^([/\\]|[A-Za-z]:)/.test(location) || location.split(/[/\\]/).includes('..')) {
      throw new Error(
        `tensor '${t.name}': external data location '${location}' leaves the model's directory`,
      );
    }
    let file = files.get(location);
    if (!file) {
      file = readFile(location);
      files.set(location, file);
    }
    const offset = parseByteCount(t, info.get('offset'), 0);
    const length = parseByteCount(t, info.get('length'), Math.max(0, file.byteLength - offset));
    if (offset + length > file.byteLength) {
      throw new Error(
        `tensor '${t.name}': external data ${location} [${offset}, ${offset + length}) is beyond the file's ${file.byteLength} bytes`,
      );
    }
    const bytes = new Uint8Array(length);
    bytes.set(file.subarray(offset, offset + length));
    t.rawData = bytes;
    delete t.externalData;
    delete t.dataLocation;
  }
  return model;
}

function parseByteCount(t: OnnxTensor, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text.trim()))
    throw new Error(`tensor '${t.name}': external data offset/length '${text}' is not a number`);
  return Number(text.trim());
}
