// Shapes of every value of an ONNX model, measured by running it once in onnxruntime with zeros
// (symbolic sizes set to 1): what the importer falls back on for operators whose shapes it can't
// infer (control flow, custom domains, data-dependent sizes). Node side only.
import * as ort from 'onnxruntime-node';
import type { OnnxModel } from '../engine/onnx/index.ts';
import { DataType, encodeModel } from '../engine/onnx/index.ts';

const FEEDS: Partial<Record<number, [ort.Tensor.Type, (n: number) => ort.Tensor.DataType]>> = {
  [DataType.FLOAT]: ['float32', (n) => new Float32Array(n)],
  [DataType.DOUBLE]: ['float64', (n) => new Float64Array(n)],
  [DataType.FLOAT16]: ['float16', (n) => new Uint16Array(n)],
  [DataType.INT64]: ['int64', (n) => new BigInt64Array(n)],
  [DataType.INT32]: ['int32', (n) => new Int32Array(n)],
  [DataType.INT8]: ['int8', (n) => new Int8Array(n)],
  [DataType.UINT8]: ['uint8', (n) => new Uint8Array(n)],
  [DataType.BOOL]: ['bool', (n) => new Uint8Array(n)],
};

/**
 * tensor name -> dims, for every value the main graph computes. Empty when the model can't run
 * here (an operator onnxruntime lacks, inputs of unsupported types); never throws.
 */
export async function measureShapes(model: OnnxModel): Promise<Map<string, number[]>> {
  const shapes = new Map<string, number[]>();
  const g = model.graph;
  const initializers = new Set(g.initializers.map((t) => t.name));
  const known = new Set(g.outputs.map((o) => o.name));
  const extra = g.nodes.flatMap((n) => n.outputs).filter((o) => o && !known.has(o));
  const probe: OnnxModel = {
    ...model,
    graph: { ...g, outputs: [...g.outputs, ...extra.map((name) => ({ name }))] },
  };
  let session: ort.InferenceSession | undefined;
  try {
    const feeds: Record<string, ort.Tensor> = {};
    for (const v of g.inputs) {
      if (initializers.has(v.name)) continue;
      if (v.type?.kind !== 'tensor' || !v.type.shape) return shapes;
      const feed = FEEDS[v.type.elemType];
      if (!feed) return shapes;
      const dims = v.type.shape.map((d) => (d.value !== undefined && d.value > 0 ? d.value : 1));
      feeds[v.name] = new ort.Tensor(feed[0], feed[1](dims.reduce((a, b) => a * b, 1)) as never, dims);
    }
    session = await ort.InferenceSession.create(encodeModel(probe), {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'disabled',
      logSeverityLevel: 3,
    });
    const results = await session.run(feeds);
    for (const [name, t] of Object.entries(results)) shapes.set(name, [...t.dims]);
  } catch {
    // the model doesn't run here: no measurements
  } finally {
    await session?.release();
  }
  return shapes;
}
