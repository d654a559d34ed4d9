// Constant tensors as the importer folds them, and the lossless JSON forms an opaque node keeps in
// its string attributes (ONNX attributes, embedded constant inputs). Pure TypeScript.
import { encodeModel, decodeModel } from '../proto.ts';
import { elementCount, float32ToFloat16Bits, tensorValues, type TensorValues } from '../tensor.ts';
import type { OnnxAttribute, OnnxTensor } from '../types.ts';
import { DataType } from '../types.ts';
import { bytesToBase64 } from '../../weights.ts';

export { bytesToBase64 };

/** A fully known tensor: element type (ONNX DataType code), dims and values. */
export interface ConstTensor {
  dtype: number;
  dims: number[];
  /** Float32Array for FLOAT, BigInt64Array for INT64, Uint8Array for BOOL, ... (see tensorValues). */
  data: TensorValues;
  /**
   * Set on a uniform fill (ConstantOfShape) too large to fill up front: every element is this
   * value, and `data` is only allocated and filled when first read (see lazyFill).
   */
  fill?: number | bigint;
}

const INT_TYPES: ReadonlySet<number> = new Set([
  DataType.INT8,
  DataType.UINT8,
  DataType.INT16,
  DataType.UINT16,
  DataType.INT32,
  DataType.UINT32,
  DataType.INT64,
  DataType.UINT64,
  DataType.BOOL,
]);

export const isIntType = (t: number | null | undefined): boolean => t != null && INT_TYPES.has(t);

export function fromOnnxTensor(t: OnnxTensor): ConstTensor {
  const data = tensorValues(t);
  // FLOAT16 / BFLOAT16 come back as float32 numbers; keep the declared type, store float32.
  return { dtype: t.dataType, dims: [...t.dims], data };
}

/** Typed container for `dtype` (the one tensorValues returns for it). */
export function allocate(dtype: number, n: number): TensorValues {
  switch (dtype) {
    case DataType.FLOAT:
    case DataType.FLOAT16:
    case DataType.BFLOAT16:
      return new Float32Array(n);
    case DataType.DOUBLE:
      return new Float64Array(n);
    case DataType.INT8:
      return new Int8Array(n);
    case DataType.UINT8:
    case DataType.BOOL:
      return new Uint8Array(n);
    case DataType.INT16:
      return new Int16Array(n);
    case DataType.UINT16:
      return new Uint16Array(n);
    case DataType.INT32:
      return new Int32Array(n);
    case DataType.UINT32:
      return new Uint32Array(n);
    case DataType.INT64:
      return new BigInt64Array(n);
    case DataType.UINT64:
      return new BigUint64Array(n);
    case DataType.STRING:
      return new Array<string>(n).fill('');
    default:
      throw new Error(`tensors of data type ${dtype} can't be computed here`);
  }
}

/** Fills at least this large wait until their values are read: writing VGG-19's 143 M weights costs seconds. */
export const LAZY_FILL_ELEMENTS = 1 << 20;

/**
 * `dims` filled with `value`, allocated and written only when `data` is first read. An import
 * that keeps only the structure (ImportOptions.fillWeights false) never reads it.
 */
export function lazyFill(dtype: number, dims: number[], value: number | bigint): ConstTensor {
  const n = dims.reduce((a, b) => a * b, 1);
  let data: TensorValues | undefined;
  return {
    dtype,
    dims,
    fill: value,
    get data() {
      data ??= (allocate(dtype, n) as Float32Array).fill(value as number);
      return data;
    },
  };
}

/**
 * What a layer's importer sees of a lazy fill when the import keeps no weights: the right dims
 * over zeros that are allocated but never written (so they cost no memory until read).
 */
export function unfilledStandIn(c: ConstTensor): ConstTensor {
  return { dtype: c.dtype, dims: c.dims, fill: c.fill, data: allocate(c.dtype, constSize(c)) };
}

/** The same elements under new dims, still unfilled when `c` is a lazy fill. */
export function withDims(c: ConstTensor, dims: number[]): ConstTensor {
  if (c.fill === undefined) return { dtype: c.dtype, dims, data: c.data };
  const source = c;
  return {
    dtype: c.dtype,
    dims,
    fill: c.fill,
    get data() {
      return source.data;
    },
  };
}

/** Bytes of a numeric constant (0 for strings); a lazy fill stays unfilled. */
export function constBytes(c: ConstTensor): number {
  if (c.fill !== undefined) return constSize(c) * (allocate(c.dtype, 0) as Float32Array).BYTES_PER_ELEMENT;
  return Array.isArray(c.data) ? 0 : (c.data as ArrayBufferView).byteLength;
}

/** A constant from JS numbers (ints are truncated toward zero, bools become 0/1). */
export function makeConst(dtype: number, dims: number[], values: ArrayLike<number>): ConstTensor {
  const data = allocate(dtype, values.length);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    for (let i = 0; i < values.length; i++) data[i] = BigInt(Math.trunc(values[i]));
  } else if (Array.isArray(data)) {
    for (let i = 0; i < values.length; i++) data[i] = String(values[i]);
  } else if (dtype === DataType.BOOL) {
    for (let i = 0; i < values.length; i++) data[i] = values[i] ? 1 : 0;
  } else {
    (data as Float32Array).set(Array.from(values, (v) => (isIntType(dtype) ? Math.trunc(v) : v)));
  }
  return { dtype, dims, data };
}

export function int64Const(dims: number[], values: readonly number[]): ConstTensor {
  return makeConst(DataType.INT64, dims, values);
}

/** Values as JS numbers (int64 through Number; strings are refused). */
export function numbers(c: ConstTensor): number[] {
  if (Array.isArray(c.data)) throw new Error('string tensor used as numbers');
  return Array.from(c.data as ArrayLike<number | bigint>, Number);
}

/** Element count (a lazy fill stays unfilled). */
export function constSize(c: ConstTensor): number {
  return c.fill === undefined ? c.data.length : c.dims.reduce((a, b) => a * b, 1);
}

/** An OnnxTensor with `name` holding the constant (raw_data; strings in string_data). */
export function toOnnxTensor(name: string, c: ConstTensor): OnnxTensor {
  if (Array.isArray(c.data)) {
    const enc = new TextEncoder();
    return {
      name,
      dataType: DataType.STRING as never,
      dims: [...c.dims],
      stringData: c.data.map((s) => enc.encode(s)),
    };
  }
  let bytes: Uint8Array;
  if (c.dtype === DataType.FLOAT16 || c.dtype === DataType.BFLOAT16) {
    const bits = new Uint16Array(c.data.length);
    const f = c.data as Float32Array;
    const u = new Uint32Array(f.buffer, f.byteOffset, f.length);
    for (let i = 0; i < bits.length; i++)
      bits[i] = c.dtype === DataType.BFLOAT16 ? u[i] >>> 16 : float32ToFloat16Bits(f[i]);
    bytes = new Uint8Array(bits.buffer);
  } else {
    const a = c.data as Exclude<TensorValues, string[]>;
    bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();
  }
  return { name, dataType: c.dtype as never, dims: [...c.dims], rawData: bytes };
}

/**
 * The shortest decimal that is the same float32 (0.009999999776482582 -> 0.01), so attributes read
 * from float32 fields look as a user typed them and still export to the identical bits.
 */
export function shortestFloat32(x: number): number {
  if (!Number.isFinite(x) || Math.fround(x) !== x) return x;
  for (let p = 1; p <= 9; p++) {
    const v = Number(x.toPrecision(p));
    if (Math.fround(v) === x) return v;
  }
  return x;
}

// ---------------------------------------------------------------------------------------------
// base64 (no Node Buffer in the engine)

export function base64ToBytes(text: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw new Error('not base64 text');
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

// ---------------------------------------------------------------------------------------------
// JSON forms kept in an opaque node's attributes

/** A constant input: small integer tensors as plain numbers (readable), anything else as bytes. */
export type TensorJson =
  | { dtype: number; dims: number[]; values: (number | string)[] }
  | { dtype: number; dims: number[]; base64: string }
  | { dtype: number; dims: number[]; strings: string[] };

export function constToJson(c: ConstTensor): TensorJson {
  if (Array.isArray(c.data)) return { dtype: c.dtype, dims: [...c.dims], strings: [...c.data] };
  if (isIntType(c.dtype) && c.data.length <= 64) {
    const values = Array.from(c.data as ArrayLike<number | bigint>, (v) => {
      const n = Number(v);
      return Number.isSafeInteger(n) ? n : String(v);
    });
    return { dtype: c.dtype, dims: [...c.dims], values };
  }
  const raw = toOnnxTensor('', c).rawData!;
  return { dtype: c.dtype, dims: [...c.dims], base64: bytesToBase64(raw) };
}

export function constFromJson(j: TensorJson): ConstTensor {
  if (!j || typeof j !== 'object' || !Array.isArray(j.dims) || typeof j.dtype !== 'number')
    throw new Error('a constant needs dtype and dims');
  const dims = j.dims.map(Number);
  const n = elementCount(dims);
  if ('strings' in j) {
    if (j.strings.length !== n) throw new Error(`${j.strings.length} strings for shape [${dims}]`);
    return { dtype: j.dtype, dims, data: j.strings.map(String) };
  }
  if ('values' in j) {
    if (j.values.length !== n) throw new Error(`${j.values.length} values for shape [${dims}]`);
    const data = allocate(j.dtype, n);
    if (data instanceof BigInt64Array || data instanceof BigUint64Array)
      j.values.forEach((v, i) => (data[i] = BigInt(v)));
    else (data as Float32Array).set(j.values.map(Number));
    return { dtype: j.dtype, dims, data };
  }
  const t: OnnxTensor = { name: '', dataType: j.dtype as never, dims, rawData: base64ToBytes(j.base64) };
  return fromOnnxTensor(t);
}

/**
 * ONNX attributes as JSON: plain values for numbers and strings; anything structured (tensors,
 * subgraphs, sparse tensors, type protos, references) as the protobuf bytes of a one-node model,
 * so nothing is lost whatever the attribute holds.
 */
export type AttributeJson =
  | { name: string; type: 'FLOAT' | 'INT'; value: number; doc?: string }
  | { name: string; type: 'STRING'; value: string; doc?: string }
  | { name: string; type: 'FLOATS' | 'INTS'; value: number[]; doc?: string }
  | { name: string; type: 'STRINGS'; value: string[]; doc?: string }
  | { name: string; type: 'PROTO'; proto: string };

const PLAIN = new Set(['FLOAT', 'INT', 'STRING', 'FLOATS', 'INTS', 'STRINGS']);

export function attributeToJson(a: OnnxAttribute): AttributeJson {
  if (PLAIN.has(a.type) && 'value' in a) {
    const out = { name: a.name, type: a.type, value: a.value } as AttributeJson;
    if (a.docString !== undefined) (out as { doc?: string }).doc = a.docString;
    return out;
  }
  const wrapper = encodeModel({
    irVersion: 8,
    opsetImport: [],
    graph: {
      name: 'attribute',
      nodes: [{ opType: 'Attribute', domain: '', name: '', inputs: [], outputs: [], attributes: [a] }],
      initializers: [],
      inputs: [],
      outputs: [],
      valueInfo: [],
    },
  });
  return { name: a.name, type: 'PROTO', proto: bytesToBase64(wrapper) };
}

export function attributeFromJson(j: AttributeJson): OnnxAttribute {
  if (!j || typeof j !== 'object' || typeof j.name !== 'string') throw new Error('an attribute needs a name');
  if (j.type === 'PROTO') {
    const m = decodeModel(base64ToBytes(j.proto));
    const a = m.graph.nodes[0]?.attributes[0];
    if (!a) throw new Error(`attribute ${j.name}: the encoded value is empty`);
    return a;
  }
  const check = (ok: boolean) => {
    if (!ok) throw new Error(`attribute ${j.name}: a ${j.type} value was expected`);
  };
  switch (j.type) {
    case 'FLOAT':
    case 'INT':
      check(typeof j.value === 'number');
      break;
    case 'STRING':
      check(typeof j.value === 'string');
      break;
    case 'FLOATS':
    case 'INTS':
      check(Array.isArray(j.value) && j.value.every((v) => typeof v === 'number'));
      break;
    case 'STRINGS':
      check(Array.isArray(j.value) && j.value.every((v) => typeof v === 'string'));
      break;
    default:
      throw new Error(
        `attribute ${(j as { name: string }).name}: unknown type ${(j as { type: string }).type}`,
      );
  }
  const a = { name: j.name, type: j.type, value: j.value } as OnnxAttribute;
  if (j.doc !== undefined) a.docString = j.doc;
  return a;
}
