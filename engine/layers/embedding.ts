import { reshape, zeros } from '../autodiff/ops.ts';
import { problem } from '../diagnostics.ts';
import { call } from '../export/pytorch/python.ts';
import { defineLayer, int } from '../layer.ts';
import { floatValues, isData, onlyAttrs, type NodeView, type OnnxMatch } from '../onnx/import/view.ts';
import { DataType } from '../onnx/types.ts';

/** padding_idx as a row number: PyTorch accepts -num_embeddings <= padding_idx < num_embeddings. */
const paddingRow = (a: { num_embeddings: number; padding_idx: number | null }) =>
  a.padding_idx === null ? null : a.padding_idx < 0 ? a.padding_idx + a.num_embeddings : a.padding_idx;

/** Gather(constant 2-d table, ids) along axis 0; `port` is the input the layer reads. */
function lookup(gather: NodeView, port: number): OnnxMatch | null {
  const table = floatValues(gather.inputs[0]);
  const dims = gather.inputs[0]?.value?.dims;
  const ids = gather.inputs[1];
  if (!table || dims?.length !== 2 || !isData(ids) || ids.value) return null;
  if (!onlyAttrs(gather, ['axis']) || gather.attrs.int('axis', 0) !== 0) return null;
  return {
    attributes: { num_embeddings: dims[0], embedding_dim: dims[1] },
    params: { weight: table },
    inputs: [port],
  };
}

export default defineLayer({
  type: 'Embedding',
  category: 'linear',
  torch: 'nn.Embedding',
  // Netwright's data arrives as float32, so the exported forward casts the ids as the ONNX graph does.
  toTorch: ({ attrs: a }) => ({
    module: call('nn.Embedding', [a.num_embeddings, a.embedding_dim], [['padding_idx', a.padding_idx, null]]),
    call: (self, [x]) => `${self}(${x}.long())`,
  }),
  summary: 'A lookup table: each integer id in the input becomes a learned vector of embedding_dim numbers.',
  inputs: { names: ['indices'] },
  attributes: {
    num_embeddings: int({
      default: 10,
      min: 1,
      doc: 'Size of the vocabulary: ids run from 0 to num_embeddings - 1.',
    }),
    embedding_dim: int({ default: 8, min: 1, doc: 'Length of each learned vector.' }),
    padding_idx: int({
      default: null,
      nullable: true,
      min: -(2 ** 31),
      doc: 'An id whose vector starts at zero and is never trained (padding); empty for none. Negative counts from the end.',
    }),
  },
  check: (a) =>
    a.padding_idx !== null && (a.padding_idx >= a.num_embeddings || a.padding_idx < -a.num_embeddings)
      ? problem(
          `padding_idx ${a.padding_idx} is outside the vocabulary; use an id from ${-a.num_embeddings} to ${a.num_embeddings - 1}, or leave it empty.`,
          'padding_idx',
        )
      : null,
  outputShape: (inputs, a) => [...inputs[0], a.embedding_dim],
  indexInputs: (a) => [a.num_embeddings],
  parameters: (_inputs, a) => {
    const row = paddingRow(a);
    return [
      {
        name: 'weight',
        shape: [a.num_embeddings, a.embedding_dim],
        role: 'weight',
        init: 'normal',
        ...(row === null ? {} : { zeroRow: row }),
      },
    ];
  },
  // A lookup multiplies nothing.
  macs: () => 0,
  // Each output position is its own id's vector: position-wise along the sequence.
  receptiveField: () => ({ kind: 'identity' }),
  toOnnx: ({ b, inputs, params, node, output, outputTypes }) => {
    // float32 vectors out, whatever type the ids came in.
    outputTypes?.push(DataType.FLOAT);
    const ids = b.op('Cast', [inputs[0]], { to: DataType.INT64 }, { name: `${node}/ids` });
    return b.op('Gather', [params.weight, ids], { axis: 0 }, { name: node, output });
  },
  // dW[id] += dY at every position holding id (ScatterND with reduction add, opset 16+); the
  // padding row gets no gradient, as in PyTorch. The ids themselves have no gradient.
  gradient: ({ b, dy, inputs, attrs }) => {
    const ids = b.op('Cast', [inputs[0]], { to: DataType.INT64 });
    const rows = reshape(b, ids, [-1, 1]);
    const updates = reshape(b, dy, [-1, attrs.embedding_dim]);
    const table = zeros(b, [attrs.num_embeddings, attrs.embedding_dim]);
    let dW = b.op('ScatterND', [table, rows, updates], { reduction: 'add' });
    const row = paddingRow(attrs);
    if (row !== null) {
      const keep = new Float32Array(attrs.num_embeddings).fill(1);
      keep[row] = 0;
      dW = b.op('Mul', [dW, b.floats('keep_rows', [attrs.num_embeddings, 1], keep)]);
    }
    return { inputs: [null], params: { weight: dW } };
  },
  minOpset: 13,
  // PyTorch writes Gather(weight, ids) with the table as a constant (padding_idx is not recorded);
  // our own export casts float ids first: Cast(to int64) -> Gather, read from the Cast.
  fromOnnx: {
    opTypes: ['Gather', 'Cast'],
    read: (node) => {
      if (node.opType === 'Gather') return lookup(node, 1);
      if (!onlyAttrs(node, ['to']) || node.attrs.int('to', 0) !== DataType.INT64) return null;
      if (!isData(node.inputs[0]) || node.isGraphOutput(0)) return null;
      const readers = node.consumers(0);
      const gather = readers.length === 1 && readers[0].opType === 'Gather' ? readers[0] : null;
      const match = gather && lookup(gather, 0);
      return match && { ...match, inputs: [0], absorbs: [gather] };
    },
  },
  gradientCases: [
    { attributes: { num_embeddings: 7, embedding_dim: 3 }, inputs: [[2, 5]] },
    // padding_idx is checked against PyTorch (test/unit/layers-sequence.test.ts): its row gets no
    // gradient by definition, which finite differences of the forward pass cannot show.
    { attributes: { num_embeddings: 5, embedding_dim: 4 }, inputs: [[3, 2, 4]] },
  ],
  examples: [
    {
      why: 'a character vocabulary of 65 ids as 32-number vectors, over 100 steps',
      attributes: { num_embeddings: 65, embedding_dim: 32 },
      inputs: [['N', 100]],
      output: ['N', 100, 32],
      params: 65 * 32,
      macs: 0,
    },
    {
      why: 'one id per sample, the last id padding',
      attributes: { num_embeddings: 10, embedding_dim: 4, padding_idx: -1 },
      inputs: [['N']],
      output: ['N', 4],
      params: 40,
    },
  ],
});
