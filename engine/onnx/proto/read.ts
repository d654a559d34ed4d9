// Decoding: protobufjs messages -> plain, typed objects (OnnxModel, OnnxGraph, ...). Optional
// strings remember whether they were on the wire, empty lists are absent.
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
  type StringEntry,
} from '../types.ts';
import {
  has,
  toBigInt,
  toDim,
  toJson,
  toNumber,
  type PAttr,
  type PEntry,
  type PFunction,
  type PGraph,
  type PModel,
  type PNode,
  type POpset,
  type PShape,
  type PSparse,
  type PTensor,
  type PTraining,
  type PType,
  type PTypeBody,
  type PValueInfo,
} from './messages.ts';

const utf8Decoder = new TextDecoder();

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

export function readModel(m: PModel): OnnxModel {
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

export function readTensor(t: PTensor): OnnxTensor {
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
