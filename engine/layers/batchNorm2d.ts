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
  type: 'BatchNorm2d',
  category: 'normalization',
  torch: 'nn.BatchNorm2d',
  toTorch: (ctx) => batchNormToTorch('nn.BatchNorm2d', ctx as never),
  summary: 'Normalises each channel over the batch and H, W; then scales and shifts. Speeds up training.',
  inputs: { names: ['x'] },
  attributes: batchNormAttributes,
  check: (_a, inputs) => batchNormCheck('BatchNorm2d', inputs[0], [4]),
  outputShape: (inputs) => inputs[0],
  parameters: (inputs, a) => batchNormParameters(inputs[0], a as never),
  gradient: (ctx) => batchNormGradient(ctx as never),
  toOnnx: (ctx) => batchNormToOnnx(ctx as never),
  fromOnnx: batchNormImport([4]),
  gradientCases: [{ attributes: { momentum: 0.2 }, inputs: [[3, 2, 4, 4]] }],
  examples: [
    {
      why: '2C parameters, 2C buffers',
      attributes: {},
      inputs: [['N', 64, 56, 56]],
      output: ['N', 64, 56, 56],
      params: 128,
    },
  ],
});
