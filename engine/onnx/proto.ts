// ONNX ModelProto/TensorProto <-> plain TypeScript objects.
//
// protobufjs does the wire format (reflection over the schema in onnx.proto.ts); this file maps its
// messages to plain, typed objects (OnnxModel, OnnxGraph, ...) so that the rest of the engine never
// sees protobufjs objects, Longs or Node Buffers. Pure TypeScript: bytes are Uint8Array only.
//
// Choices worth knowing:
// - Attributes carry an explicit `type`: JS cannot tell 1.0 from 1, and onnxruntime rejects a FLOAT
//   attribute written as INT ("Mismatched attribute type"), so the type is never guessed on encode.
// - int64 scalars (ir_version, attribute ints, dims) become numbers. dims must be safe integers (else
//   the model is rejected); attribute ints outside +-2^53 keep the nearest double, and +-2^63 is
//   written back saturated to INT64_MAX/MIN, so the usual "to the end" sentinel (Slice ends = INT64_MAX)
//   survives a round trip. int64/uint64 tensor data stays exact (BigInt64Array / BigUint64Array).
// - Names, op types and domains are plain strings where '' means absent; optional strings (docString,
//   producerName, ...) remember whether they were on the wire, even empty, and empty lists are absent.
//   So decode(encode(decode(b))) deep-equals decode(b). Most fixture files re-encode byte for byte
//   (1344 of 1905; protobufjs, like protoc, writes fields in field-number order); the others differ
//   only by an explicitly written empty name/domain that we drop, or an opset domain "" that we add.
// - protobufjs reflection compiles its codecs with `new Function`, so this module needs a context that
//   allows eval (Node, tests, workers; a renderer with a strict CSP would need 'unsafe-eval').

import protobuf from 'protobufjs';
import { ONNX_PROTO } from './onnx.proto.ts';
import {
  AttributeTypeCode,
  type AttributeType,
  type DataLocation,
  type DataType,
  type OnnxAttribute,
  type OnnxAttributeBase,
  type OnnxDim,
  type OnnxFunction,
  type OnnxGraph,
  type OnnxModel,
  type OnnxNode,
  type OnnxOpset,
  type OnnxSparseTensor,
  type OnnxTensor,
  type OnnxTrainingInfo,
  type OnnxType,
  type OnnxValueInfo,
  type ProtoJson,
  type StringEntry,
} from './types.ts';

export * from './types.ts';
export * from './tensor.ts';

// ---------------------------------------------------------------------------------------------
// Entry points

/** Decodes a serialized ModelProto. Throws an Error saying why the bytes are not a valid ONNX model. */
export function decodeModel(bytes: Uint8Array): OnnxModel {
  const m = decodeMessage<PModel>('ModelProto', bytes, 'ONNX model');
  try {
    // Every protobuf parses *something* out of many byte strings, so check the two fields the IR
    // requires; this is what turns "a TensorProto file" or "random bytes" into a clear message.
    if (!has(m, 'ir_version')) throw new Error('no ir_version field (is this an ONNX model file?)');
    if (!has(m, 'graph')) throw new Error('no graph field');
    return readModel(m);
  } catch (e) {
    throw invalid('ONNX model', e);
  }
}

export function encodeModel(model: OnnxModel): Uint8Array {
  return encodeMessage('ModelProto', writeModel(model));
}

/** Decodes a serialized TensorProto (the test fixtures' input_N.pb / output_N.pb files). */
export function decodeTensor(bytes: Uint8Array): OnnxTensor {
  const t = decodeMessage<PTensor>('TensorProto', bytes, 'ONNX TensorProto');
  try {
    return readTensor(t);
  } catch (e) {
    throw invalid('ONNX TensorProto', e);
  }
}

export function encodeTensor(tensor: OnnxTensor): Uint8Array {
  return encodeMessage('TensorProto', writeTensor(tensor));
}

// ---------------------------------------------------------------------------------------------
// protobufjs plumbing

// Shapes of the protobufjs messages, in the schema's own snake_case names. Decoded messages have every
// repeated field (possibly empty) and only the optional fields that were present on the wire; encode
// takes the same shape with absent fields left out. Any int64 may arrive as a Long or, when we write
// it, as a safe number or a LongBits-like object.
type Long = number | { low: number; high: number; unsigned?: boolean };
type PEntry = { key?: string; value?: string };
type PTensor = {
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
type PSparse = { values?: PTensor; indices?: PTensor; dims?: Long[] };
type PShape = { dim?: { dim_value?: Long; dim_param?: string; denotation?: string }[] };
type PTypeBody = { elem_type?: number | PType; shape?: PShape; key_type?: number; value_type?: PType };
type PType = {
  tensor_type?: PTypeBody;
  sparse_tensor_type?: PTypeBody;
  sequence_type?: PTypeBody;
  map_type?: PTypeBody;
  optional_type?: PTypeBody;
  opaque_type?: { domain?: string; name?: string };
  denotation?: string;
};
type PValueInfo = { name?: string; type?: PType; doc_string?: string; metadata_props?: PEntry[] };
type PAttr = {
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
type PNode = {
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
type PGraph = {
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
type POpset = { domain?: string; version?: Long };
type PFunction = {
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
type PTraining = {
  initialization?: PGraph;
  algorithm?: PGraph;
  initialization_binding?: PEntry[];
  update_binding?: PEntry[];
};
type PModel = {
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
function pbType(name: string): protobuf.Type {
  root ??= protobuf.parse(ONNX_PROTO, { keepCase: true }).root;
  return root.lookupType(`onnx.${name}`);
}

function decodeMessage<T>(name: string, bytes: Uint8Array, what: string): T {
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

function encodeMessage(name: string, msg: object): Uint8Array {
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

function invalid(what: string, e: unknown): Error {
  const reason = e instanceof Error ? e.message : String(e);
  if (reason.startsWith(`Not a valid ${what}`)) return e as Error;
  return new Error(`Not a valid ${what}: ${reason}`, { cause: e });
}

function has<T extends object>(m: T, key: keyof T & string): boolean {
  return Object.prototype.hasOwnProperty.call(m, key);
}

// ---------------------------------------------------------------------------------------------
// int64 conversions

/** Exact when the value is a safe integer; otherwise the nearest double. */
function toNumber(v: Long | undefined): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  const n = v.high * 4294967296 + (v.low >>> 0); // exact whenever the result is a safe integer
  return Number.isSafeInteger(n) ? n : Number(toBigInt(v, false));
}

function toDim(v: Long): number {
  const n = toNumber(v);
  if (!Number.isSafeInteger(n)) throw new Error(`dimension ${toBigInt(v, false)} is out of range`);
  return n;
}

function toBigInt(v: Long, unsigned: boolean): bigint {
  if (typeof v === 'number') return BigInt(v);
  const b = (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
  return unsigned ? b : BigInt.asIntN(64, b);
}

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

/** A number or bigint as something protobufjs's int64 writer takes exactly (it wraps unsafe numbers). */
function fromInt(v: number | bigint, what: string): Long {
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) return v;
    if (!Number.isInteger(v)) throw new Error(`${what}: ${v} is not an integer`);
    v = v >= 2 ** 63 ? INT64_MAX : v <= -(2 ** 63) ? INT64_MIN : BigInt(v);
  }
  const b = BigInt.asUintN(64, v);
  return { low: Number(b & 0xffffffffn) | 0, high: Number(b >> 32n) | 0, unsigned: false };
}

function fromUint(v: bigint): Long {
  const b = BigInt.asUintN(64, v);
  return { low: Number(b & 0xffffffffn) | 0, high: Number(b >> 32n) | 0, unsigned: true };
}

// ---------------------------------------------------------------------------------------------
// Decoding: protobufjs message -> plain objects

const utf8Decoder = new TextDecoder();
const utf8Encoder = new TextEncoder();

/** A private copy: protobufjs hands out views into the input (or pooled Node Buffers). */
function ownBytes(b: Uint8Array): Uint8Array {
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  return copy;
}

function readEntries(list: PEntry[] | undefined): StringEntry[] {
  return (list ?? []).map((e) => ({ key: e.key ?? '', value: e.value ?? '' }));
}

/** Sets `obj[key] = value` only when the list is non-empty (keeps decoded objects canonical). */
function optList<T extends object, K extends keyof T>(obj: T, key: K, value: T[K] & unknown[]): void {
  if (value.length > 0) obj[key] = value;
}

/**
 * Copies an optional string field when it was present on the wire, even if empty, so that files which
 * write e.g. doc_string: "" re-encode byte for byte. (protobufjs reports absent fields as '' too.)
 */
function optString<T extends object, K extends keyof T, M extends object>(
  obj: T,
  key: K,
  msg: M,
  field: keyof M & string,
): void {
  if (has(msg, field)) obj[key] = ((msg[field] as string | undefined) ?? '') as T[K];
}

function readModel(m: PModel): OnnxModel {
  const model: OnnxModel = {
    irVersion: toNumber(m.ir_version),
    opsetImport: (m.opset_import ?? []).map(readOpset),
    graph: readGraph(m.graph ?? {}),
  };
  optString(model, 'producerName', m, 'producer_name');
  optString(model, 'producerVersion', m, 'producer_version');
  optString(model, 'domain', m, 'domain');
  if (has(m, 'model_version')) model.modelVersion = toNumber(m.model_version);
  optString(model, 'docString', m, 'doc_string');
  optList(model, 'metadataProps', readEntries(m.metadata_props));
  optList(model, 'trainingInfo', (m.training_info ?? []).map(readTraining));
  optList(model, 'functions', (m.functions ?? []).map(readFunction));
  optList(
    model,
    'configuration',
    (m.configuration ?? []).map((c) => toJson('DeviceConfigurationProto', c)),
  );
  return model;
}

function readOpset(o: POpset): OnnxOpset {
  return { domain: o.domain ?? '', version: toNumber(o.version) };
}

function readTraining(t: PTraining): OnnxTrainingInfo {
  const out: OnnxTrainingInfo = {
    initializationBinding: readEntries(t.initialization_binding),
    updateBinding: readEntries(t.update_binding),
  };
  if (t.initialization) out.initialization = readGraph(t.initialization);
  if (t.algorithm) out.algorithm = readGraph(t.algorithm);
  return out;
}

function readFunction(f: PFunction): OnnxFunction {
  const out: OnnxFunction = {
    name: f.name ?? '',
    domain: f.domain ?? '',
    inputs: [...(f.input ?? [])],
    outputs: [...(f.output ?? [])],
    attributes: [...(f.attribute ?? [])],
    nodes: (f.node ?? []).map(readNode),
    opsetImport: (f.opset_import ?? []).map(readOpset),
  };
  optString(out, 'overload', f, 'overload');
  optList(out, 'attributeProtos', (f.attribute_proto ?? []).map(readAttribute));
  optList(out, 'valueInfo', (f.value_info ?? []).map(readValueInfo));
  optString(out, 'docString', f, 'doc_string');
  optList(out, 'metadataProps', readEntries(f.metadata_props));
  return out;
}

function readGraph(g: PGraph): OnnxGraph {
  const out: OnnxGraph = {
    name: g.name ?? '',
    nodes: (g.node ?? []).map(readNode),
    initializers: (g.initializer ?? []).map(readTensor),
    inputs: (g.input ?? []).map(readValueInfo),
    outputs: (g.output ?? []).map(readValueInfo),
    valueInfo: (g.value_info ?? []).map(readValueInfo),
  };
  optList(out, 'sparseInitializers', (g.sparse_initializer ?? []).map(readSparse));
  optString(out, 'docString', g, 'doc_string');
  optList(
    out,
    'quantizationAnnotation',
    (g.quantization_annotation ?? []).map((q) => ({
      tensorName: q.tensor_name ?? '',
      quantParameterTensorNames: readEntries(q.quant_parameter_tensor_names),
    })),
  );
  optList(out, 'metadataProps', readEntries(g.metadata_props));
  return out;
}

function readNode(n: PNode): OnnxNode {
  const out: OnnxNode = {
    opType: n.op_type ?? '',
    domain: n.domain ?? '',
    name: n.name ?? '',
    inputs: [...(n.input ?? [])],
    outputs: [...(n.output ?? [])],
    attributes: (n.attribute ?? []).map(readAttribute),
  };
  optString(out, 'overload', n, 'overload');
  optString(out, 'docString', n, 'doc_string');
  optList(out, 'metadataProps', readEntries(n.metadata_props));
  optList(
    out,
    'deviceConfigurations',
    (n.device_configurations ?? []).map((c) => toJson('NodeDeviceConfigurationProto', c)),
  );
  return out;
}

const typeNames = new Map<number, AttributeType>(
  Object.entries(AttributeTypeCode).map(([k, v]) => [v, k as AttributeType]),
);

/** IR 1 files have no `type`: infer it from the field that is present, as onnx's own reader does. */
function inferAttributeType(a: PAttr): AttributeType | undefined {
  if (has(a, 'f')) return 'FLOAT';
  if (has(a, 'i')) return 'INT';
  if (has(a, 's')) return 'STRING';
  if (has(a, 't')) return 'TENSOR';
  if (has(a, 'g')) return 'GRAPH';
  if (has(a, 'sparse_tensor')) return 'SPARSE_TENSOR';
  if (has(a, 'tp')) return 'TYPE_PROTO';
  if (a.floats?.length) return 'FLOATS';
  if (a.ints?.length) return 'INTS';
  if (a.strings?.length) return 'STRINGS';
  if (a.tensors?.length) return 'TENSORS';
  if (a.graphs?.length) return 'GRAPHS';
  if (a.sparse_tensors?.length) return 'SPARSE_TENSORS';
  if (a.type_protos?.length) return 'TYPE_PROTOS';
  return undefined;
}

function readAttribute(a: PAttr): OnnxAttribute {
  const name = a.name ?? '';
  const code = a.type ?? 0;
  const type = code === 0 ? inferAttributeType(a) : typeNames.get(code);
  if (!type) {
    throw new Error(
      code === 0
        ? `attribute '${name}' has no type and no value`
        : `attribute '${name}' has unknown type ${code}`,
    );
  }
  const base: OnnxAttributeBase = { name };
  optString(base, 'docString', a, 'doc_string');
  if (a.ref_attr_name) return { ...base, type: 'REF', refType: type, refAttrName: a.ref_attr_name };
  switch (type) {
    case 'FLOAT':
      return { ...base, type, value: a.f ?? 0 };
    case 'INT':
      return { ...base, type, value: toNumber(a.i) };
    case 'STRING':
      return { ...base, type, value: a.s ? utf8Decoder.decode(a.s) : '' };
    case 'TENSOR':
      return { ...base, type, value: readTensor(a.t ?? {}) };
    case 'GRAPH':
      return { ...base, type, value: readGraph(a.g ?? {}) };
    case 'SPARSE_TENSOR':
      return { ...base, type, value: readSparse(a.sparse_tensor ?? {}) };
    case 'TYPE_PROTO':
      return { ...base, type, value: readType(a.tp ?? {}) };
    case 'FLOATS':
      return { ...base, type, value: Array.from(a.floats ?? []) };
    case 'INTS':
      return { ...base, type, value: (a.ints ?? []).map(toNumber) };
    case 'STRINGS':
      return { ...base, type, value: (a.strings ?? []).map((s) => utf8Decoder.decode(s)) };
    case 'TENSORS':
      return { ...base, type, value: (a.tensors ?? []).map(readTensor) };
    case 'GRAPHS':
      return { ...base, type, value: (a.graphs ?? []).map(readGraph) };
    case 'SPARSE_TENSORS':
      return { ...base, type, value: (a.sparse_tensors ?? []).map(readSparse) };
    case 'TYPE_PROTOS':
      return { ...base, type, value: (a.type_protos ?? []).map(readType) };
  }
}

function readTensor(t: PTensor): OnnxTensor {
  const out: OnnxTensor = {
    name: t.name ?? '',
    dataType: (t.data_type ?? 0) as DataType,
    dims: (t.dims ?? []).map(toDim),
  };
  if (has(t, 'raw_data')) out.rawData = ownBytes(t.raw_data ?? new Uint8Array(0));
  if (t.float_data?.length) out.floatData = Float32Array.from(t.float_data);
  if (t.int32_data?.length) out.int32Data = Int32Array.from(t.int32_data);
  if (t.string_data?.length) out.stringData = t.string_data.map(ownBytes);
  if (t.int64_data?.length) out.int64Data = BigInt64Array.from(t.int64_data, (v) => toBigInt(v, false));
  if (t.double_data?.length) out.doubleData = Float64Array.from(t.double_data);
  if (t.uint64_data?.length) out.uint64Data = BigUint64Array.from(t.uint64_data, (v) => toBigInt(v, true));
  optList(out, 'externalData', readEntries(t.external_data));
  if (has(t, 'data_location')) out.dataLocation = (t.data_location ?? 0) as DataLocation;
  if (t.segment) out.segment = { begin: toNumber(t.segment.begin), end: toNumber(t.segment.end) };
  optString(out, 'docString', t, 'doc_string');
  optList(out, 'metadataProps', readEntries(t.metadata_props));
  return out;
}

function readSparse(s: PSparse): OnnxSparseTensor {
  const out: OnnxSparseTensor = { dims: (s.dims ?? []).map(toDim) };
  if (s.values) out.values = readTensor(s.values);
  if (s.indices) out.indices = readTensor(s.indices);
  return out;
}

function readShape(s: PShape | undefined): OnnxDim[] | undefined {
  if (!s) return undefined;
  return (s.dim ?? []).map((d) => {
    const dim: OnnxDim = {};
    if (has(d, 'dim_value')) dim.value = toDim(d.dim_value ?? 0);
    else if (has(d, 'dim_param')) dim.param = d.dim_param ?? '';
    optString(dim, 'denotation', d, 'denotation');
    return dim;
  });
}

function readType(t: PType): OnnxType {
  const body = (b: PTypeBody): OnnxType | undefined =>
    b.elem_type && typeof b.elem_type === 'object' ? readType(b.elem_type) : undefined; // absent = null
  let out: OnnxType;
  if (t.tensor_type) {
    out = { kind: 'tensor', elemType: (t.tensor_type.elem_type ?? 0) as DataType };
    const shape = readShape(t.tensor_type.shape);
    if (shape) out.shape = shape;
  } else if (t.sparse_tensor_type) {
    out = { kind: 'sparse_tensor', elemType: (t.sparse_tensor_type.elem_type ?? 0) as DataType };
    const shape = readShape(t.sparse_tensor_type.shape);
    if (shape) out.shape = shape;
  } else if (t.sequence_type) {
    out = { kind: 'sequence' };
    const e = body(t.sequence_type);
    if (e) out.elemType = e;
  } else if (t.map_type) {
    out = { kind: 'map', keyType: (t.map_type.key_type ?? 0) as DataType };
    if (t.map_type.value_type) out.valueType = readType(t.map_type.value_type);
  } else if (t.optional_type) {
    out = { kind: 'optional' };
    const e = body(t.optional_type);
    if (e) out.elemType = e;
  } else if (t.opaque_type) {
    out = { kind: 'opaque', domain: t.opaque_type.domain ?? '', name: t.opaque_type.name ?? '' };
  } else {
    out = { kind: 'none' };
  }
  optString(out, 'denotation', t, 'denotation');
  return out;
}

function readValueInfo(v: PValueInfo): OnnxValueInfo {
  const out: OnnxValueInfo = { name: v.name ?? '' };
  if (v.type) out.type = readType(v.type);
  optString(out, 'docString', v, 'doc_string');
  optList(out, 'metadataProps', readEntries(v.metadata_props));
  return out;
}

function toJson(typeName: string, msg: object): ProtoJson {
  return pbType(typeName).toObject(msg as protobuf.Message, { longs: String, arrays: false }) as ProtoJson;
}

function fromJson(typeName: string, json: ProtoJson): object {
  return pbType(typeName).fromObject(json);
}

// ---------------------------------------------------------------------------------------------
// Encoding: plain objects -> protobufjs-shaped objects (absent / empty fields left out)

function entries(list: StringEntry[] | undefined): PEntry[] | undefined {
  return list?.length ? list.map((e) => ({ key: e.key, value: e.value })) : undefined;
}

/** Drops undefined values and empty lists (protobufjs writes every own property that is not null). */
function clean<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) {
    const v = o[k];
    if (v === undefined || (Array.isArray(v) && v.length === 0)) delete o[k];
  }
  return o;
}

/** Required-in-spirit strings (names, op_type, domain): '' means absent. */
function nz(s: string): string | undefined {
  return s === '' ? undefined : s;
}

function writeModel(m: OnnxModel): PModel {
  return clean<PModel>({
    ir_version: fromInt(m.irVersion, 'irVersion'),
    opset_import: m.opsetImport.map(writeOpset),
    producer_name: m.producerName,
    producer_version: m.producerVersion,
    domain: m.domain,
    model_version: m.modelVersion === undefined ? undefined : fromInt(m.modelVersion, 'modelVersion'),
    doc_string: m.docString,
    graph: writeGraph(m.graph),
    metadata_props: entries(m.metadataProps),
    training_info: m.trainingInfo?.map((t) =>
      clean<PTraining>({
        initialization: t.initialization && writeGraph(t.initialization),
        algorithm: t.algorithm && writeGraph(t.algorithm),
        initialization_binding: entries(t.initializationBinding),
        update_binding: entries(t.updateBinding),
      }),
    ),
    functions: m.functions?.map(writeFunction),
    configuration: m.configuration?.map((c) => fromJson('DeviceConfigurationProto', c)),
  });
}

function writeOpset(o: OnnxOpset): POpset {
  // domain is written even when '' (the standard set), as onnx.helper and PyTorch do.
  return { domain: o.domain, version: fromInt(o.version, `opset ${o.domain}`) };
}

function writeFunction(f: OnnxFunction): PFunction {
  return clean<PFunction>({
    name: nz(f.name),
    input: f.inputs,
    output: f.outputs,
    attribute: f.attributes,
    attribute_proto: f.attributeProtos?.map(writeAttribute),
    node: f.nodes.map(writeNode),
    doc_string: f.docString,
    opset_import: f.opsetImport.map(writeOpset),
    domain: nz(f.domain),
    overload: f.overload,
    value_info: f.valueInfo?.map(writeValueInfo),
    metadata_props: entries(f.metadataProps),
  });
}

function writeGraph(g: OnnxGraph): PGraph {
  return clean<PGraph>({
    node: g.nodes.map(writeNode),
    name: nz(g.name),
    initializer: g.initializers.map(writeTensor),
    sparse_initializer: g.sparseInitializers?.map(writeSparse),
    doc_string: g.docString,
    input: g.inputs.map(writeValueInfo),
    output: g.outputs.map(writeValueInfo),
    value_info: g.valueInfo.map(writeValueInfo),
    quantization_annotation: g.quantizationAnnotation?.map((q) =>
      clean({
        tensor_name: nz(q.tensorName),
        quant_parameter_tensor_names: entries(q.quantParameterTensorNames),
      }),
    ),
    metadata_props: entries(g.metadataProps),
  });
}

function writeNode(n: OnnxNode): PNode {
  return clean<PNode>({
    input: n.inputs,
    output: n.outputs,
    name: nz(n.name),
    op_type: nz(n.opType),
    domain: nz(n.domain),
    overload: n.overload,
    attribute: n.attributes.map(writeAttribute),
    doc_string: n.docString,
    metadata_props: entries(n.metadataProps),
    device_configurations: n.deviceConfigurations?.map((c) => fromJson('NodeDeviceConfigurationProto', c)),
  });
}

function writeAttribute(a: OnnxAttribute): PAttr {
  const out: PAttr = { name: a.name };
  if (a.docString !== undefined) out.doc_string = a.docString;
  const where = `attribute '${a.name}'`;
  if (a.type === 'REF') {
    out.ref_attr_name = a.refAttrName;
    out.type = code(a.refType, where);
    return out;
  }
  out.type = code(a.type, where);
  switch (a.type) {
    case 'FLOAT':
      out.f = a.value; // written as a 32-bit float whatever its value: 1 stays FLOAT, never INT
      break;
    case 'INT':
      out.i = fromInt(a.value, where);
      break;
    case 'STRING':
      out.s = utf8Encoder.encode(a.value);
      break;
    case 'TENSOR':
      out.t = writeTensor(a.value);
      break;
    case 'GRAPH':
      out.g = writeGraph(a.value);
      break;
    case 'SPARSE_TENSOR':
      out.sparse_tensor = writeSparse(a.value);
      break;
    case 'TYPE_PROTO':
      out.tp = writeType(a.value);
      break;
    case 'FLOATS':
      out.floats = a.value;
      break;
    case 'INTS':
      out.ints = a.value.map((v) => fromInt(v, where));
      break;
    case 'STRINGS':
      out.strings = a.value.map((s) => utf8Encoder.encode(s));
      break;
    case 'TENSORS':
      out.tensors = a.value.map(writeTensor);
      break;
    case 'GRAPHS':
      out.graphs = a.value.map(writeGraph);
      break;
    case 'SPARSE_TENSORS':
      out.sparse_tensors = a.value.map(writeSparse);
      break;
    case 'TYPE_PROTOS':
      out.type_protos = a.value.map(writeType);
      break;
  }
  return out;
}

function code(t: AttributeType, where: string): number {
  const c = AttributeTypeCode[t];
  if (c === undefined) throw new Error(`${where}: unknown attribute type '${t}'`);
  return c;
}

function writeTensor(t: OnnxTensor): PTensor {
  const where = `tensor '${t.name}'`;
  const out = clean<PTensor>({
    dims: t.dims.map((d) => fromInt(d, `${where} dims`)),
    data_type: t.dataType,
    segment: t.segment && {
      begin: fromInt(t.segment.begin, `${where} segment`),
      end: fromInt(t.segment.end, `${where} segment`),
    },
    float_data: t.floatData?.length ? t.floatData : undefined,
    int32_data: t.int32Data?.length ? t.int32Data : undefined,
    string_data: t.stringData,
    int64_data: t.int64Data?.length ? Array.from(t.int64Data, (v) => fromInt(v, where)) : undefined,
    name: nz(t.name),
    doc_string: t.docString,
    external_data: entries(t.externalData),
    double_data: t.doubleData?.length ? t.doubleData : undefined,
    uint64_data: t.uint64Data?.length ? Array.from(t.uint64Data, fromUint) : undefined,
    metadata_props: entries(t.metadataProps),
  });
  // raw_data and data_location are presence-sensitive: an empty raw_data still says "the data is
  // here, and it is empty", and data_location = DEFAULT may be written explicitly.
  if (t.rawData) out.raw_data = t.rawData;
  if (t.dataLocation !== undefined) out.data_location = t.dataLocation;
  // data_type 0 is legal on the wire (UNDEFINED) but omitting it is what onnx writers do too.
  if (t.dataType === 0) delete out.data_type;
  return out;
}

function writeSparse(s: OnnxSparseTensor): PSparse {
  return clean<PSparse>({
    values: s.values && writeTensor(s.values),
    indices: s.indices && writeTensor(s.indices),
    dims: s.dims.map((d) => fromInt(d, 'sparse tensor dims')),
  });
}

function writeShape(shape: OnnxDim[] | undefined): PShape | undefined {
  if (!shape) return undefined;
  return {
    dim: shape.map((d) => {
      const out: { dim_value?: Long; dim_param?: string; denotation?: string } = {};
      if (d.value !== undefined) out.dim_value = fromInt(d.value, 'shape dimension');
      else if (d.param !== undefined) out.dim_param = d.param;
      if (d.denotation !== undefined) out.denotation = d.denotation;
      return out;
    }),
  };
}

function writeType(t: OnnxType): PType {
  const out: PType = {};
  switch (t.kind) {
    case 'tensor':
      out.tensor_type = clean({ elem_type: t.elemType, shape: writeShape(t.shape) });
      break;
    case 'sparse_tensor':
      out.sparse_tensor_type = clean({ elem_type: t.elemType, shape: writeShape(t.shape) });
      break;
    case 'sequence':
      out.sequence_type = clean({ elem_type: t.elemType && writeType(t.elemType) });
      break;
    case 'map':
      out.map_type = clean({ key_type: t.keyType, value_type: t.valueType && writeType(t.valueType) });
      break;
    case 'optional':
      out.optional_type = clean({ elem_type: t.elemType && writeType(t.elemType) });
      break;
    case 'opaque':
      out.opaque_type = clean({ domain: nz(t.domain), name: nz(t.name) });
      break;
    case 'none':
      break;
  }
  if (t.denotation !== undefined) out.denotation = t.denotation;
  return out;
}

function writeValueInfo(v: OnnxValueInfo): PValueInfo {
  return clean<PValueInfo>({
    name: nz(v.name),
    type: v.type && writeType(v.type),
    doc_string: v.docString,
    metadata_props: entries(v.metadataProps),
  });
}
