// Softmax/LogSoftmax: the dim check and the ONNX import pattern they share.
import type { Problem } from '../diagnostics.ts';
import { problem } from '../diagnostics.ts';
import type { Shape } from '../tensor/shape.ts';
import { rankOf, simpleImport, type OnnxImport } from '../onnx/import/view.ts';

/** dim must name an existing axis (PyTorch allows -rank..rank-1). */
export function softmaxDimCheck(dim: number, x: Shape): Problem | null {
  return dim < -x.length || dim >= x.length
    ? problem(
        `dim ${dim} is outside the ${x.length}-d input; use a value from ${-x.length} to ${x.length - 1}.`,
        'dim',
      )
    : null;
}

/**
 * Softmax / LogSoftmax along `dim`. Before opset 13 ONNX flattens the input to 2-D at `axis`, which
 * is the same as normalising along one dim only when that dim is the last.
 */
export function softmaxImport(opType: 'Softmax' | 'LogSoftmax'): OnnxImport {
  return simpleImport(opType, ['axis'], (node) => {
    const rank = rankOf(node.inputs[0]);
    if (rank === undefined) return null;
    const axis = node.attrs.int('axis', node.opset < 13 ? 1 : -1);
    const ax = axis < 0 ? axis + rank : axis;
    if (ax < 0 || ax >= rank) return null;
    // The 2-D coercion normalises dims ax.. together: one dim when the rest are all 1.
    const trailing = node.inputs[0]!.shape!.slice(ax + 1);
    if (node.opset < 13) return trailing.every((d) => d === 1) ? { dim: ax } : null;
    return { dim: axis };
  });
}
