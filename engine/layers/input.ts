import { defineLayer, ints, int } from '../layer.ts';
import { BATCH } from '../tensor/shape.ts';

export default defineLayer({
  type: 'Input',
  category: 'input',
  summary:
    'Where data enters: the per-sample shape, e.g. 1x28x28 for an MNIST image (the batch dimension is added).',
  inputs: { names: [] },
  attributes: {
    shape: ints({
      default: [1, 28, 28],
      min: 1,
      minLength: 1,
      doc: 'Per-sample shape without the batch: C, H, W for images, or features.',
    }),
    batch_size: int({
      default: null,
      min: 1,
      nullable: true,
      doc: 'Fixed batch size; empty means any (shown as N).',
    }),
  },
  outputShape: (_inputs, a) => [a.batch_size ?? BATCH, ...a.shape],
  // The exporter declares a graph input with this name and the node's shape.
  toOnnx: ({ output }) => output,
  examples: [
    {
      why: 'an MNIST image',
      attributes: { shape: [1, 28, 28] },
      inputs: [],
      output: ['N', 1, 28, 28],
      params: 0,
    },
    { why: 'a fixed batch', attributes: { shape: [784], batch_size: 200 }, inputs: [], output: [200, 784] },
  ],
});
