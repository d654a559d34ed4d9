// MaxPool2d's input gradient where windows hold equal values (ReLU zeros, blank image borders):
// PyTorch gives the whole gradient to the first maximum in each window, scanning rows then
// columns. Finite differences can't check ties (the loss has a kink there), so PyTorch is the oracle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileTrainStep } from '../../engine/index.ts';
import { StepSession } from '../../host/training/session.ts';
import { oneLayerGraph } from '../helpers/layerGraph.ts';
import { needTorch, runPythonJson } from '../helpers/python.ts';
import { mulberry32 } from '../helpers/reference.ts';

interface PoolCase {
  kernel_size: number | number[];
  stride?: number;
  padding?: number | number[];
  dilation?: number;
  ceil_mode?: boolean;
}

// Windows that tile the input (the first maximum found again from sub-rectangle pools,
// poolFirstMax.ts), other windows that don't overlap (MaxPool's indices, MaxUnpool) and one
// overlapping pool (ScatterElements).
const CASES: { attrs: PoolCase; shape: number[] }[] = [
  { attrs: { kernel_size: 2 }, shape: [2, 3, 6, 6] },
  { attrs: { kernel_size: 2, stride: 2, padding: 1 }, shape: [2, 2, 5, 5] },
  { attrs: { kernel_size: [1, 2] }, shape: [2, 2, 3, 6] },
  // Padding after that no window reads is dropped; floor mode drops the last row (indices path).
  { attrs: { kernel_size: [2, 1], padding: [1, 0] }, shape: [2, 2, 5, 3] },
  { attrs: { kernel_size: 2 }, shape: [2, 2, 7, 6] },
  { attrs: { kernel_size: 3, stride: 3, padding: 1, ceil_mode: true }, shape: [2, 2, 7, 8] },
  { attrs: { kernel_size: 2, stride: 3, dilation: 2 }, shape: [2, 2, 7, 7] },
  { attrs: { kernel_size: 3, stride: 2 }, shape: [2, 2, 7, 7] },
];

const TORCH = `
import json, sys
import torch
import torch.nn.functional as F
out = []
for case in json.loads(sys.argv[1]):
    x = torch.tensor(case["x"], dtype=torch.float32).reshape(case["shape"]).requires_grad_()
    y = F.max_pool2d(x, **case["attrs"])
    t = torch.tensor(case["target"], dtype=torch.float32).reshape(y.shape)
    F.mse_loss(y, t).backward()
    out.append(x.grad.flatten().tolist())
print(json.dumps(out))
`;

test('MaxPool2d sends the gradient of tied windows to the first maximum, as PyTorch does', async (t) => {
  if (!needTorch(t)) return;
  const rng = mulberry32(12);
  const ours: Float32Array[] = [];
  const feeds = [];
  for (const { attrs, shape } of CASES) {
    const step = compileTrainStep(oneLayerGraph('MaxPool2d', { ...attrs }, shape), {
      batchSize: shape[0],
      loss: 'mse',
      inputGradients: true,
    });
    const outSize = step.target.shape.reduce((a, b) => a * b, 1);
    // Three levels, so most windows hold their maximum more than once.
    const x = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => Math.floor(rng() * 3));
    const target = Float32Array.from({ length: outSize }, () => rng() - 0.5);
    const session = await StepSession.create(step, new Map());
    const r = await session.run(new Map([['in', x]]), target, { lr: 0 });
    await session.release();
    ours.push(r.inputGrads!.get('in')!);
    feeds.push({ attrs, shape, x: [...x], target: [...target] });
  }
  const torch = runPythonJson<number[][]>(TORCH, [JSON.stringify(feeds)]);
  CASES.forEach(({ attrs }, k) => {
    assert.equal(ours[k].length, torch[k].length);
    const worst = Math.max(...torch[k].map((v, i) => Math.abs(v - ours[k][i])));
    assert.ok(worst < 1e-6, `${JSON.stringify(attrs)}: largest difference from PyTorch ${worst}`);
    assert.ok(
      torch[k].some((v) => v !== 0),
      'the case has a gradient to compare',
    );
  });
});
