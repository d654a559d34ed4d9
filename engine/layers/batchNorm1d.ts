import { defineLayer } from '../layer.ts';
import {
  batchNormAttributes,
  batchNormCheck,
  batchNormParameters,
  batchNormToOnnx,
  batchNormGradient,
  batchNormImport,
  batchNormToTorch,
} from '../families/batchNorm.ts';

export default defineLayer({
  type: 'BatchNorm1d',
  category: 'normalization',
  torch: 'nn.BatchNorm1d',
  toTorch: (ctx) => batchNormToTorch('nn.BatchNorm1d', ctx as never),
  summary: 'Normalises each feature (N, C) or channel (N, C, L) over the batch; then scales and shifts.',
  inputs: { names: ['x'] },
  attributes: batchNormAttributes,
  check: (_a, inputs) => batchNormCheck('BatchNorm1d', inputs[0], [2, 3]),
  outputShape: (inputs) => inputs[0],
  parameters: (inputs, a) => batchNormParameters(inputs[0], a as never),
  gradient: (ctx) => batchNormGradient(ctx as never),
  toOnnx: (ctx) => batchNormToOnnx(ctx as never),
  fromOnnx: batchNormImport([2, 3]),
  gradientCases: [
    { attributes: {}, inputs: [[4, 3]] },
    { attributes: { affine: false }, inputs: [[3, 3, 5]] },
  ],
  examples: [
    { why: 'after a Linear', attributes: {}, inputs: [['N', 512]], output: ['N', 512], params: 1024 },
  ],
});
