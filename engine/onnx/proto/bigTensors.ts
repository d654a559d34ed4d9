// Encoding a model whose initializers hold large raw_data without protobufjs copying those bytes
// around. protobufjs 8's Writer grows one buffer by doubling and shifts each nested message's
// content forward when it writes its length, so a 575 MB VGG-19 passed through memory six or seven
// times (7–11 s). Here protobufjs encodes everything except the large raw_data, field range by
// field range, and the pieces are laid end to end with their length prefixes into one buffer
// sized up front: the large bytes are copied once.
//
// The output is byte for byte what protobufjs writes for the whole message: it writes a message's
// fields in field-number order, each independently of the others, so a message is the
// concatenation of its fields' encodings, and a message encoded in pieces split by field number
// is the same bytes. test/unit/onnx-big-tensors.test.ts checks it against protobufjs's own output.
import protobuf from 'protobufjs';
import { pbType, type PGraph, type PModel, type PTensor } from './messages.ts';

/** raw_data at least this long is written straight into the output (smaller ones go through protobufjs). */
export const SPLICE_RAW_BYTES = 64 * 2 ** 10;

const WIRE_LENGTH_DELIMITED = 2;

/** A message's bytes in pieces (small encoded parts and views of large tensors) and their length. */
interface Pieces {
  parts: Uint8Array[];
  length: number;
}

const pieces = (parts: Uint8Array[]): Pieces => ({
  parts,
  length: parts.reduce((n, p) => n + p.length, 0),
});

/** The fields of `msg` numbered below (`side` -1) or above (+1) `field`, encoded by protobufjs. */
function encodeSide(typeName: string, msg: object, field: string, side: -1 | 1): Uint8Array {
  const type = pbType(typeName);
  const cut = type.fields[field].id;
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(msg)) {
    const id = type.fields[key]?.id;
    if (id === undefined) continue; // protobufjs writes only the schema's fields
    if ((side < 0 && id < cut) || (side > 0 && id > cut)) kept[key] = value;
  }
  return type.encode(kept).finish();
}

/** A length-delimited field's tag and length prefix. */
function prefix(fieldId: number, length: number): Uint8Array {
  return protobuf.Writer.create()
    .uint32((fieldId << 3) | WIRE_LENGTH_DELIMITED)
    .uint32(length)
    .finish();
}

/** `msg` with `field` (a length-delimited one) written from `inner`'s pieces. */
function around(typeName: string, msg: object, field: string, inner: Pieces): Pieces {
  const id = pbType(typeName).fields[field].id;
  return pieces([
    encodeSide(typeName, msg, field, -1),
    prefix(id, inner.length),
    ...inner.parts,
    encodeSide(typeName, msg, field, 1),
  ]);
}

function tensorPieces(t: PTensor, large: (t: PTensor) => boolean): Pieces {
  if (!large(t)) return pieces([pbType('TensorProto').encode(t).finish()]);
  return around('TensorProto', t, 'raw_data', pieces([t.raw_data!]));
}

function graphPieces(g: PGraph, large: (t: PTensor) => boolean): Pieces {
  const initializerId = pbType('GraphProto').fields.initializer.id;
  const parts = [encodeSide('GraphProto', g, 'initializer', -1)];
  for (const t of g.initializer ?? []) {
    const tensor = tensorPieces(t, large);
    parts.push(prefix(initializerId, tensor.length), ...tensor.parts);
  }
  parts.push(encodeSide('GraphProto', g, 'initializer', 1));
  return pieces(parts);
}

/**
 * The ModelProto's bytes, as protobufjs would write them, with the raw_data of each initializer
 * holding at least `minRawBytes` copied once; null when the main graph has no such initializer.
 */
export function encodeModelSpliced(m: PModel, minRawBytes = SPLICE_RAW_BYTES): Uint8Array | null {
  const large = (t: PTensor) => (t.raw_data?.length ?? 0) >= minRawBytes;
  if (!m.graph?.initializer?.some(large)) return null;
  const model = around('ModelProto', m, 'graph', graphPieces(m.graph, large));
  const out = new Uint8Array(model.length);
  let at = 0;
  for (const p of model.parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
