import { defineLayer } from '../layer.ts';
import { LENET5_C3_TABLE } from '../families/lenet5.ts';
import {
  connectionTable,
  convAttributes,
  convToOnnx,
  convCheck,
  convField,
  convGradient,
  convMacs,
  convOutput,
  convParameters,
} from '../families/conv.ts';
import { convImport } from '../onnx/import/patterns.ts';

export default defineLayer({
  type: 'Conv2d',
  category: 'convolution',
  torch: 'nn.Conv2d',
  summary: '2-D convolution over (N, C, H, W): each output channel is a learned filter slid over the input.',
  inputs: { names: ['x'] },
  attributes: { ...convAttributes(2), connection_table: connectionTable },
  check: (a, inputs) => convCheck(2, 'Conv2d', a, inputs),
  outputShape: (inputs, a) => convOutput(2, a, inputs),
  parameters: (inputs, a) => convParameters(2, a, inputs),
  macs: (inputs, out, a) => convMacs(2, a, inputs, out),
  receptiveField: (_inputs, a) => convField(2, a),
  gradient: (ctx) => convGradient(2, ctx),
  toOnnx: (ctx) => convToOnnx(2, ctx),
  fromOnnx: convImport(2, { connectionTable: true }),
  gradientCases: [
    { attributes: { out_channels: 2, kernel_size: 3 }, inputs: [[2, 3, 6, 6]] },
    { attributes: { out_channels: 2, kernel_size: 3, stride: 2, padding: 1 }, inputs: [[2, 3, 6, 6]] },
    {
      attributes: { out_channels: 2, kernel_size: 3, dilation: 2, padding: [1, 0, 2, 1] },
      inputs: [[2, 2, 7, 6]],
    },
    { attributes: { out_channels: 6, kernel_size: 2, groups: 2 }, inputs: [[2, 4, 5, 5]] },
    { attributes: { out_channels: 4, kernel_size: 3, groups: 4, padding: 1 }, inputs: [[2, 4, 5, 5]] },
    { attributes: { out_channels: 2, kernel_size: 4, padding: 'same' }, inputs: [[2, 2, 5, 5]] },
    { attributes: { out_channels: 2, kernel_size: 2, stride: 3 }, inputs: [[2, 2, 7, 8]] },
    {
      attributes: {
        out_channels: 3,
        kernel_size: 2,
        connection_table: [
          [1, 0],
          [0, 1],
          [1, 1],
        ],
      },
      inputs: [[2, 2, 4, 4]],
    },
  ],
  examples: [
    {
      why: 'LeNet-5 C1: 6 x (1x5x5) + 6',
      attributes: { out_channels: 6, kernel_size: 5, padding: 2 },
      inputs: [['N', 1, 28, 28]],
      output: ['N', 6, 28, 28],
      params: 156,
      macs: 6 * 25 * 28 * 28,
    },
    {
      why: "LeNet-5's original C3: 60 connections x 25 taps + 16 biases = 1,516 parameters (LeCun et al. 1998)",
      attributes: { out_channels: 16, kernel_size: 5, connection_table: LENET5_C3_TABLE },
      inputs: [['N', 6, 14, 14]],
      output: ['N', 16, 10, 10],
      params: 1516,
      macs: 60 * 25 * 100,
    },
    {
      why: 'strided, dilated, grouped, asymmetric padding: H = floor((9+1+2-5)/2)+1 = 4, W = floor((9+0+0-5)/2)+1 = 3',
      attributes: {
        out_channels: 4,
        kernel_size: 3,
        stride: 2,
        dilation: 2,
        groups: 2,
        padding: [1, 0, 2, 0],
        bias: false,
      },
      inputs: [['N', 6, 9, 9]],
      output: ['N', 4, 4, 3],
      params: 4 * 3 * 9,
      macs: 4 * 3 * 9 * 12,
    },
    {
      why: "'same' padding keeps H and W",
      attributes: { out_channels: 8, kernel_size: 4, padding: 'same' },
      inputs: [['N', 3, 7, 7]],
      output: ['N', 8, 7, 7],
      params: 8 * 3 * 16 + 8,
    },
  ],
});
