import { choice, defineLayer, ints, int } from '../layer.ts';
import { BATCH } from '../tensor/shape.ts';

/** ONNX TensorProto.DataType codes of the element types. */
const ONNX_TYPES: Record<string, number> = {
  float32: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
};

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
      minLength: 0,
      doc: 'Per-sample shape without the batch: C, H, W for images, or features (empty: one number per sample).',
    }),
    batch_size: int({
      default: null,
      min: 1,
      nullable: true,
      doc: 'Fixed batch size; empty means any (shown as N).',
    }),
    dtype: choice({
      default: 'float32',
      options: ['float32', 'float16', 'float64', 'int64', 'int32', 'int8', 'uint8', 'bool'],
      doc: 'Element type of the data (imported models may take integer ids or float16).',
    }),
  },
  outputShape: (_inputs, a) => [a.batch_size ?? BATCH, ...a.shape],
  // The exporter declares a graph input with this name, the node's shape and its element type.
  toOnnx: ({ output, attrs, outputTypes }) => {
    if (attrs.dtype && attrs.dtype !== 'float32') outputTypes?.push(ONNX_TYPES[attrs.dtype]);
    return output;
  },
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
