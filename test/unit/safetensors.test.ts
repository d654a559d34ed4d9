// The safetensors-layout codec (engine/tensor/safetensors.ts): round trips, single-tensor reads
// from the index alone, damaged files refused with a reason, and files read and written by an
// independent Python implementation of the layout (struct + json + numpy).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  decodeSafetensors,
  encodeSafetensors,
  f32Tensor,
  readSafetensorsIndex,
  SafetensorsError,
  toFloat32,
  type SafeTensor,
} from '../../engine/tensor/safetensors.ts';
import { needTorch, runPythonJson } from '../helpers/python.ts';
import { tempDir } from '../helpers/tempDir.ts';

const i64 = (values: number[]): SafeTensor => ({
  dtype: 'I64',
  shape: [values.length],
  bytes: new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer),
});

test('encode then decode gives back names, order, dtypes, shapes, bytes and metadata', () => {
  const w = Float32Array.from({ length: 24 }, (_, i) => i / 7 - 1);
  const file = encodeSafetensors(
    [
      ['conv.weight', f32Tensor([2, 3, 2, 2], w)],
      ['bn.num_batches_tracked', { dtype: 'I64', shape: [], bytes: new Uint8Array(8) }],
      ['steps', i64([3, -1, 2 ** 40])],
      ['empty', f32Tensor([0, 4], new Float32Array(0))],
    ],
    { format: 'pt' },
  );
  const headerLength = Number(new DataView(file.buffer).getBigUint64(0, true));
  assert.equal((8 + headerLength) % 8, 0, 'the data starts 8-byte aligned');
  const { tensors, metadata } = decodeSafetensors(file);
  assert.deepEqual([...tensors.keys()], ['conv.weight', 'bn.num_batches_tracked', 'steps', 'empty']);
  assert.deepEqual(metadata, { format: 'pt' });
  assert.deepEqual(toFloat32(tensors.get('conv.weight')!), w);
  assert.deepEqual(tensors.get('conv.weight')!.shape, [2, 3, 2, 2]);
  assert.deepEqual(tensors.get('bn.num_batches_tracked')!.shape, []);
  const steps = tensors.get('steps')!;
  assert.deepEqual([...new BigInt64Array(steps.bytes.slice().buffer)], [3n, -1n, 2n ** 40n]);
});

test('the index alone locates one tensor, so it can be read without the others', () => {
  const a = Float32Array.from({ length: 1000 }, (_, i) => i);
  const b = Float32Array.from([1.5, -2.5]);
  const file = encodeSafetensors([
    ['a', f32Tensor([1000], a)],
    ['b', f32Tensor([2], b)],
  ]);
  const headerLength = Number(new DataView(file.buffer).getBigUint64(0, true));
  const index = readSafetensorsIndex(file.subarray(0, 8 + headerLength), file.length);
  const e = index.tensors.get('b')!;
  assert.equal(e.end, file.length);
  assert.deepEqual(toFloat32({ dtype: 'F32', shape: e.shape, bytes: file.subarray(e.begin, e.end) }), b);
});

test('damaged files are refused with a reason, before allocating anything large', () => {
  const good = encodeSafetensors([['w', f32Tensor([2], Float32Array.from([1, 2]))]]);
  const bad = (bytes: Uint8Array, pattern: RegExp) =>
    assert.throws(
      () => decodeSafetensors(bytes),
      (e: Error) => e instanceof SafetensorsError && pattern.test(e.message),
    );
  bad(good.subarray(0, 5), /shorter than its 8-byte header length/);
  const huge = good.slice();
  new DataView(huge.buffer).setBigUint64(0, 2n ** 60n, true);
  bad(huge, /claims .* bytes.*damaged/);
  bad(good.subarray(0, good.length - 4), /ends past the end of the file/);
  const text = (header: string) => {
    const json = new TextEncoder().encode(header);
    const out = new Uint8Array(8 + json.length + 8);
    new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
    out.set(json, 8);
    return out;
  };
  bad(
    text('{"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}'),
    /8 bytes do not hold \[3\] of F32/,
  );
  bad(text('{"w": {"dtype": "Q8", "shape": [2], "data_offsets": [0, 2]}}'), /unknown dtype/);
  bad(text('{"w": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}}'), /non-negative integers/);
  bad(text('{"w": {"dtype": "F32", "shape": [2], "data_offsets": [8, 0]}}'), /begin <= end/);
  bad(text('[1, 2]'), /must be a JSON object/);
  bad(text('{"w": '), /not valid JSON/);
  assert.throws(
    () => encodeSafetensors([['w', { dtype: 'F32', shape: [3], bytes: new Uint8Array(8) }]]),
    /8 bytes do not hold \[3\] of F32/,
  );
});

test('an independent Python reader and writer of the layout agree with ours', (t) => {
  if (!needTorch(t)) return;
  const dir = tempDir('netwright-safetensors-');
  try {
    const ours = join(dir, 'ours.safetensors');
    const w = Float32Array.from({ length: 12 }, (_, i) => Math.sin(i) * 1e3);
    writeFileSync(
      ours,
      encodeSafetensors([
        ['layer.weight', f32Tensor([3, 4], w)],
        ['n', i64([7])],
      ]),
    );
    const theirs = join(dir, 'theirs.safetensors');
    const script = `
import json, struct, sys
import numpy as np
ours, theirs = sys.argv[1], sys.argv[2]
with open(ours, "rb") as f:
    (n,) = struct.unpack("<Q", f.read(8))
    header = json.loads(f.read(n))
    data = f.read()
read = {}
for name, info in header.items():
    b, e = info["data_offsets"]
    dt = {"F32": "<f4", "I64": "<i8"}[info["dtype"]]
    read[name] = np.frombuffer(data[b:e], dtype=dt).reshape(info["shape"]).tolist()
# Written the reference way: sorted names, no padding, a metadata entry.
arrays = {"b.bias": np.arange(3, dtype="<f4") * 0.25, "a.weight": -np.ones((2, 2), dtype="<f2")}
hdr, chunks, at = {"__metadata__": {"format": "pt"}}, [], 0
for name in sorted(arrays):
    raw = arrays[name].tobytes()
    hdr[name] = {"dtype": {"float32": "F32", "float16": "F16"}[str(arrays[name].dtype)],
                 "shape": list(arrays[name].shape), "data_offsets": [at, at + len(raw)]}
    chunks.append(raw)
    at += len(raw)
h = json.dumps(hdr).encode()
with open(theirs, "wb") as f:
    f.write(struct.pack("<Q", len(h)) + h + b"".join(chunks))
print(json.dumps(read))
`;
    const read = runPythonJson<Record<string, unknown>>(script, [ours, theirs]);
    assert.deepEqual(read['layer.weight'], [[...w.slice(0, 4)], [...w.slice(4, 8)], [...w.slice(8)]]);
    assert.deepEqual(read.n, [7]);
    const { tensors, metadata } = decodeSafetensors(new Uint8Array(readFileSync(theirs)));
    assert.deepEqual(metadata, { format: 'pt' });
    assert.deepEqual([...toFloat32(tensors.get('b.bias')!)], [0, 0.25, 0.5]);
    const half = tensors.get('a.weight')!;
    assert.equal(half.dtype, 'F16');
    assert.deepEqual([...new Uint16Array(half.bytes.slice().buffer)], [0xbc00, 0xbc00, 0xbc00, 0xbc00]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
