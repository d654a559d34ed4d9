// The train-step FLOP count `bench` divides by its measured peak, checked against hand counts:
// forward MACs, one weight gradient per trained layer, one input gradient per layer with
// something trainable before it (the first layer's dX is never computed, so never counted).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphBuilder, setFrozen, trainStepFlops } from '../../engine/index.ts';
import { loadTemplate } from '../helpers/templates.ts';

test('a two-layer MLP: forward, both weight gradients, only the second layer input gradient', () => {
  const b = new GraphBuilder();
  b.chain(b.input([4]), [['Linear', { out_features: 3 }], ['ReLU'], ['Linear', { out_features: 2 }]]);
  // Hand count: 4x3 = 12 and 3x2 = 6 MACs forward; dW the same 18; dX of the second layer 6.
  assert.deepEqual(trainStepFlops(b.graph), {
    forwardMacs: 18,
    weightGradMacs: 18,
    inputGradMacs: 6,
    flopsPerSample: 2 * (18 + 18 + 6),
  });
  // Asking for dLoss/dInput (saliency) adds the first layer's dX, 12 MACs.
  assert.equal(trainStepFlops(b.graph, { inputGradients: true }).inputGradMacs, 18);
});

test('a convolution: its MACs count for forward and dW, not for the input gradient it skips', () => {
  const b = new GraphBuilder();
  b.chain(b.input([1, 6, 6]), [
    ['Conv2d', { out_channels: 2, kernel_size: 3 }],
    ['ReLU'],
    ['Flatten'],
    ['Linear', { out_features: 3 }],
  ]);
  // Conv: 2 channels x 4x4 outputs x 3x3x1 taps = 288 MACs; Linear 32 -> 3 = 96 MACs.
  const f = trainStepFlops(b.graph);
  assert.equal(f.forwardMacs, 288 + 96);
  assert.equal(f.weightGradMacs, 288 + 96);
  assert.equal(f.inputGradMacs, 96);
  assert.equal(f.flopsPerSample, 2 * (384 + 384 + 96));
});

test('a frozen first layer has no weight gradient, and nothing before the trained layer needs dX', () => {
  const b = new GraphBuilder();
  const first = b.add('Linear', { out_features: 3 }, b.input([4]));
  b.chain(first, [['ReLU'], ['Linear', { out_features: 2 }]]);
  const frozen = setFrozen(b.graph, first, true);
  if ('error' in frozen) throw new Error(frozen.error);
  assert.deepEqual(trainStepFlops(frozen), {
    forwardMacs: 18,
    weightGradMacs: 6,
    inputGradMacs: 0,
    flopsPerSample: 2 * (18 + 6),
  });
});

test("the reference MLP's train step is 3.21 MFLOP per sample", () => {
  // 784-512-512-10: forward 784*512 + 512*512 + 512*10 MACs, dW the same, dX of the last two.
  const forward = 784 * 512 + 512 * 512 + 512 * 10;
  const f = trainStepFlops(loadTemplate('mlp').graph);
  assert.equal(f.flopsPerSample, 2 * (2 * forward + 512 * 512 + 512 * 10));
  assert.equal(f.flopsPerSample, 3_209_216);
});
