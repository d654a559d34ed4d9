import { bool, defineLayer } from '../layer.ts';
import {
  poolAttributes,
  poolCheck,
  poolField,
  poolOutput,
  poolToOnnx,
  avgPoolGradient,
  poolImport,
  poolToTorch,
} from '../families/pool.ts';

export default defineLayer({
  type: 'AvgPool2d',
  category: 'pooling',
  torch: 'nn.AvgPool2d',
  toTorch: (ctx) => poolToTorch('nn.AvgPool2d', ctx),
  summary: 'Averages each window: a fixed, strided box filter.',
  inputs: { names: ['x'] },
  attributes: {
    ...poolAttributes(),
    count_include_pad: bool({ default: true, doc: 'Count the zero padding in the average’s divisor.' }),
  },
  check: (a, inputs) => poolCheck('AvgPool2d', a, inputs),
  outputShape: (inputs, a) => poolOutput(a, inputs),
  receptiveField: (_inputs, a) => poolField(a),
  gradient: (ctx) => avgPoolGradient(ctx),
  toOnnx: (ctx) => poolToOnnx('AveragePool', ctx),
  fromOnnx: poolImport('AveragePool'),
  gradientCases: [
    { attributes: { kernel_size: 2 }, inputs: [[2, 3, 6, 6]] },
    { attributes: { kernel_size: 3, stride: 2, padding: 1 }, inputs: [[2, 3, 6, 6]] },
    {
      attributes: { kernel_size: 3, stride: 2, padding: 1, ceil_mode: true, count_include_pad: false },
      inputs: [[2, 2, 6, 7]],
    },
    { attributes: { kernel_size: 3, stride: 3, ceil_mode: true }, inputs: [[2, 2, 4, 7]] },
  ],
  examples: [
    {
      why: 'LeNet subsampling',
      attributes: { kernel_size: 2 },
      inputs: [['N', 6, 28, 28]],
      output: ['N', 6, 14, 14],
      params: 0,
    },
    {
      why: 'padded, ceil_mode: floor((5+2-3)/2)+1 = 3; ceil -> 3',
      attributes: { kernel_size: 3, stride: 2, padding: 1, ceil_mode: true, count_include_pad: false },
      inputs: [['N', 2, 5, 5]],
      output: ['N', 2, 3, 3],
    },
  ],
});
