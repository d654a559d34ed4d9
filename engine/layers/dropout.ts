import { dims } from '../autodiff/ops.ts';
import { elementwiseLayer } from '../families/elementwise.ts';
import { float } from '../layer.ts';
import { dropoutImport } from '../onnx/import/patterns.ts';

export default elementwiseLayer({
  type: 'Dropout',
  category: 'regularization',
  torch: 'nn.Dropout',
  summary:
    'In training, zeroes each element with probability p and scales the rest by 1/(1−p); does nothing at inference.',
  attributes: {
    p: float({ default: 0.5, min: 0, max: 1, exclusiveMax: true, doc: 'Probability of zeroing an element.' }),
  },
  gradient: ({ b, dy, saved }) => ({ inputs: [saved.mask ? b.op('Mul', [dy, saved.mask]) : dy], params: {} }),
  // Inference graphs drop Dropout. Training multiplies by a mask the trainer draws from a seeded
  // generator (already scaled by 1/(1-p)): onnxruntime's own Dropout seed is not reproducible.
  toOnnx: (ctx) => {
    if (!ctx.training || ctx.attrs.p === 0) return ctx.inputs[0];
    ctx.saved.mask = ctx.stepInput('dropout-mask', dims(ctx.outputShape), ctx.attrs.p);
    return ctx.b.op('Mul', [ctx.inputs[0], ctx.saved.mask], {}, { name: ctx.node, output: ctx.output });
  },
  fromOnnx: dropoutImport(),
  gradientCases: [{ attributes: { p: 0.3 }, inputs: [[2, 10]] }],
});
