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

import { decodeMessage, encodeMessage, has, invalid, type PModel, type PTensor } from './proto/messages.ts';
import { encodeModelSpliced, SPLICE_RAW_BYTES } from './proto/bigTensors.ts';
import { readModel, readTensor } from './proto/read.ts';
import { writeModel, writeTensor } from './proto/write.ts';
import type { OnnxModel, OnnxTensor } from './types.ts';

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

/**
 * A model's bytes. Initializers with at least `spliceRawBytes` of raw_data are copied once,
 * straight into the output (proto/bigTensors.ts); Infinity leaves all of it to protobufjs.
 */
export function encodeModel(model: OnnxModel, { spliceRawBytes = SPLICE_RAW_BYTES } = {}): Uint8Array {
  const m = writeModel(model);
  return encodeModelSpliced(m, spliceRawBytes) ?? encodeMessage('ModelProto', m);
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
