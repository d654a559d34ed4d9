import { dims, reshape } from '../autodiff/ops.ts';
import { defineLayer, int } from '../layer.ts';
import { problem } from '../diagnostics.ts';
import type { Dim } from '../tensor/shape.ts';
import { isKnown, reshapeTarget } from '../tensor/shape.ts';
import { isData, onlyAttrs } from '../onnx/import/view.ts';
import { reshapeKeepsBatch } from '../families/reshape.ts';

const axis = (d: number, rank: number) => (d < 0 ? d + rank : d);
const a_ = (d: number | null) => d as number;

export default defineLayer({
  type: 'Flatten',
  category: 'reshape',
  torch: 'nn.Flatten',
  summary:
    'Joins dimensions start_dim..end_dim into one, e.g. (N, 16, 5, 5) → (N, 400) before a Linear layer.',
  inputs: { names: ['x'] },
  attributes: {
    start_dim: int({ default: 1, doc: 'First dimension to join (1 keeps the batch).' }),
    end_dim: int({ default: -1, doc: 'Last dimension to join (-1: the last).' }),
  },
  outputShape: (inputs, a) => {
    const x = inputs[0];
    const s = axis(a.start_dim, x.length);
    const e = axis(a.end_dim, x.length);
    if (s < 0 || s >= x.length)
      return problem(`start_dim ${a.start_dim} is outside the ${x.length}-d input.`, 'start_dim');
    if (e < s || e >= x.length)
      return problem(
        `end_dim ${a.end_dim} must be at or after start_dim in the ${x.length}-d input.`,
        'end_dim',
      );
    const joined = x.slice(s, e + 1);
    const size: Dim = joined.every(isKnown) ? joined.reduce((p, d) => p * (d as number), 1) : '?';
    return [...x.slice(0, s), size, ...x.slice(e + 1)];
  },
  receptiveField: (inputs) => (inputs[0].length > 2 ? { kind: 'global' } : { kind: 'identity' }),
  // ONNX Flatten always yields 2-D, so only the default (start_dim 1 to the end) maps onto it.
  gradient: ({ b, dy, inputShapes }) => ({ inputs: [reshape(b, dy, dims(inputShapes[0]))], params: {} }),
  toOnnx: ({ b, inputs, inputShapes, outputShape, attrs, node, output }) => {
    const rank = inputShapes[0].length;
    if (axis(a_(attrs.start_dim), rank) === 1 && axis(a_(attrs.end_dim), rank) === rank - 1)
      return b.op('Flatten', inputs, { axis: 1 }, { name: node, output });
    return b.op(
      'Reshape',
      [inputs[0], b.int64s(`${node}.shape`, reshapeTarget(outputShape))],
      {},
      { name: node, output },
    );
  },
  // ONNX Flatten at axis 1, or a Reshape that keeps the batch and joins the rest, e.g. PyTorch's
  // x.view(x.size(0), -1) (Shape -> Gather -> Unsqueeze -> Concat -> Reshape).
  fromOnnx: {
    opTypes: ['Flatten', 'Reshape'],
    read: (node) => {
      const x = node.inputs[0];
      if (!isData(x) || !x.shape || x.shape.length < 2) return null;
      if (node.opType === 'Flatten') {
        const axis = node.attrs.int('axis', 1);
        return onlyAttrs(node, ['axis']) && (axis < 0 ? axis + x.shape.length : axis) === 1
          ? { attributes: { start_dim: 1, end_dim: -1 } }
          : null;
      }
      const out = node.outputs[0].shape;
      if (!onlyAttrs(node, ['allowzero', 'shape', 'consumed_inputs'])) return null;
      return out && out.length === 2 && x.shape.length > 2 && reshapeKeepsBatch(node)
        ? { attributes: { start_dim: 1, end_dim: -1 } }
        : null;
    },
  },
  gradientCases: [
    { attributes: {}, inputs: [[2, 3, 2, 2]] },
    { attributes: { start_dim: 2 }, inputs: [[2, 3, 2, 2]] },
  ],
  examples: [
    {
      why: 'LeNet-5: 16x5x5 = 400',
      attributes: {},
      inputs: [['N', 16, 5, 5]],
      output: ['N', 400],
      params: 0,
    },
    { why: 'partial', attributes: { start_dim: 2 }, inputs: [['N', 3, 4, 5]], output: ['N', 3, 20] },
  ],
});
