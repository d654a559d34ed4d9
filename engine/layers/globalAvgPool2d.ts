import { dims } from '../autodiff/ops.ts';
import { defineLayer } from '../layer.ts';
import { expectRank } from '../tensor/convShape.ts';
import { simpleImport } from '../onnx/import/view.ts';
import { rankOf } from '../onnx/import/view.ts';

export default defineLayer({
  type: 'GlobalAvgPool2d',
  category: 'pooling',
  torch: 'nn.AdaptiveAvgPool2d(1)',
  toTorch: () => ({ module: 'nn.AdaptiveAvgPool2d(1)' }),
  summary: 'Averages each channel over all of H and W to a 1x1 map (ResNet, Inception heads).',
  inputs: { names: ['x'] },
  attributes: {},
  check: (_a, inputs) => expectRank(inputs[0], 2, 'GlobalAvgPool2d'),
  outputShape: (inputs) => [inputs[0][0], inputs[0][1], 1, 1],
  receptiveField: () => ({ kind: 'global' }),
  // Every input cell gets dY / (H W).
  gradient: ({ b, dy, inputShapes }) => {
    const shape = dims(inputShapes[0]);
    const scaled = b.op('Mul', [dy, b.scalar(1 / (shape[2] * shape[3]))]);
    return { inputs: [b.op('Expand', [scaled, b.int64s('shape', shape)])], params: {} };
  },
  toOnnx: ({ b, inputs, node, output }) => b.op('GlobalAveragePool', inputs, {}, { name: node, output }),
  fromOnnx: simpleImport('GlobalAveragePool', [], (node) => (rankOf(node.inputs[0]) === 4 ? {} : null)),
  gradientCases: [{ attributes: {}, inputs: [[2, 3, 4, 5]] }],
  examples: [
    {
      why: 'ResNet-18 head',
      attributes: {},
      inputs: [['N', 512, 7, 7]],
      output: ['N', 512, 1, 1],
      params: 0,
    },
  ],
});
