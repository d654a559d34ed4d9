import { dims } from '../autodiff/ops.ts';
import { elementwiseLayer } from '../families/elementwise.ts';
import { float } from '../layer.ts';
import { DataType } from '../onnx/types.ts';
import {
  floatValues,
  isData,
  LEGACY,
  onlyAttrs,
  onlyOutputUsed,
  type OnnxImport,
  type OnnxMatch,
} from '../onnx/import/view.ts';
import { shortestFloat32 } from '../onnx/import/values.ts';

/** A single data input whose constant config inputs are all absent or as given. */
function dropoutImport(): OnnxImport {
  return {
    opTypes: ['Dropout'],
    read: (node): OnnxMatch | null => {
      if (!isData(node.inputs[0]) || !onlyOutputUsed(node)) return null;
      if (!onlyAttrs(node, ['ratio', 'seed', ...LEGACY])) return null;
      let ratio = node.attrs.float('ratio', 0.5);
      if (node.opset >= 12) {
        const r = node.inputs[1];
        if (r) {
          const v = floatValues(r);
          if (!v || v.length !== 1) return null;
          ratio = v[0];
        }
        // training_mode may be a constant either way (PyTorch's train-mode export sets it true):
        // Netwright's Dropout drops while training and not at inference.
        const t = node.inputs[2];
        if (t) {
          const c = t.value;
          if (!c || c.dtype !== DataType.BOOL || c.data.length !== 1) return null;
        }
      }
      return { attributes: { p: shortestFloat32(ratio) } };
    },
  };
}

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
    if (!ctx.training || ctx.frozen || ctx.attrs.p === 0) return ctx.inputs[0];
    ctx.saved.mask = ctx.stepInput('dropout-mask', dims(ctx.outputShape), ctx.attrs.p);
    return ctx.b.op('Mul', [ctx.inputs[0], ctx.saved.mask], {}, { name: ctx.node, output: ctx.output });
  },
  fromOnnx: dropoutImport(),
  gradientCases: [{ attributes: { p: 0.3 }, inputs: [[2, 10]] }],
});
