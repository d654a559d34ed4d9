// The import of what PyTorch 1.13 writes for one layer of nn.LSTM / nn.GRU (engine/families/
// recurrent.ts holds the rest of the two layers).
import type { NodeView, OnnxMatch } from '../onnx/import/view.ts';
import { floatValues, isData, onlyAttrs } from '../onnx/import/view.ts';
import type { Cell } from './recurrent.ts';

// Import: [Transpose(1, 0, 2)] -> LSTM/GRU -> Squeeze(axis 1) -> [Transpose(1, 0, 2)], as PyTorch
// writes one layer of a batch_first (or time-first) module; initial states absent or zero.

const isPerm102 = (n: NodeView | undefined) =>
  n?.opType === 'Transpose' && JSON.stringify(n.attrs.ints('perm') ?? []) === '[1,0,2]';

function only(n: NodeView): NodeView | undefined {
  const readers = n.consumers(0);
  return readers.length === 1 && !n.isGraphOutput(0) ? readers[0] : undefined;
}

function allZero(v: NodeView['inputs'][number]): boolean {
  if (!v) return true;
  const values = floatValues(v);
  return !!values && values.every((x) => x === 0);
}

/** PyTorch's row order from ONNX's: block perm[k] of the result is ONNX block k. */
function torchRows(values: Float32Array, cell: Cell, hidden: number, width: number): Float32Array {
  const out = new Float32Array(values.length);
  const block = hidden * width;
  cell.perm.forEach((g, k) => out.set(values.subarray(k * block, (k + 1) * block), g * block));
  return out;
}

function readCell(
  cell: Cell,
  n: NodeView,
): { attributes: Record<string, number | boolean>; params: Record<string, Float32Array> } | null {
  const [x, w, r, bias, seqLens, h0, c0] = n.inputs;
  const allowed = ['hidden_size', 'direction', ...Object.keys(cell.opAttrs)];
  if (!isData(x) || seqLens || !allZero(h0) || !allZero(c0) || !onlyAttrs(n, allowed)) return null;
  const direction = n.attrs.string('direction', 'forward');
  if (direction !== 'forward' && direction !== 'bidirectional') return null;
  for (const [k, v] of Object.entries(cell.opAttrs)) if (n.attrs.int(k, 0) !== v) return null;
  const D = direction === 'bidirectional' ? 2 : 1;
  const H = n.attrs.int('hidden_size', 0);
  const rows = cell.gates * H;
  const wv = floatValues(w);
  const rv = floatValues(r);
  const bv = bias ? floatValues(bias) : undefined;
  const inF = w?.value?.dims?.[2];
  if (!wv || !rv || !inF || wv.length !== D * rows * inF || rv.length !== D * rows * H) return null;
  if (bias && bv?.length !== D * 2 * rows) return null;
  const params: Record<string, Float32Array> = {};
  for (const [k, suffix] of ['', '_reverse'].slice(0, D).entries()) {
    const part = (v: Float32Array, size: number) => v.subarray(k * size, (k + 1) * size);
    params[`weight_ih_l0${suffix}`] = torchRows(part(wv, rows * inF), cell, H, inF);
    params[`weight_hh_l0${suffix}`] = torchRows(part(rv, rows * H), cell, H, H);
    if (bv) {
      const both = part(bv, 2 * rows);
      params[`bias_ih_l0${suffix}`] = torchRows(both.subarray(0, rows), cell, H, 1);
      params[`bias_hh_l0${suffix}`] = torchRows(both.subarray(rows), cell, H, 1);
    }
  }
  const attributes = { hidden_size: H, num_layers: 1, bias: !!bias, bidirectional: D === 2 };
  return { attributes, params };
}

/** What follows the operator: Squeeze(axis 1), or Transpose(0, 2, 1, 3) and a Reshape for two directions. */
function statesAfter(rnn: NodeView, bidirectional: boolean): NodeView[] | null {
  const next = only(rnn);
  if (!bidirectional) {
    const axes = next?.inputs[1] ? constantInts(next.inputs[1]) : next?.attrs.ints('axes');
    return next?.opType === 'Squeeze' && JSON.stringify(axes) === '[1]' ? [next] : null;
  }
  if (next?.opType !== 'Transpose' || JSON.stringify(next.attrs.ints('perm')) !== '[0,2,1,3]') return null;
  const reshape = only(next);
  return reshape?.opType === 'Reshape' ? [next, reshape] : null;
}

export function recurrentImport(cell: Cell) {
  return {
    opTypes: [cell.op, 'Transpose'],
    read: (node: NodeView): OnnxMatch | null => {
      const batchFirst = node.opType === 'Transpose';
      if (batchFirst && (!isPerm102(node) || node.inputs.length !== 1)) return null;
      const rnn = batchFirst ? only(node) : node;
      if (rnn?.opType !== cell.op || (batchFirst && rnn.inputs[0]?.name !== node.outputs[0].name))
        return null;
      if (rnn.consumers(1).length || rnn.consumers(2).length) return null;
      const read = readCell(cell, rnn);
      const states = read && statesAfter(rnn, !!read.attributes.bidirectional);
      if (!read || !states) return null;
      const back = batchFirst ? only(states[states.length - 1]) : undefined;
      if (batchFirst && !isPerm102(back)) return null;
      // The Reshape's target is checked by the match: the layer's own shape must be the ONNX one.
      return {
        attributes: { ...read.attributes, batch_first: batchFirst },
        params: read.params,
        absorbs: batchFirst ? [rnn, ...states, back!] : states,
      };
    },
  };
}

function constantInts(v: NodeView['inputs'][number]): number[] | undefined {
  const data = v?.value?.data;
  return data ? Array.from(data as ArrayLike<number | bigint>, Number) : undefined;
}
