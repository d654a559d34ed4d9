import { dims, reshape } from '../autodiff/ops.ts';
import { defineLayer, ints } from '../layer.ts';
import { problem } from '../diagnostics.ts';
import { isKnown, perSampleElements, reshapeTarget, shapesEqual } from '../tensor/shape.ts';
import { isData, onlyAttrs } from '../onnx/import/view.ts';
import { reshapeKeepsBatch } from '../families/reshape.ts';

export default defineLayer({
  type: 'Reshape',
  category: 'reshape',
  torch: 'Tensor.view',
  toTorch: ({ attrs }) => ({ expression: ([x]) => `${x}.reshape(${x}.size(0), ${attrs.shape!.join(', ')})` }),
  summary: 'Gives each sample a new shape with the same number of elements; one entry may be -1 (inferred).',
  inputs: { names: ['x'] },
  attributes: {
    shape: ints({
      default: [-1],
      min: -1,
      minLength: 1,
      doc: 'Per-sample target shape (the batch is kept); one -1 is inferred.',
    }),
  },
  outputShape: (inputs, a) => {
    const x = inputs[0];
    const target = a.shape;
    if (target.includes(0))
      return problem('a 0 in shape would make an empty tensor; use positive sizes or one -1.', 'shape');
    const free = target.filter((d) => d === -1).length;
    if (free > 1) return problem('only one entry of shape may be -1.', 'shape');
    const total = perSampleElements(x);
    if (!Number.isFinite(total)) return [x[0], ...target.map((d) => (d === -1 ? '?' : d))];
    const known = target.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
    if (free ? total % known !== 0 : known !== total)
      return problem(
        `a sample has ${total} elements, which can't be viewed as [${target.join(', ')}]; the sizes must multiply to ${total}.`,
        'shape',
      );
    return [x[0], ...target.map((d) => (d === -1 ? total / known : d))];
  },
  receptiveField: (inputs, a) => {
    const out = [inputs[0][0], ...a.shape];
    return out.every((d) => isKnown(d) || d === inputs[0][0]) && shapesEqual(out, inputs[0])
      ? { kind: 'identity' }
      : { kind: 'global' };
  },
  gradient: ({ b, dy, inputShapes }) => ({ inputs: [reshape(b, dy, dims(inputShapes[0]))], params: {} }),
  toOnnx: ({ b, inputs, outputShape, node, output }) =>
    b.op(
      'Reshape',
      [inputs[0], b.int64s(`${node}.shape`, reshapeTarget(outputShape))],
      {},
      { name: node, output },
    ),
  // A Reshape whose target keeps the batch and fixes every other size.
  fromOnnx: {
    opTypes: ['Reshape'],
    read: (node) => {
      const out = node.outputs[0].shape;
      if (!isData(node.inputs[0]) || !onlyAttrs(node, ['allowzero', 'shape', 'consumed_inputs'])) return null;
      if (!out || out.length < 2 || !reshapeKeepsBatch(node)) return null;
      const rest = out.slice(1);
      return rest.every((d) => typeof d === 'number' && d >= 1)
        ? { attributes: { shape: rest as number[] } }
        : null;
    },
  },
  gradientCases: [{ attributes: { shape: [-1, 4] }, inputs: [[2, 3, 4, 2]] }],
  examples: [
    {
      why: 'flat MNIST to an image',
      attributes: { shape: [1, 28, 28] },
      inputs: [['N', 784]],
      output: ['N', 1, 28, 28],
      params: 0,
    },
    {
      why: 'one inferred size',
      attributes: { shape: [-1, 7] },
      inputs: [['N', 2, 7, 7]],
      output: ['N', 14, 7],
    },
  ],
});
