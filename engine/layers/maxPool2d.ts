import { defineLayer } from '../layer.ts';
import {
  poolAttributes,
  poolDilation,
  poolCheck,
  poolField,
  poolOutput,
  poolToOnnx,
  maxPoolGradient,
  poolImport,
  poolToTorch,
} from '../families/pool.ts';

export default defineLayer({
  type: 'MaxPool2d',
  category: 'pooling',
  torch: 'nn.MaxPool2d',
  toTorch: (ctx) => poolToTorch('nn.MaxPool2d', ctx),
  summary: 'Keeps the largest value in each window: downsamples and adds a little translation invariance.',
  inputs: { names: ['x'] },
  attributes: { ...poolAttributes(), dilation: poolDilation },
  check: (a, inputs) => poolCheck('MaxPool2d', a, inputs),
  outputShape: (inputs, a) => poolOutput(a, inputs),
  receptiveField: (_inputs, a) => poolField(a),
  gradient: (ctx) => maxPoolGradient(ctx),
  toOnnx: (ctx) => poolToOnnx('MaxPool', ctx),
  fromOnnx: poolImport('MaxPool'),
  gradientCases: [
    { attributes: { kernel_size: 2 }, inputs: [[2, 3, 6, 6]] },
    { attributes: { kernel_size: 3, stride: 2, padding: 1 }, inputs: [[2, 3, 6, 6]] },
    { attributes: { kernel_size: 3, stride: 2, ceil_mode: true }, inputs: [[2, 2, 6, 7]] },
    { attributes: { kernel_size: 2, stride: 1, dilation: 2, padding: 1 }, inputs: [[2, 2, 5, 5]] },
    { attributes: { kernel_size: 3, stride: 3, padding: 1, ceil_mode: true }, inputs: [[2, 2, 7, 8]] },
    { attributes: { kernel_size: 2, stride: 2, padding: 1 }, inputs: [[2, 2, 5, 5]] },
    { attributes: { kernel_size: 2, stride: 3, dilation: 2 }, inputs: [[2, 2, 7, 7]] },
  ],
  examples: [
    {
      why: 'halves H and W',
      attributes: { kernel_size: 2 },
      inputs: [['N', 6, 28, 28]],
      output: ['N', 6, 14, 14],
      params: 0,
      macs: 0,
    },
    {
      why: 'ceil_mode keeps the partial last window: ceil((8-3)/2)+1 = 4 (floor gives 3)',
      attributes: { kernel_size: 3, stride: 2, ceil_mode: true },
      inputs: [['N', 1, 8, 8]],
      output: ['N', 1, 4, 4],
    },
    {
      why: 'ResNet stem pool',
      attributes: { kernel_size: 3, stride: 2, padding: 1 },
      inputs: [['N', 64, 112, 112]],
      output: ['N', 64, 56, 56],
    },
  ],
});
