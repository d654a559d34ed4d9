// Conv2d weight gradients along the paths ungrouped 2-D convolutions take in a train step
// (engine/families/convIm2col.ts): up to 144 output positions per image the forward pass is one
// whole-batch GEMM whose patch matrix the weight gradient reuses ('gemm'); wider layers with 32 or
// more output channels take the im2col Slice form ('slices') or, from 32 input channels, one GEMM
// per kernel tap ('taps'); fewer output channels, the Gather form ('gather', LeNet-5's). Analytic values from onnxruntime against central finite differences of
// the float64 reference, and the forward pass's loss against the reference's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AttrValue } from '../../engine/index.ts';
import { analyze, compileTrainStep } from '../../engine/index.ts';
import { StepSession } from '../../host/training/session.ts';
import { oneLayerGraph } from '../helpers/layerGraph.ts';
import type { RefTensor } from '../helpers/reference.ts';
import { lossForward, mulberry32, randomTensor, referenceForward } from '../helpers/reference.ts';

const f32 = (t: RefTensor) => Float32Array.from(t.data);
const rounded = (t: RefTensor): RefTensor => ({ shape: t.shape, data: Float64Array.from(f32(t)) });

/** The nodes each form's graph has (and the others lack). */
const MARKER = {
  gemm: ['layer/gemm', 'layer/im2col'],
  gather: ['layer/im2col'],
  slices: ['layer/im2col'],
  taps: ['layer/grad_weight_tap0_0'],
};

const table = Array.from({ length: 32 }, (_, o) => [o % 3 === 0 ? 0 : 1, o % 3 === 1 ? 0 : 1]);
const CASES: { attrs: Record<string, AttrValue>; input: number[]; form: keyof typeof MARKER }[] = [
  { attrs: { out_channels: 32, kernel_size: 3, padding: 1 }, input: [2, 3, 5, 5], form: 'gemm' },
  { attrs: { out_channels: 32, kernel_size: 3, stride: 2, padding: 1 }, input: [2, 2, 6, 7], form: 'gemm' },
  {
    attrs: { out_channels: 33, kernel_size: [2, 3], dilation: 2, padding: [1, 0, 2, 1] },
    input: [2, 2, 7, 6],
    form: 'gemm',
  },
  { attrs: { out_channels: 32, kernel_size: 2, stride: 3, bias: false }, input: [3, 2, 7, 8], form: 'gemm' },
  { attrs: { out_channels: 32, kernel_size: 2, connection_table: table }, input: [2, 2, 4, 4], form: 'gemm' },
  { attrs: { out_channels: 32, kernel_size: 3, padding: 1 }, input: [2, 32, 4, 5], form: 'gemm' },
  {
    attrs: { out_channels: 40, kernel_size: [3, 2], stride: [2, 1], dilation: [1, 2], padding: [1, 0, 0, 1] },
    input: [2, 33, 7, 6],
    form: 'gemm',
  },
  { attrs: { out_channels: 16, kernel_size: 3, bias: false }, input: [3, 2, 6, 7], form: 'gather' },
  { attrs: { out_channels: 32, kernel_size: 3, padding: 1 }, input: [2, 3, 13, 12], form: 'slices' },
  { attrs: { out_channels: 32, kernel_size: 3, padding: 1 }, input: [1, 32, 12, 13], form: 'taps' },
  {
    attrs: { out_channels: 33, kernel_size: [3, 2], stride: [2, 1], dilation: [1, 2], padding: [1, 0, 0, 1] },
    input: [1, 33, 25, 14],
    form: 'taps',
  },
];

for (const [k, c] of CASES.entries())
  test(`Conv2d weight gradient by ${c.form} ${JSON.stringify({ ...c.attrs, connection_table: c.attrs.connection_table ? '32x2' : undefined })} on ${c.input.join('x')}`, async () => {
    const graph = oneLayerGraph('Conv2d', c.attrs, c.input);
    const analysis = analyze(graph);
    const rng = mulberry32(500 + k);
    const x = rounded(randomTensor(c.input, rng));
    const params: Record<string, RefTensor> = {};
    for (const p of analysis.nodes.get('layer')!.parameters)
      params[p.name] = rounded(randomTensor(p.shape, rng));
    const target = rounded(randomTensor(analysis.nodes.get('layer')!.outputShape as number[], rng));
    const step = compileTrainStep(graph, { batchSize: c.input[0], loss: 'mse' });
    const names = new Set(step.model.graph.nodes.map((n) => n.name));
    for (const marker of new Set(Object.values(MARKER).flat())) {
      const wanted = MARKER[c.form].includes(marker);
      assert.equal(names.has(marker), wanted, `the ${c.form} form ${wanted ? 'needs' : 'has no'} ${marker}`);
    }
    const session = await StepSession.create(
      step,
      new Map([['layer', new Map(Object.entries(params).map(([name, v]) => [name, f32(v)]))]]),
    );
    const r = await session.run(new Map([['in', f32(x)]]), f32(target), { lr: 0 });
    await session.release();
    const loss = () => lossForward('mse', referenceForward('Conv2d', c.attrs, [x], params, 'train'), target);
    const expectedLoss = loss();
    assert.ok(
      Math.abs(r.loss - expectedLoss) <= 1e-5 * Math.abs(expectedLoss),
      `forward loss ${r.loss} vs reference ${expectedLoss}`,
    );
    const w = params.weight.data;
    const analytic = r.grads!.get('layer')!.get('weight')!;
    assert.equal(analytic.length, w.length);
    const pick = mulberry32(900 + k);
    for (let t = 0; t < 40; t++) {
      const i = Math.floor(pick() * w.length);
      const keep = w[i];
      w[i] = keep + 1e-5;
      const up = loss();
      w[i] = keep - 1e-5;
      const down = loss();
      w[i] = keep;
      const numeric = (up - down) / 2e-5;
      const err = Math.abs(analytic[i] - numeric) / Math.max(Math.abs(analytic[i]) + Math.abs(numeric), 1e-2);
      assert.ok(err < 2e-3, `weight[${i}]: analytic ${analytic[i]} vs numeric ${numeric}`);
    }
  });
