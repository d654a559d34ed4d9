// The protobufjs side of the ONNX codec: the message shapes in the schema's own snake_case names,
// the schema parsed once, decoding and encoding of whole messages, and int64 conversions.
import protobuf from 'protobufjs';
import { ONNX_PROTO } from '../onnx.proto.ts';
import type { ProtoJson } from '../types.ts';

// Shapes of the protobufjs messages, in the schema's own snake_case names. Decoded messages have every
// repeated field (possibly empty) and only the optional fields that were present on the wire; encode
// takes the same shape with absent fields left out. Any int64 may arrive as a Long or, when we write
// it, as a safe number or a LongBits-like object.
export type Long = number | { low: number; high: number; unsigned?: boolean };
export type PEntry = { key?: string; value?: string };
export type PTensor = {
  dims?: Long[];
  data_type?: number;
  segment?: { begin?: Long; end?: Long };
  float_data?: ArrayLike<number>;
  int32_data?: ArrayLike<number>;
  string_data?: Uint8Array[];
  int64_data?: Long[];
  name?: string;
  doc_string?: string;
  raw_data?: Uint8Array;
  external_data?: PEntry[];
  data_location?: number;
  double_data?: ArrayLike<number>;
  uint64_data?: Long[];
  metadata_props?: PEntry[];
};
export type PSparse = { values?: PTensor; indices?: PTensor; dims?: Long[] };
export type PShape = { dim?: { dim_value?: Long; dim_param?: string; denotation?: string }[] };
export type PTypeBody = { elem_type?: number | PType; shape?: PShape; key_type?: number; value_type?: PType };
export type PType = {
  tensor_type?: PTypeBody;
  sparse_tensor_type?: PTypeBody;
  sequence_type?: PTypeBody;
  map_type?: PTypeBody;
  optional_type?: PTypeBody;
  opaque_type?: { domain?: string; name?: string };
  denotation?: string;
};
export type PValueInfo = { name?: string; type?: PType; doc_string?: string; metadata_props?: PEntry[] };
export type PAttr = {
  name?: string;
  ref_attr_name?: string;
  doc_string?: string;
  type?: number;
  f?: number;
  i?: Long;
  s?: Uint8Array;
  t?: PTensor;
  g?: PGraph;
  sparse_tensor?: PSparse;
  tp?: PType;
  floats?: ArrayLike<number>;
  ints?: Long[];
  strings?: Uint8Array[];
  tensors?: PTensor[];
  graphs?: PGraph[];
  sparse_tensors?: PSparse[];
  type_protos?: PType[];
};
export type PNode = {
  input?: string[];
  output?: string[];
  name?: string;
  op_type?: string;
  domain?: string;
  overload?: string;
  attribute?: PAttr[];
  doc_string?: string;
  metadata_props?: PEntry[];
  device_configurations?: object[];
};
export type PGraph = {
  node?: PNode[];
  name?: string;
  initializer?: PTensor[];
  sparse_initializer?: PSparse[];
  doc_string?: string;
  input?: PValueInfo[];
  output?: PValueInfo[];
  value_info?: PValueInfo[];
  quantization_annotation?: { tensor_name?: string; quant_parameter_tensor_names?: PEntry[] }[];
  metadata_props?: PEntry[];
};
export type POpset = { domain?: string; version?: Long };
export type PFunction = {
  name?: string;
  input?: string[];
  output?: string[];
  attribute?: string[];
  attribute_proto?: PAttr[];
  node?: PNode[];
  doc_string?: string;
  opset_import?: POpset[];
  domain?: string;
  overload?: string;
  value_info?: PValueInfo[];
  metadata_props?: PEntry[];
};
export type PTraining = {
  initialization?: PGraph;
  algorithm?: PGraph;
  initialization_binding?: PEntry[];
  update_binding?: PEntry[];
};
export type PModel = {
  ir_version?: Long;
  opset_import?: POpset[];
  producer_name?: string;
  producer_version?: string;
  domain?: string;
  model_version?: Long;
  doc_string?: string;
  graph?: PGraph;
  metadata_props?: PEntry[];
  training_info?: PTraining[];
  functions?: PFunction[];
  configuration?: object[];
};

let root: protobuf.Root | undefined;
/** Parsed once, on first use (a few ms). */
export function pbType(name: string): protobuf.Type {
  root ??= protobuf.parse(ONNX_PROTO, { keepCase: true }).root;
  return root.lookupType(`onnx.${name}`);
}

export function decodeMessage<T>(name: string, bytes: Uint8Array, what: string): T {
  if (!(bytes instanceof Uint8Array)) throw new Error(`Not a valid ${what}: expected a Uint8Array`);
  if (bytes.length === 0) throw new Error(`Not a valid ${what}: the input is empty`);
  try {
    // protobufjs throws RangeError ("index out of range"), Error ("invalid wire type", "max depth
    // exceeded") and, for pathological nesting, stack overflows; all become one clear Error.
    return pbType(name).decode(bytes) as unknown as T;
  } catch (e) {
    throw invalid(what, e);
  }
}

export function encodeMessage(name: string, msg: object): Uint8Array {
  const out = pbType(name)
    .encode(msg as { [k: string]: unknown })
    .finish();
  // In Node protobufjs returns a Buffer, small ones carved out of a shared pool: hand back a plain
  // Uint8Array that owns its whole ArrayBuffer so callers can take typed-array views safely.
  if (out.byteOffset === 0 && out.byteLength === out.buffer.byteLength && out.constructor === Uint8Array)
    return out;
  const copy = new Uint8Array(out.byteLength);
  copy.set(out);
  return copy;
}

export function invalid(what: string, e: unknown): Error {
  const reason = e instanceof Error ? e.message : String(e);
  if (reason.startsWith(`Not a valid ${what}`)) return e as Error;
  return new Error(`Not a valid ${what}: ${reason}`, { cause: e });
}

export function has<T extends object>(m: T, key: keyof T & string): boolean {
  return Object.prototype.hasOwnProperty.call(m, key);
}

// ---------------------------------------------------------------------------------------------
// int64 conversions

/** Exact when the value is a safe integer; otherwise the nearest double. */
export function toNumber(v: Long | undefined): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  const n = v.high * 4294967296 + (v.low >>> 0); // exact whenever the result is a safe integer
  return Number.isSafeInteger(n) ? n : Number(toBigInt(v, false));
}

export function toDim(v: Long): number {
  const n = toNumber(v);
  if (!Number.isSafeInteger(n)) throw new Error(`dimension ${toBigInt(v, false)} is out of range`);
  return n;
}

export function toBigInt(v: Long, unsigned: boolean): bigint {
  if (typeof v === 'number') return BigInt(v);
  const b = (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
  return unsigned ? b : BigInt.asIntN(64, b);
}

export const INT64_MAX = (1n << 63n) - 1n;
export const INT64_MIN = -(1n << 63n);

/** A number or bigint as something protobufjs's int64 writer takes exactly (it wraps unsafe numbers). */
export function fromInt(v: number | bigint, what: string): Long {
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) return v;
    if (!Number.isInteger(v)) throw new Error(`${what}: ${v} is not an integer`);
    v = v >= 2 ** 63 ? INT64_MAX : v <= -(2 ** 63) ? INT64_MIN : BigInt(v);
  }
  const b = BigInt.asUintN(64, v);
  return { low: Number(b & 0xffffffffn) | 0, high: Number(b >> 32n) | 0, unsigned: false };
}

export function fromUint(v: bigint): Long {
  const b = BigInt.asUintN(64, v);
  return { low: Number(b & 0xffffffffn) | 0, high: Number(b >> 32n) | 0, unsigned: true };
}

// ---------------------------------------------------------------------------------------------
// Messages <-> protobufjs JSON (attribute and type fields Netwright keeps verbatim)

export function toJson(typeName: string, msg: object): ProtoJson {
  return pbType(typeName).toObject(msg as protobuf.Message, { longs: String, arrays: false }) as ProtoJson;
}

export function fromJson(typeName: string, json: ProtoJson): object {
  return pbType(typeName).fromObject(json);
}
