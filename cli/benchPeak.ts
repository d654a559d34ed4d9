// This machine's float32 roofline, measured at the start of `netwright bench` in onnxruntime
// itself (the issue with a hard-coded peak: every machine differs). Two kernels: one large
// MatMul (the sgemm peak NumPy/OpenBLAS figures are quoted against) and one large convolution.
// Both operands are graph inputs, as a train step's parameters are, so nothing is constant-folded
// or pre-packed.
import * as ort from 'onnxruntime-node';
import { DataType, encodeModel, type OnnxAttribute, type OnnxModel } from '../engine/onnx/index.ts';

export interface Peak {
  /** float32 MatMul 2048 x 2048 x 2048, GFLOP/s of the fastest run. */
  matmul_gflops: number;
  /** float32 3x3 convolution, 32 x 128 x 32 x 32 -> 128 channels, GFLOP/s of the fastest run. */
  conv_gflops: number;
  threads: number;
}

interface Kernel {
  model: OnnxModel;
  feeds: Record<string, [number[]]>;
  flops: number;
}

const floatInfo = (name: string, shape: number[]) => ({
  name,
  type: { kind: 'tensor' as const, elemType: DataType.FLOAT, shape: shape.map((value) => ({ value })) },
});

function singleOp(
  op: string,
  inputs: [string, number[]][],
  output: number[],
  attributes: OnnxAttribute[] = [],
): OnnxModel {
  return {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'netwright-bench',
    producerVersion: '0.1.0',
    docString: '',
    graph: {
      name: op,
      nodes: [
        { opType: op, domain: '', name: op, inputs: inputs.map(([n]) => n), outputs: ['y'], attributes },
      ],
      initializers: [],
      inputs: inputs.map(([n, s]) => floatInfo(n, s)),
      outputs: [floatInfo('y', output)],
      valueInfo: [],
    },
  };
}

const N = 2048;
const MATMUL: Kernel = {
  model: singleOp(
    'MatMul',
    [
      ['a', [N, N]],
      ['b', [N, N]],
    ],
    [N, N],
  ),
  feeds: { a: [[N, N]], b: [[N, N]] },
  flops: 2 * N ** 3,
};

const [BATCH, CH, HW] = [32, 128, 32];
const CONV: Kernel = {
  model: singleOp(
    'Conv',
    [
      ['x', [BATCH, CH, HW, HW]],
      ['w', [CH, CH, 3, 3]],
    ],
    [BATCH, CH, HW, HW],
    [{ name: 'pads', type: 'INTS', value: [1, 1, 1, 1] }],
  ),
  feeds: { x: [[BATCH, CH, HW, HW]], w: [[CH, CH, 3, 3]] },
  flops: 2 * BATCH * CH * CH * 9 * HW * HW,
};

async function kernelGflops(k: Kernel, threads: number, reps: number): Promise<number> {
  const session = await ort.InferenceSession.create(encodeModel(k.model), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  const feeds: Record<string, ort.Tensor> = {};
  for (const [name, [shape]] of Object.entries(k.feeds)) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = ((i * 7919) % 1000) / 1000 - 0.5;
    feeds[name] = new ort.Tensor('float32', data, shape);
  }
  const times: number[] = [];
  for (let i = 0; i < reps + 2; i++) {
    const t0 = performance.now();
    await session.run(feeds);
    if (i >= 2) times.push(performance.now() - t0);
  }
  await session.release();
  return k.flops / (Math.min(...times) / 1000) / 1e9;
}

/**
 * The fastest of `reps` runs after two warm-ups, for each kernel: a peak is what the machine can
 * do, and on a shared machine the median measures the neighbours as much as the kernel.
 */
export async function measurePeak(threads: number, reps = 10): Promise<Peak> {
  const round1 = (x: number) => Math.round(x * 10) / 10;
  return {
    matmul_gflops: round1(await kernelGflops(MATMUL, threads, reps)),
    conv_gflops: round1(await kernelGflops(CONV, threads, reps)),
    threads,
  };
}
