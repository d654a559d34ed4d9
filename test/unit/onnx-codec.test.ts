// The ONNX codec (engine/onnx/proto.ts) against files written by others (../shared/fixtures/onnx),
// against onnxruntime as an independent reader, and against garbage.
// Run: node --import tsx --test test/unit/onnx-codec.test.ts

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import protobuf from 'protobufjs';
import { ONNX_PROTO } from '../../engine/onnx/onnx.proto.ts';
import {
  DataLocation,
  DataType,
  allTensors,
  decodeModel,
  decodeTensor,
  encodeModel,
  encodeTensor,
  float16Tensor,
  float16BitsToFloat32,
  float32Tensor,
  float32ToFloat16,
  float32ToFloat16Bits,
  int64Tensor,
  resolveExternalData,
  tensorToFloat32,
  tensorValues,
  type OnnxAttribute,
  type OnnxGraph,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
} from '../../engine/onnx/proto.ts';
import { allClose, maxDifference, readTensorPb, runModel, tensorFeed } from '../helpers/ort.ts';
import { mulberry32 as prng } from '../helpers/reference/tensor.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIXTURES = process.env.NETWRIGHT_FIXTURES ?? path.resolve(repoRoot, '..', 'shared', 'fixtures', 'onnx');
const noFixtures = existsSync(FIXTURES) ? false : `fixtures not found at ${FIXTURES}`;

const read = (p: string) => new Uint8Array(readFileSync(p));
const lightModels = () =>
  readdirSync(path.join(FIXTURES, 'light'))
    .filter((f) => f.endsWith('.onnx'))
    .map((f) => path.join(FIXTURES, 'light', f));

function indexOfBytes(hay: Uint8Array, needle: Uint8Array): number {
  if (needle.length === 0) return 0;
  outer: for (
    let i = hay.indexOf(needle[0]);
    i >= 0 && i <= hay.length - needle.length;
    i = hay.indexOf(needle[0], i + 1)
  ) {
    for (let j = 1; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** A one-node float model: x[n] -> op -> y[n]. */
function unaryModel(opType: string, attributes: OnnxAttribute[], n: number, opset = 17): OnnxModel {
  const vi = (name: string) => ({
    name,
    type: { kind: 'tensor' as const, elemType: DataType.FLOAT, shape: [{ value: n }] },
  });
  return {
    irVersion: 8,
    opsetImport: [{ domain: '', version: opset }],
    producerName: 'netwright-test',
    graph: {
      name: 'g',
      nodes: [{ opType, domain: '', name: 'n0', inputs: ['x'], outputs: ['y'], attributes }],
      initializers: [],
      inputs: [vi('x')],
      outputs: [vi('y')],
      valueInfo: [],
    },
  };
}

/** Runs a node/ fixture case from re-encoded bytes and compares with its stored outputs. */
async function checkNodeCase(name: string): Promise<void> {
  const dir = path.join(FIXTURES, 'node', name);
  const model = decodeModel(read(path.join(dir, 'model.onnx')));
  const bytes = encodeModel(model);
  const initializers = new Set(model.graph.initializers.map((t) => t.name));
  const inputs = model.graph.inputs.filter((v) => !initializers.has(v.name));
  const data = path.join(dir, 'test_data_set_0');
  const feeds = Object.fromEntries(
    inputs.map((v, i) => [v.name, tensorFeed(readTensorPb(path.join(data, `input_${i}.pb`)))]),
  );
  const outputs = await runModel(bytes, feeds);
  model.graph.outputs.forEach((v, i) => {
    const expected = readTensorPb(path.join(data, `output_${i}.pb`));
    const actual = outputs[v.name];
    assert.deepEqual(actual.dims, expected.dims, `${name}: ${v.name} shape`);
    const want = tensorToFloat32(expected);
    const d = maxDifference(actual.data, want);
    assert.ok(allClose(actual.data, want, 1e-4, 1e-6), `${name}: ${v.name} differs: ${JSON.stringify(d)}`);
  });
}

// ---------------------------------------------------------------------------------------------
// Fuzzing runs in a worker so that a hang can be cut off (a synchronous loop cannot be interrupted
// from the same thread). The worker imports this very file and takes the branch at the bottom.

interface FuzzReport {
  decoded: number;
  rejected: number;
  /** Descriptions of failures: a thrown value that is not a plain Error with a clear message. */
  bad: string[];
  maxMs: number;
}

function fuzzOne(bytes: Uint8Array, kind: 'model' | 'tensor', report: FuzzReport, label: string): void {
  const t0 = performance.now();
  try {
    if (kind === 'model') {
      const m = decodeModel(bytes);
      // A model that decodes must also be usable: re-encodable, and its tensors readable or
      // rejected with an Error (never a RangeError from allocating an absurd typed array).
      encodeModel(m);
      for (const t of allTensors(m)) {
        try {
          tensorValues(t);
        } catch (e) {
          if (!(e instanceof Error) || e.constructor !== Error)
            report.bad.push(`${label}: tensorValues threw ${String(e)}`);
        }
      }
    } else {
      tensorValues(decodeTensor(bytes));
    }
    report.decoded++;
  } catch (e) {
    report.rejected++;
    const ok = e instanceof Error && e.constructor === Error && /^Not a valid ONNX|^tensor '/.test(e.message);
    if (!ok)
      report.bad.push(`${label}: ${e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e)}`);
  }
  report.maxMs = Math.max(report.maxMs, performance.now() - t0);
}

function mutate(src: Uint8Array, rand: () => number): Uint8Array {
  const pick = (n: number) => Math.floor(rand() * n);
  const b = src.slice();
  switch (pick(5)) {
    case 0: // truncate
      return b.subarray(0, pick(b.length));
    case 1: // overwrite a few bytes
      for (let k = 1 + pick(4); k > 0; k--) b[pick(b.length)] = pick(256);
      return b;
    case 2: // a long varint (sets continuation bits), the classic length/field-number corrupter
      for (let k = 1 + pick(3); k > 0; k--) b[pick(b.length)] = 0xff;
      return b;
    case 3: {
      // delete a range
      const at = pick(b.length);
      const n = 1 + pick(16);
      const out = new Uint8Array(b.length - Math.min(n, b.length - at));
      out.set(b.subarray(0, at));
      out.set(b.subarray(at + n), at);
      return out;
    }
    default: {
      // insert random bytes
      const at = pick(b.length);
      const ins = Uint8Array.from({ length: 1 + pick(8) }, () => pick(256));
      const out = new Uint8Array(b.length + ins.length);
      out.set(b.subarray(0, at));
      out.set(ins, at);
      out.set(b.subarray(at), at + ins.length);
      return out;
    }
  }
}

function runFuzz(files: { path: string; kind: 'model' | 'tensor' }[], perFile: number): FuzzReport {
  const report: FuzzReport = { decoded: 0, rejected: 0, bad: [], maxMs: 0 };
  files.forEach((f, fi) => {
    const src = read(f.path);
    const rand = prng(1234 + fi);
    for (let i = 0; i < perFile; i++)
      fuzzOne(
        mutate(src, rand),
        f.kind,
        report,
        `${path.basename(path.dirname(f.path))}/${path.basename(f.path)} #${i}`,
      );
  });
  return report;
}

/** Runs runFuzz in a worker; rejects if it has not finished within `ms`. */
function fuzzInWorker(
  files: { path: string; kind: 'model' | 'tensor' }[],
  perFile: number,
  ms: number,
): Promise<FuzzReport> {
  // tsx's loader hooks are not inherited by workers on Node 20, so the worker registers them itself.
  const bootstrap = `
    const { parentPort, workerData } = require('node:worker_threads');
    import(workerData.tsxApi)
      .then((api) => { api.register(); return import(workerData.entry); })
      .catch((e) => parentPort.postMessage({ crashed: String((e && e.stack) || e) }));`;
  return new Promise((resolve, reject) => {
    const worker = new Worker(bootstrap, {
      eval: true,
      workerData: {
        fuzz: { files, perFile },
        tsxApi: import.meta.resolve('tsx/esm/api'),
        entry: import.meta.url,
      },
    });
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(new Error(`fuzzing did not finish within ${ms} ms (a decode hangs?)`));
    }, ms);
    worker.once('message', (msg: FuzzReport | { crashed: string }) => {
      clearTimeout(timer);
      void worker.terminate();
      if ('crashed' in msg) reject(new Error(msg.crashed));
      else resolve(msg);
    });
    worker.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

if (!isMainThread && workerData?.fuzz) {
  const { files, perFile } = workerData.fuzz as {
    files: { path: string; kind: 'model' | 'tensor' }[];
    perFile: number;
  };
  parentPort!.postMessage(runFuzz(files, perFile));
} else {
  defineTests();
}

// ---------------------------------------------------------------------------------------------

function defineTests(): void {
  test('every light/ model decodes, re-encodes and decodes to the same object', { skip: noFixtures }, () => {
    for (const file of lightModels()) {
      const bytes = read(file);
      const m1 = decodeModel(bytes);
      assert.ok(m1.graph.nodes.length > 0, file);
      const m2 = decodeModel(encodeModel(m1));
      assert.deepStrictEqual(m2, m1, file);
      // Raw tensor bytes are exactly the file's bytes (found verbatim in the original file).
      let raw = 0;
      for (const t of allTensors(m1)) {
        if (!t.rawData || t.rawData.length === 0) continue;
        raw++;
        assert.ok(
          indexOfBytes(bytes, t.rawData) >= 0,
          `${file}: raw_data of '${t.name}' not found in the file`,
        );
      }
      assert.ok(raw > 0, `${file} has raw tensors`);
    }
  });

  test(
    're-encoding drops nothing: protobuf-level content equals the original (light/ and node/ samples)',
    { skip: noFixtures },
    () => {
      // An independent view of both byte strings through protobufjs alone (no mapping code of ours).
      // Only explicitly written empty names/domains may disappear: they mean the same as absent.
      const M = protobuf.parse(ONNX_PROTO, { keepCase: true }).root.lookupType('onnx.ModelProto');
      const view = (b: Uint8Array) =>
        JSON.stringify(M.toObject(M.decode(b), { longs: String, bytes: String, defaults: false }), (_k, v) =>
          v === '' ? undefined : v,
        );
      const samples = [
        ...lightModels(),
        ...[
          'test_conv_with_strides_padding',
          'test_constant',
          'test_if',
          'test_loop11',
          'test_scan9_sum',
          'test_ai_onnx_ml_label_encoder_tensor_mapping',
          'test_ai_onnx_ml_tree_ensemble_single_tree',
          'test_cast_FLOAT_to_FLOAT16',
        ].map((c) => path.join(FIXTURES, 'node', c, 'model.onnx')),
      ];
      let identical = 0;
      for (const file of samples) {
        const bytes = read(file);
        const again = encodeModel(decodeModel(bytes));
        assert.equal(view(again), view(bytes), file);
        if (Buffer.compare(Buffer.from(again), Buffer.from(bytes)) === 0) identical++;
      }
      assert.ok(identical > 0, 'some files re-encode byte for byte');
    },
  );

  test(
    're-encoded node/ fixtures run in onnxruntime and match their stored outputs',
    { skip: noFixtures },
    async () => {
      const gemm = readdirSync(path.join(FIXTURES, 'node')).filter((c) => c.startsWith('test_gemm_default_'));
      assert.ok(gemm.length >= 5);
      const cases = [
        'test_conv_with_strides_padding',
        'test_conv_with_strides_and_asymmetric_padding',
        'test_relu',
        'test_leakyrelu',
        'test_constant', // a Constant node's TENSOR attribute
        'test_batchnorm_example',
        'test_maxpool_with_argmax_2d_precomputed_pads', // int64 Indices output
        'test_cast_FLOAT_to_FLOAT16', // float16 output
        ...gemm,
      ];
      for (const c of cases) await checkNodeCase(c);
    },
  );

  test(
    'a re-encoded light/ model gives exactly the same output as the original',
    { skip: noFixtures },
    async () => {
      const file = path.join(FIXTURES, 'light', 'light_squeezenet.onnx');
      const original = read(file);
      const m = decodeModel(original);
      const input = m.graph.inputs.find((v) => !m.graph.initializers.some((t) => t.name === v.name))!;
      const rand = prng(7);
      const x = Float32Array.from({ length: 3 * 224 * 224 }, () => rand() - 0.5);
      const feeds = { [input.name]: { dims: [1, 3, 224, 224], data: x } };
      const a = await runModel(original, feeds);
      const b = await runModel(encodeModel(m), feeds);
      for (const k of Object.keys(a)) assert.deepStrictEqual(b[k].data, a[k].data);
      // and the stored reference output of the light model has the same shape
      const stored = readTensorPb(file.replace('.onnx', '_output_0.pb'));
      assert.deepEqual(Object.values(a)[0].dims, stored.dims);
    },
  );

  test('fixture TensorProto files: typed fields and raw_data read the same way', { skip: noFixtures }, () => {
    const w = readTensorPb(
      path.join(FIXTURES, 'node', 'test_conv_with_strides_padding', 'test_data_set_0', 'input_1.pb'),
    );
    assert.equal(w.dataType, DataType.FLOAT);
    assert.ok(w.rawData && !w.floatData);
    const values = tensorToFloat32(w);
    const typed: OnnxTensor = { name: w.name, dataType: DataType.FLOAT, dims: w.dims, floatData: values };
    const back = decodeTensor(encodeTensor(typed));
    assert.ok(back.floatData && !back.rawData);
    assert.deepStrictEqual(tensorToFloat32(back), values);
    // An unaligned raw_data view (byteOffset 1) reads the same values.
    const shifted = new Uint8Array(w.rawData!.length + 1);
    shifted.set(w.rawData!, 1);
    assert.deepStrictEqual(tensorToFloat32({ ...w, rawData: shifted.subarray(1) }), values);
    // int64 raw (light models' shape tensors) vs int64_data
    const shapes = [...allTensors(decodeModel(read(lightModels()[0])))].filter(
      (t) => t.dataType === DataType.INT64,
    );
    assert.ok(shapes.length > 0);
    for (const s of shapes) {
      const v = tensorValues(s) as BigInt64Array;
      const viaField = decodeTensor(
        encodeTensor({ name: s.name, dataType: DataType.INT64, dims: s.dims, int64Data: v }),
      );
      assert.deepStrictEqual(tensorValues(viaField), v);
    }
  });

  test('an initializer stored in float_data runs the same as one in raw_data', async () => {
    const w = Float32Array.from([0.5, -1.25, 3, 1e-3]);
    const build = (init: OnnxTensor): OnnxModel => {
      const m = unaryModel('Add', [], 4);
      m.graph.nodes[0].inputs = ['x', 'w'];
      m.graph.initializers = [init];
      return m;
    };
    const x = { x: { dims: [4], data: Float32Array.from([1, 2, 3, 4]) } };
    const raw = await runModel(encodeModel(build(float32Tensor('w', [4], w))), x);
    const typed = await runModel(
      encodeModel(build({ name: 'w', dataType: DataType.FLOAT, dims: [4], floatData: w })),
      x,
    );
    assert.deepStrictEqual(typed.y.data, raw.y.data);
    assert.deepStrictEqual(Array.from(raw.y.data), [1.5, 0.75, 6, 4.001].map(Math.fround));
  });

  test('float16: every bit pattern round-trips, rounding is to nearest even, and ORT agrees', async () => {
    for (let h = 0; h < 0x10000; h++) {
      const x = float16BitsToFloat32(h);
      const back = float32ToFloat16Bits(x);
      if (Number.isNaN(x)) assert.ok((back & 0x7c00) === 0x7c00 && (back & 0x3ff) !== 0, `NaN ${h}`);
      else assert.equal(back, h, `bits ${h.toString(16)}`);
    }
    const cases: [number, number][] = [
      [1, 0x3c00],
      [-2, 0xc000],
      [0.1, 0x2e66],
      [65504, 0x7bff],
      [65520, 0x7c00], // halfway to the next binade: rounds to infinity
      [2 ** -24, 0x0001],
      [2 ** -25, 0x0000], // tie between 0 and the smallest subnormal: even is 0
      [1.5 * 2 ** -25, 0x0001],
      [-0, 0x8000],
      [1 + 2 ** -11, 0x3c00], // tie: stays on the even mantissa
      [1 + 3 * 2 ** -11, 0x3c02],
      [Infinity, 0x7c00],
    ];
    for (const [x, bits] of cases) assert.equal(float32ToFloat16Bits(x), bits, `${x}`);

    // onnxruntime's own float -> float16 Cast rounds exactly like float32ToFloat16Bits.
    const rand = prng(3);
    const probe = Float32Array.from([
      ...cases.map(([x]) => x),
      1 + 2 ** -11 + 2 ** -20,
      3 * 2 ** -26,
      -65519.99,
      ...Array.from({ length: 500 }, () => (rand() - 0.5) * 2 ** Math.floor(rand() * 40 - 28)),
    ]);
    const cast = unaryModel('Cast', [{ name: 'to', type: 'INT', value: DataType.FLOAT16 }], probe.length);
    cast.graph.outputs[0].type = {
      kind: 'tensor',
      elemType: DataType.FLOAT16,
      shape: [{ value: probe.length }],
    };
    const ortHalf = await runModel(encodeModel(cast), { x: { dims: [probe.length], data: probe } });
    assert.equal(ortHalf.y.type, 'float16');
    assert.deepStrictEqual(ortHalf.y.data, Float32Array.from(float32ToFloat16(probe), float16BitsToFloat32));

    // A float16 initializer (raw_data) and the same values via int32_data, Cast to float by ORT.
    const values = Float32Array.from({ length: 64 }, () => (rand() - 0.5) * 1000);
    const expected = Float32Array.from(float32ToFloat16(values), float16BitsToFloat32);
    const viaRaw = float16Tensor('w', [64], values);
    const viaInt32: OnnxTensor = {
      name: 'w',
      dataType: DataType.FLOAT16,
      dims: [64],
      int32Data: Int32Array.from(float32ToFloat16(values)),
    };
    for (const w of [viaRaw, viaInt32]) {
      assert.deepStrictEqual(tensorToFloat32(decodeTensor(encodeTensor(w))), expected);
      const m = unaryModel('Cast', [{ name: 'to', type: 'INT', value: DataType.FLOAT }], 64);
      m.graph.nodes[0].inputs = ['w'];
      m.graph.inputs = [];
      m.graph.initializers = [w];
      const out = await runModel(encodeModel(m), {});
      assert.deepStrictEqual(out.y.data, expected);
    }
  });

  test('a FLOAT attribute with a whole-number value stays FLOAT (ORT accepts it; INT is refused)', async () => {
    const x = { x: { dims: [4], data: Float32Array.from([-1, -0.5, 0, 2]) } };
    const alpha2 = encodeModel(unaryModel('LeakyRelu', [{ name: 'alpha', type: 'FLOAT', value: 2 }], 4));
    // Wire level: AttributeProto field 2 (f, fixed32) = 2.0f and field 20 (type) = 1 (FLOAT).
    assert.ok(
      indexOfBytes(alpha2, Uint8Array.from([0x15, 0x00, 0x00, 0x00, 0x40])) >= 0,
      'f = 2.0f on the wire',
    );
    assert.ok(indexOfBytes(alpha2, Uint8Array.from([0xa0, 0x01, 0x01])) >= 0, 'type = FLOAT on the wire');
    assert.deepStrictEqual(Array.from((await runModel(alpha2, x)).y.data), [-2, -1, 0, 2]);
    const alpha1 = encodeModel(unaryModel('LeakyRelu', [{ name: 'alpha', type: 'FLOAT', value: 1 }], 4));
    assert.deepStrictEqual(Array.from((await runModel(alpha1, x)).y.data), [-1, -0.5, 0, 2]);
    const attr = decodeModel(alpha1).graph.nodes[0].attributes[0];
    assert.deepStrictEqual(attr, { name: 'alpha', type: 'FLOAT', value: 1 });
    // Control: the same value typed INT is what ORT refuses, so the checks above are meaningful.
    const asInt = encodeModel(unaryModel('LeakyRelu', [{ name: 'alpha', type: 'INT', value: 1 }], 4));
    await assert.rejects(runModel(asInt, x), /attribute|type/i);
  });

  test('every attribute type and the rarer model parts survive a round trip', () => {
    const t = (name: string, v: number[]) => float32Tensor(name, [v.length], v);
    const sparse = { values: t('sv', [1, 2]), indices: int64Tensor('si', [2], [0, 3]), dims: [4] };
    const sub: OnnxGraph = {
      name: 'body',
      nodes: [{ opType: 'Identity', domain: '', name: '', inputs: ['a'], outputs: ['b'], attributes: [] }],
      initializers: [],
      inputs: [{ name: 'a' }],
      outputs: [{ name: 'b' }],
      valueInfo: [],
    };
    const attributes: OnnxAttribute[] = [
      { name: 'f', type: 'FLOAT', value: 3 },
      { name: 'f2', type: 'FLOAT', value: Math.fround(0.1), docString: '' },
      { name: 'i', type: 'INT', value: -7 },
      { name: 'imax', type: 'INT', value: 2 ** 63 }, // INT64_MAX on the wire (checked below)
      { name: 's', type: 'STRING', value: 'SAME_UPPER ✓' },
      { name: 't', type: 'TENSOR', value: t('tv', [1, 2, 3]) },
      { name: 'g', type: 'GRAPH', value: sub },
      { name: 'st', type: 'SPARSE_TENSOR', value: sparse },
      {
        name: 'tp',
        type: 'TYPE_PROTO',
        value: { kind: 'sequence', elemType: { kind: 'tensor', elemType: DataType.FLOAT } },
      },
      { name: 'fs', type: 'FLOATS', value: [1, 2.5] },
      { name: 'is', type: 'INTS', value: [-(2 ** 63), 0, 5] },
      { name: 'ss', type: 'STRINGS', value: ['a', ''] },
      { name: 'ts', type: 'TENSORS', value: [t('t1', [1]), t('t2', [])] },
      { name: 'gs', type: 'GRAPHS', value: [sub, sub] },
      { name: 'sts', type: 'SPARSE_TENSORS', value: [sparse] },
      {
        name: 'tps',
        type: 'TYPE_PROTOS',
        value: [
          {
            kind: 'map',
            keyType: DataType.INT64,
            valueType: { kind: 'tensor', elemType: DataType.FLOAT, shape: [] },
          },
          {
            kind: 'optional',
            elemType: { kind: 'sparse_tensor', elemType: DataType.FLOAT16, shape: [{ param: 'N' }, {}] },
          },
          { kind: 'opaque', domain: 'x', name: 'y', denotation: 'IMAGE' },
        ],
      },
      { name: 'empty', type: 'INTS', value: [] },
    ];
    const node: OnnxNode = {
      opType: 'Custom',
      domain: 'com.example',
      name: 'n',
      inputs: ['x', ''],
      outputs: ['y'],
      attributes,
      docString: 'doc',
      metadataProps: [{ key: 'k', value: 'v' }],
      deviceConfigurations: [{ configuration_id: 'c0', pipeline_stage: 1 }],
    };
    const model: OnnxModel = {
      irVersion: 10,
      opsetImport: [
        { domain: '', version: 21 },
        { domain: 'com.example', version: 1 },
      ],
      producerName: 'p',
      producerVersion: '',
      modelVersion: 3,
      docString: 'model doc',
      metadataProps: [{ key: 'a', value: 'b' }],
      graph: {
        name: 'main',
        nodes: [node],
        initializers: [
          {
            name: 'i64',
            dataType: DataType.INT64,
            dims: [3],
            int64Data: BigInt64Array.from([-(2n ** 63n), 0n, 2n ** 63n - 1n]),
          },
          {
            name: 'u64',
            dataType: DataType.UINT64,
            dims: [2],
            uint64Data: BigUint64Array.from([0n, 2n ** 64n - 1n]),
          },
          { name: 'f64', dataType: DataType.DOUBLE, dims: [2], doubleData: Float64Array.from([0.1, -1e300]) },
          {
            name: 'str',
            dataType: DataType.STRING,
            dims: [2],
            stringData: [Uint8Array.from([104, 105]), new Uint8Array(0)],
          },
          { name: 'empty', dataType: DataType.FLOAT, dims: [0], rawData: new Uint8Array(0) },
          {
            name: 'seg',
            dataType: DataType.FLOAT,
            dims: [2],
            floatData: Float32Array.from([1, 2]),
            segment: { begin: 0, end: 2 },
          },
        ],
        sparseInitializers: [sparse],
        inputs: [
          {
            name: 'x',
            type: {
              kind: 'tensor',
              elemType: DataType.FLOAT,
              shape: [{ param: 'batch', denotation: 'DATA_BATCH' }, { value: 3 }],
            },
          },
        ],
        outputs: [{ name: 'y', type: { kind: 'tensor', elemType: DataType.FLOAT }, docString: 'out' }],
        valueInfo: [{ name: 'v', type: { kind: 'none' } }],
        docString: '',
        quantizationAnnotation: [
          { tensorName: 'x', quantParameterTensorNames: [{ key: 'SCALE_TENSOR', value: 's' }] },
        ],
        metadataProps: [{ key: 'gk', value: 'gv' }],
      },
      trainingInfo: [
        { algorithm: sub, initializationBinding: [], updateBinding: [{ key: 'w', value: 'w_new' }] },
      ],
      functions: [
        {
          name: 'F',
          domain: 'com.example',
          inputs: ['a'],
          outputs: ['b'],
          attributes: ['alpha'],
          attributeProtos: [{ name: 'beta', type: 'FLOAT', value: 0.5 }],
          nodes: [
            {
              ...sub.nodes[0],
              opType: 'LeakyRelu',
              attributes: [{ name: 'alpha', type: 'REF', refType: 'FLOAT', refAttrName: 'alpha' }],
            },
          ],
          opsetImport: [{ domain: '', version: 21 }],
        },
      ],
      configuration: [{ name: 'cfg', num_devices: 2, device: ['a', 'b'] }],
    };
    const bytes = encodeModel(model);
    const back = decodeModel(bytes);
    // Exact, including the empty INTS list (kept by its `type`), '' strings that were set, and int64
    // extremes in tensors.
    assert.deepStrictEqual(back, model);
    assert.deepStrictEqual(decodeModel(encodeModel(back)), back);
    assert.ok(bytes instanceof Uint8Array && bytes.constructor === Uint8Array);
    // INT64_MAX / MIN are exact on the wire, read independently with protobufjs.
    const raw = protobuf.parse(ONNX_PROTO, { keepCase: true }).root.lookupType('onnx.ModelProto');
    const obj = raw.toObject(raw.decode(bytes), { longs: String }) as {
      graph: { node: { attribute: { name: string; i?: string; ints?: string[] }[] }[] };
    };
    const attrs = obj.graph.node[0].attribute;
    assert.equal(attrs.find((a) => a.name === 'imax')!.i, '9223372036854775807');
    assert.deepEqual(attrs.find((a) => a.name === 'is')!.ints, ['-9223372036854775808', '0', '5']);
    assert.deepStrictEqual(tensorValues(back.graph.initializers[3]), ['hi', '']);
    assert.deepStrictEqual(tensorValues(back.graph.initializers[4]), new Float32Array(0));
  });

  test('external data: decodes without the file, then resolveExternalData loads it', async () => {
    const w = Float32Array.from([10, 20, 30, 40]);
    const file = new Uint8Array(4 + 16 + 4);
    file.set(new Uint8Array(w.buffer), 4);
    const m = unaryModel('Add', [], 4);
    m.graph.nodes[0].inputs = ['x', 'w'];
    m.graph.initializers = [
      {
        name: 'w',
        dataType: DataType.FLOAT,
        dims: [4],
        dataLocation: DataLocation.EXTERNAL,
        externalData: [
          { key: 'location', value: 'weights.bin' },
          { key: 'offset', value: '4' },
          { key: 'length', value: '16' },
        ],
      },
    ];
    const decoded = decodeModel(encodeModel(m));
    assert.equal(decoded.graph.initializers[0].dataLocation, DataLocation.EXTERNAL);
    assert.throws(() => tensorValues(decoded.graph.initializers[0]), /external/);
    const asked: string[] = [];
    resolveExternalData(decoded, (loc) => (asked.push(loc), file));
    assert.deepEqual(asked, ['weights.bin']);
    assert.deepStrictEqual(tensorToFloat32(decoded.graph.initializers[0]), w);
    assert.equal(decoded.graph.initializers[0].dataLocation, undefined);
    const out = await runModel(encodeModel(decoded), {
      x: { dims: [4], data: Float32Array.from([1, 2, 3, 4]) },
    });
    assert.deepStrictEqual(Array.from(out.y.data), [11, 22, 33, 44]);

    const withLocation = (location: string, offset = '0') => {
      const copy = decodeModel(encodeModel(m));
      copy.graph.initializers[0].externalData = [
        { key: 'location', value: location },
        { key: 'offset', value: offset },
      ];
      return copy;
    };
    assert.throws(
      () => resolveExternalData(withLocation('../secret.bin'), () => file),
      /leaves the model's directory/,
    );
    assert.throws(
      () => resolveExternalData(withLocation('/etc/passwd'), () => file),
      /leaves the model's directory/,
    );
    assert.throws(() => resolveExternalData(withLocation('w.bin', '100'), () => file), /beyond the file/);
  });

  test('garbage is rejected with a clear Error', { skip: noFixtures }, () => {
    const reject = (bytes: Uint8Array, why: RegExp) =>
      assert.throws(
        () => decodeModel(bytes),
        (e: unknown) =>
          e instanceof Error &&
          e.constructor === Error &&
          /^Not a valid ONNX model: /.test(e.message) &&
          why.test(e.message),
      );
    reject(new Uint8Array(0), /empty/);
    reject(new TextEncoder().encode('hello, this is not a model'), /./);
    reject(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), /./); // PNG
    const rand = prng(99);
    reject(
      Uint8Array.from({ length: 4096 }, () => Math.floor(rand() * 256)),
      /./,
    );
    // A TensorProto file is protobuf, but not a model.
    reject(read(path.join(FIXTURES, 'node', 'test_relu', 'test_data_set_0', 'input_0.pb')), /./);
    // Well-formed protobuf without the fields every model has: the model minus its leading
    // ir_version field (08 07), and an empty message body.
    const model = read(path.join(FIXTURES, 'node', 'test_relu', 'model.onnx'));
    assert.deepEqual([...model.subarray(0, 2)], [0x08, 0x07]);
    reject(model.subarray(2), /no ir_version/);
    reject(Uint8Array.from([0x08, 0x07]), /no graph/);
    // Cut inside the graph field.
    reject(model.subarray(0, model.length - 10), /index out of range/);
    // Every prefix of a small model: a model or an Error, nothing else.
    const conv = read(path.join(FIXTURES, 'node', 'test_conv_with_strides_padding', 'model.onnx'));
    for (let n = 0; n < conv.length; n++) {
      try {
        decodeModel(conv.subarray(0, n));
      } catch (e) {
        assert.ok(
          e instanceof Error && e.constructor === Error && e.message.startsWith('Not a valid ONNX model'),
          String(e),
        );
      }
    }
    assert.throws(() => decodeTensor(Uint8Array.from([0x0a, 0xff])), /^Error: Not a valid ONNX TensorProto/);
  });

  test(
    '300 seeded mutations of each of several fixtures: a model or an Error, never a hang',
    { skip: noFixtures, timeout: 120_000 },
    async (t) => {
      const files: { path: string; kind: 'model' | 'tensor' }[] = [
        { path: path.join(FIXTURES, 'light', 'light_squeezenet.onnx'), kind: 'model' },
        { path: path.join(FIXTURES, 'light', 'light_bvlc_alexnet.onnx'), kind: 'model' },
        { path: path.join(FIXTURES, 'node', 'test_conv_with_strides_padding', 'model.onnx'), kind: 'model' },
        { path: path.join(FIXTURES, 'node', 'test_constant', 'model.onnx'), kind: 'model' },
        { path: path.join(FIXTURES, 'node', 'test_if', 'model.onnx'), kind: 'model' },
        {
          path: path.join(
            FIXTURES,
            'node',
            'test_conv_with_strides_padding',
            'test_data_set_0',
            'input_0.pb',
          ),
          kind: 'tensor',
        },
      ];
      const report = await fuzzInWorker(files, 300, 90_000);
      t.diagnostic(
        `decoded ${report.decoded}, rejected ${report.rejected}, slowest ${report.maxMs.toFixed(1)} ms`,
      );
      assert.deepEqual(report.bad, []);
      assert.equal(report.decoded + report.rejected, files.length * 300);
      assert.ok(
        report.rejected > 0 && report.decoded > 0,
        JSON.stringify({ ...report, bad: report.bad.length }),
      );
      assert.ok(report.maxMs < 2000, `slowest single decode took ${report.maxMs} ms`);
    },
  );
}
