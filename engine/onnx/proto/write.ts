// Encoding: plain objects -> protobufjs-shaped objects, absent and empty fields left out.
import {
  AttributeTypeCode,
  type AttributeType,
  type OnnxAttribute,
  type OnnxDim,
  type OnnxFunction,
  type OnnxGraph,
  type OnnxModel,
  type OnnxNode,
  type OnnxOpset,
  type OnnxSparseTensor,
  type OnnxTensor,
  type OnnxType,
  type OnnxValueInfo,
  type StringEntry,
} from '../types.ts';
import {
  fromInt,
  fromJson,
  fromUint,
  type Long,
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
  type PValueInfo,
} from './messages.ts';

const utf8Encoder = new TextEncoder();

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

export function writeModel(m: OnnxModel): PModel {
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

export function writeTensor(t: OnnxTensor): PTensor {
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
