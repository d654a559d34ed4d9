// Test helpers on the Node side: run ONNX bytes in onnxruntime-node, read the fixtures' TensorProto
// files, and compare float arrays. Single-threaded sessions so results and timings are reproducible
// (../shared/reference/stack-notes.md section 3).

import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import {
  DataType,
  decodeTensor,
  float16ToFloat32,
  float32ToFloat16,
  tensorValues,
  type OnnxTensor,
  type TensorValues,
} from '../../engine/onnx/proto.ts';

/** Input data; `type` defaults from the array (Float32Array -> float32, BigInt64Array -> int64 ...). */
export interface Feed {
  dims: readonly number[];
  data: Exclude<TensorValues, string[]> | string[];
  type?: ort.Tensor.Type;
}

export interface Output {
  dims: number[];
  /** The output converted to float32 (float16 decoded, integers and bools as numbers). */
  data: Float32Array;
  /** onnxruntime's element type of the output, e.g. 'float32', 'int64', 'bool'. */
  type: string;
}

function defaultType(data: Feed['data']): ort.Tensor.Type {
  if (Array.isArray(data)) return 'string';
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof BigUint64Array) return 'uint64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint32Array) return 'uint32';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Uint16Array) return 'uint16';
  if (data instanceof Int8Array) return 'int8';
  return 'uint8';
}

/** Runs a serialized model once and returns every output as float32. */
export async function runModel(
  bytes: Uint8Array,
  feeds: Record<string, Feed>,
  options: ort.InferenceSession.SessionOptions = {},
): Promise<Record<string, Output>> {
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    ...options,
  });
  try {
    const inputs: Record<string, ort.Tensor> = {};
    for (const [name, f] of Object.entries(feeds)) {
      inputs[name] = new ort.Tensor(f.type ?? defaultType(f.data), f.data, [...f.dims]);
    }
    const results = await session.run(inputs);
    const out: Record<string, Output> = {};
    for (const [name, t] of Object.entries(results)) {
      out[name] = { dims: [...t.dims], data: toFloat32(t), type: t.type };
    }
    return out;
  } finally {
    await session.release();
  }
}

function toFloat32(t: ort.Tensor): Float32Array {
  const data = t.data;
  if (t.type === 'float16') return float16ToFloat32(data as Uint16Array);
  if (data instanceof Float32Array) return data;
  if (Array.isArray(data)) throw new Error(`output of type ${t.type} has no float32 form`);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return Float32Array.from(data, Number);
  return Float32Array.from(data as ArrayLike<number>);
}

/** Reads a fixture TensorProto file (`test_data_set_0/input_0.pb`, `light_*_output_0.pb`). */
export function readTensorPb(path: string): OnnxTensor {
  return decodeTensor(new Uint8Array(readFileSync(path)));
}

const ORT_TYPE: Partial<Record<number, ort.Tensor.Type>> = {
  [DataType.FLOAT]: 'float32',
  [DataType.DOUBLE]: 'float64',
  [DataType.FLOAT16]: 'float16',
  [DataType.INT8]: 'int8',
  [DataType.UINT8]: 'uint8',
  [DataType.INT16]: 'int16',
  [DataType.UINT16]: 'uint16',
  [DataType.INT32]: 'int32',
  [DataType.UINT32]: 'uint32',
  [DataType.INT64]: 'int64',
  [DataType.UINT64]: 'uint64',
  [DataType.BOOL]: 'bool',
  [DataType.STRING]: 'string',
};

/** An OnnxTensor as a runModel feed, keeping its element type (float16 goes back to its bits). */
export function tensorFeed(t: OnnxTensor): Feed {
  const type = ORT_TYPE[t.dataType];
  if (!type) throw new Error(`tensor '${t.name}': data type ${t.dataType} cannot be fed to onnxruntime`);
  const values = tensorValues(t);
  // tensorValues decodes float16 to numbers; onnxruntime wants the 16-bit patterns back.
  const data = type === 'float16' ? float32ToFloat16(values as Float32Array) : values;
  return { dims: t.dims, data, type };
}

export interface Difference {
  /** Largest |a - b|. */
  maxAbs: number;
  /** Largest |a - b| / max(|a|, |b|) (0 where both are 0; Infinity when exactly one is NaN). */
  maxRel: number;
  /** Index of the element with the largest absolute difference. */
  at: number;
}

export function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): Difference {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let maxAbs = 0;
  let maxRel = 0;
  let at = -1;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (Number.isNaN(x) || Number.isNaN(y)) {
      if (Number.isNaN(x) !== Number.isNaN(y)) return { maxAbs: Infinity, maxRel: Infinity, at: i };
      continue;
    }
    if (x === y) continue; // also equal infinities
    const abs = Math.abs(x - y);
    const rel = abs / Math.max(Math.abs(x), Math.abs(y));
    if (abs > maxAbs) {
      maxAbs = abs;
      at = i;
    }
    if (rel > maxRel) maxRel = rel;
  }
  return { maxAbs, maxRel, at };
}

/** numpy.allclose: every |a - b| <= atol + rtol * |b| (b is the expected array). */
export function allClose(a: ArrayLike<number>, b: ArrayLike<number>, rtol = 1e-4, atol = 1e-6): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) || Number.isNaN(b[i])) {
      if (Number.isNaN(a[i]) !== Number.isNaN(b[i])) return false;
      continue;
    }
    if (a[i] === b[i]) continue;
    if (!(Math.abs(a[i] - b[i]) <= atol + rtol * Math.abs(b[i]))) return false;
  }
  return true;
}
