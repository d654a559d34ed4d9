import { defineLayer } from '../layer.ts';
import {
  convAttributes,
  convToOnnx,
  convCheck,
  convField,
  convGradient,
  convMacs,
  convOutput,
  convParameters,
  convImport,
  convToTorch,
} from '../families/conv.ts';

export default defineLayer({
  type: 'Conv1d',
  category: 'convolution',
  torch: 'nn.Conv1d',
  toTorch: (ctx) => convToTorch(1, ctx),
  summary: '1-D convolution over (N, C, L): sequences and signals.',
  inputs: { names: ['x'] },
  attributes: convAttributes(1),
  check: (a, inputs) => convCheck(1, 'Conv1d', a, inputs),
  outputShape: (inputs, a) => convOutput(1, a, inputs),
  parameters: (inputs, a) => convParameters(1, a, inputs),
  macs: (inputs, out, a) => convMacs(1, a, inputs, out),
  receptiveField: (_inputs, a) => convField(1, a),
  gradient: (ctx) => convGradient(1, ctx),
  toOnnx: (ctx) => convToOnnx(1, ctx),
  fromOnnx: convImport(1),
  gradientCases: [
    { attributes: { out_channels: 2, kernel_size: 3, stride: 2, padding: 1 }, inputs: [[2, 3, 9]] },
    { attributes: { out_channels: 3, kernel_size: 2, groups: 3, dilation: 2 }, inputs: [[2, 3, 8]] },
    { attributes: { out_channels: 2, kernel_size: 3, padding: [1, 2] }, inputs: [[2, 2, 6]] },
  ],
  examples: [
    {
      why: 'L = floor((100 + 2*2 - 2*(5-1) - 1)/3) + 1 = 32',
      attributes: { out_channels: 8, kernel_size: 5, stride: 3, padding: 2, dilation: 2 },
      inputs: [['N', 4, 100]],
      output: ['N', 8, 32],
      params: 8 * 4 * 5 + 8,
      macs: 8 * 4 * 5 * 32,
    },
    {
      why: 'depthwise',
      attributes: { out_channels: 4, kernel_size: 3, groups: 4, padding: 1 },
      inputs: [['N', 4, 10]],
      output: ['N', 4, 10],
      params: 4 * 3 + 4,
    },
  ],
});
