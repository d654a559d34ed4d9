import { elementwiseLayer } from '../families/elementwise.ts';
import { simpleImport } from '../onnx/import/view.ts';

export default elementwiseLayer({
  type: 'Identity',
  category: 'other',
  torch: 'nn.Identity',
  summary: 'Passes its input through unchanged: a placeholder or a named junction.',
  attributes: {},
  // Nothing to compute: the exporter names the tensor if it is a graph output.
  gradient: ({ dy }) => ({ inputs: [dy], params: {} }),
  toOnnx: ({ inputs }) => inputs[0],
  fromOnnx: simpleImport('Identity', []),
  gradientCases: [{ attributes: {}, inputs: [[2, 3]] }],
});
