// encodeModel writes large initializers' raw bytes straight into its output (engine/onnx/proto/
// bigTensors.ts). Its bytes must be exactly protobufjs's own encoding of the whole message (parsed
// here from the schema, independently of our codec), and decode back to the same model, for models
// with large and small tensors and fields on both sides of every spliced field.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { ONNX_PROTO } from '../../engine/onnx/onnx.proto.ts';
import {
  DataType,
  decodeModel,
  encodeModel,
  float32Tensor,
  type OnnxModel,
  type OnnxTensor,
} from '../../engine/onnx/proto.ts';
import { encodeModelSpliced, SPLICE_RAW_BYTES } from '../../engine/onnx/proto/bigTensors.ts';
import { writeModel } from '../../engine/onnx/proto/write.ts';

const ModelProto = protobuf.parse(ONNX_PROTO, { keepCase: true }).root.lookupType('onnx.ModelProto');

/** protobufjs alone, on the whole message. */
const protobufjsBytes = (m: OnnxModel) => new Uint8Array(ModelProto.encode(writeModel(m)).finish());

/** A float tensor of `bytes` bytes (a multiple of 4) with varied values. */
function tensor(name: string, bytes: number, extra: Partial<OnnxTensor> = {}): OnnxTensor {
  const n = bytes / 4;
  return {
    ...float32Tensor(
      name,
      [n],
      Float32Array.from({ length: n }, (_, i) => Math.sin(i) * i),
    ),
    ...extra,
  };
}

function model(initializers: OnnxTensor[]): OnnxModel {
  const vi = (name: string, n: number) => ({
    name,
    type: { kind: 'tensor' as const, elemType: DataType.FLOAT, shape: [{ value: n }] },
  });
  return {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'netwright-test',
    docString: 'fields before the graph',
    metadataProps: [{ key: 'after', value: 'the graph' }],
    graph: {
      name: 'g',
      nodes: initializers.map((t, i) => ({
        name: `add${i}`,
        opType: 'Add',
        domain: '',
        inputs: ['x', t.name],
        outputs: [`y${i}`],
        attributes: [],
      })),
      initializers,
      inputs: [vi('x', 1)],
      outputs: initializers.map((_, i) => vi(`y${i}`, 1)),
      valueInfo: [vi('z', 3)],
      docString: 'fields after the initializers',
    },
  };
}

describe('encodeModel with large initializers', () => {
  it('writes exactly protobufjs bytes and decodes to the same model', () => {
    const m = model([
      tensor('small', 64),
      // A doc_string (field 12) and data_location (14) after raw_data (9), a name (8) before it.
      tensor('big', 3 * SPLICE_RAW_BYTES, { docString: 'after raw_data', dataLocation: 0 }),
      tensor('edge', SPLICE_RAW_BYTES),
      tensor('under', SPLICE_RAW_BYTES - 4),
      tensor('huge', 2 ** 22 + 4), // a 4-byte length varint
    ]);
    const spliced = encodeModelSpliced(writeModel(m));
    assert.ok(spliced, 'the model has large initializers');
    const expected = protobufjsBytes(m);
    assert.equal(spliced.length, expected.length);
    assert.ok(Buffer.from(spliced).equals(Buffer.from(expected)), 'same bytes as protobufjs');
    const bytes = encodeModel(m);
    assert.ok(Buffer.from(bytes).equals(Buffer.from(expected)));
    assert.deepEqual(decodeModel(bytes), decodeModel(expected));
    const back = decodeModel(bytes).graph.initializers;
    m.graph.initializers.forEach((t, i) => {
      assert.equal(back[i].name, t.name);
      assert.ok(Buffer.from(back[i].rawData!).equals(Buffer.from(t.rawData!)), t.name);
    });
  });

  it('leaves models without large initializers to protobufjs', () => {
    const m = model([tensor('a', 16), tensor('b', SPLICE_RAW_BYTES - 4)]);
    assert.equal(encodeModelSpliced(writeModel(m)), null);
    assert.ok(Buffer.from(encodeModel(m)).equals(Buffer.from(protobufjsBytes(m))));
    // With a lower threshold both are spliced, to the same bytes.
    assert.ok(Buffer.from(encodeModelSpliced(writeModel(m), 16)!).equals(Buffer.from(protobufjsBytes(m))));
  });

  it('keeps a large tensor with no other fields, and one in a graph with nothing else', () => {
    const bare: OnnxTensor = {
      name: '',
      dataType: 1,
      dims: [],
      rawData: new Uint8Array(SPLICE_RAW_BYTES).fill(7),
    };
    const m: OnnxModel = {
      irVersion: 8,
      opsetImport: [],
      graph: { name: '', nodes: [], initializers: [bare], inputs: [], outputs: [], valueInfo: [] },
    };
    const bytes = encodeModel(m);
    assert.ok(Buffer.from(bytes).equals(Buffer.from(protobufjsBytes(m))));
    assert.deepEqual(decodeModel(bytes).graph.initializers[0].rawData, bare.rawData);
  });
});
