// The plain objects an ONNX file decodes to (see proto.ts for the codec and its conventions).
// Constants are `as const` objects rather than TS enums so the file is erasable-syntax only.

/** TensorProto.DataType codes. Files from newer ONNX versions may carry codes beyond this list. */
export const DataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  COMPLEX64: 14,
  COMPLEX128: 15,
  BFLOAT16: 16,
  FLOAT8E4M3FN: 17,
  FLOAT8E4M3FNUZ: 18,
  FLOAT8E5M2: 19,
  FLOAT8E5M2FNUZ: 20,
  UINT4: 21,
  INT4: 22,
  FLOAT4E2M1: 23,
  FLOAT8E8M0: 24,
  UINT2: 25,
  INT2: 26,
} as const;
export type DataType = (typeof DataType)[keyof typeof DataType];

export const DataLocation = { DEFAULT: 0, EXTERNAL: 1 } as const;
export type DataLocation = (typeof DataLocation)[keyof typeof DataLocation];

/** AttributeProto.AttributeType codes, by name. */
export const AttributeTypeCode = {
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
  SPARSE_TENSOR: 11,
  SPARSE_TENSORS: 12,
  TYPE_PROTO: 13,
  TYPE_PROTOS: 14,
} as const;
export type AttributeType = keyof typeof AttributeTypeCode;

export interface StringEntry {
  key: string;
  value: string;
}

export interface OnnxOpset {
  /** '' (or 'ai.onnx') is the standard operator set. */
  domain: string;
  version: number;
}

export interface OnnxTensor {
  name: string;
  dataType: DataType;
  dims: number[];
  /** Little-endian element bytes (the usual form). At most one of rawData / *Data is normally set. */
  rawData?: Uint8Array;
  /** FLOAT, COMPLEX64. */
  floatData?: Float32Array;
  /** INT32, INT16, INT8, UINT16, UINT8, BOOL, and the bit patterns of FLOAT16/BFLOAT16/FLOAT8. */
  int32Data?: Int32Array;
  /** STRING (UTF-8 bytes per element). */
  stringData?: Uint8Array[];
  int64Data?: BigInt64Array;
  /** DOUBLE, COMPLEX128. */
  doubleData?: Float64Array;
  /** UINT32, UINT64. */
  uint64Data?: BigUint64Array;
  /** location / offset / length / checksum; see resolveExternalData. */
  externalData?: StringEntry[];
  dataLocation?: DataLocation;
  segment?: { begin: number; end: number };
  docString?: string;
  metadataProps?: StringEntry[];
}

export interface OnnxSparseTensor {
  values?: OnnxTensor;
  indices?: OnnxTensor;
  dims: number[];
}

/** One dimension of a shape: a size, a symbol (dim_param), or unknown (neither). */
export interface OnnxDim {
  value?: number;
  param?: string;
  denotation?: string;
}

/** TypeProto. `shape` undefined means unknown rank; [] means a scalar. */
export type OnnxType = (
  | { kind: 'tensor'; elemType: DataType; shape?: OnnxDim[] }
  | { kind: 'sparse_tensor'; elemType: DataType; shape?: OnnxDim[] }
  | { kind: 'sequence'; elemType?: OnnxType }
  | { kind: 'map'; keyType: DataType; valueType?: OnnxType }
  | { kind: 'optional'; elemType?: OnnxType }
  | { kind: 'opaque'; domain: string; name: string }
  | { kind: 'none' }
) & { denotation?: string };

export interface OnnxValueInfo {
  name: string;
  type?: OnnxType;
  docString?: string;
  metadataProps?: StringEntry[];
}

export interface OnnxAttributeBase {
  name: string;
  docString?: string;
}

/** A node attribute; `type` says which kind of value it holds (see the file comment). */
export type OnnxAttribute = OnnxAttributeBase &
  (
    | { type: 'FLOAT'; value: number }
    | { type: 'INT'; value: number }
    | { type: 'STRING'; value: string }
    | { type: 'TENSOR'; value: OnnxTensor }
    | { type: 'GRAPH'; value: OnnxGraph }
    | { type: 'SPARSE_TENSOR'; value: OnnxSparseTensor }
    | { type: 'TYPE_PROTO'; value: OnnxType }
    | { type: 'FLOATS'; value: number[] }
    | { type: 'INTS'; value: number[] }
    | { type: 'STRINGS'; value: string[] }
    | { type: 'TENSORS'; value: OnnxTensor[] }
    | { type: 'GRAPHS'; value: OnnxGraph[] }
    | { type: 'SPARSE_TENSORS'; value: OnnxSparseTensor[] }
    | { type: 'TYPE_PROTOS'; value: OnnxType[] }
    /** Inside a function body: "use the caller's attribute refAttrName" (no value of its own). */
    | { type: 'REF'; refType: AttributeType; refAttrName: string }
  );

/**
 * Plain-JSON copy of rarely used sub-messages (multi-device annotations) so they survive a round
 * trip without a hand-written mapping: protobuf field names, int64 as decimal strings.
 */
export type ProtoJson = { [key: string]: unknown };

export interface OnnxNode {
  opType: string;
  /** '' is the standard domain. */
  domain: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attributes: OnnxAttribute[];
  overload?: string;
  docString?: string;
  metadataProps?: StringEntry[];
  deviceConfigurations?: ProtoJson[];
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  valueInfo: OnnxValueInfo[];
  sparseInitializers?: OnnxSparseTensor[];
  docString?: string;
  quantizationAnnotation?: { tensorName: string; quantParameterTensorNames: StringEntry[] }[];
  metadataProps?: StringEntry[];
}

export interface OnnxFunction {
  name: string;
  domain: string;
  overload?: string;
  inputs: string[];
  outputs: string[];
  /** Attribute names without defaults. */
  attributes: string[];
  /** Attributes with default values. */
  attributeProtos?: OnnxAttribute[];
  nodes: OnnxNode[];
  opsetImport: OnnxOpset[];
  valueInfo?: OnnxValueInfo[];
  docString?: string;
  metadataProps?: StringEntry[];
}

export interface OnnxTrainingInfo {
  initialization?: OnnxGraph;
  algorithm?: OnnxGraph;
  initializationBinding: StringEntry[];
  updateBinding: StringEntry[];
}

export interface OnnxModel {
  irVersion: number;
  opsetImport: OnnxOpset[];
  graph: OnnxGraph;
  producerName?: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: number;
  docString?: string;
  metadataProps?: StringEntry[];
  trainingInfo?: OnnxTrainingInfo[];
  functions?: OnnxFunction[];
  configuration?: ProtoJson[];
}
