// Reshape-like layers (Flatten, Reshape): what their ONNX import patterns share.
import type { NodeView } from '../onnx/import/view.ts';

/**
 * Whether a Reshape keeps the batch dimension as it is: its target's first entry copies it (0),
 * names the same size or symbol, or is -1 with every other entry fixed (so -1 can only be the batch).
 */
export function reshapeKeepsBatch(node: NodeView): boolean {
  const x = node.inputs[0]?.shape;
  if (!x || !x.length) return false;
  const allowZero = node.attrs.int('allowzero', 0) === 1;
  const t =
    node.opset < 5
      ? node.attrs.ints('shape')
      : node.inputs[1]?.value
        ? Array.from(node.inputs[1].value.data as ArrayLike<number | bigint>, Number)
        : node.inputs[1]?.sym;
  if (!t || !t.length) return false;
  if (t.slice(1).some((d) => typeof d !== 'number')) return false;
  const first = t[0];
  if (first === 0 && !allowZero) return true;
  if (first === x[0]) return true;
  if (first === -1) {
    const rest = t.slice(1) as number[];
    const perSample = x.slice(1);
    return (
      rest.every((d) => d > 0) &&
      perSample.every((d) => typeof d === 'number') &&
      rest.reduce((p, d) => p * d, 1) === perSample.reduce((p: number, d) => p * (d as number), 1)
    );
  }
  return false;
}
