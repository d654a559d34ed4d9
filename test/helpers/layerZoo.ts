// One small network with every layer type the PyTorch exporter spells (asymmetric and 'same'
// padding, dilation, groups, ceil_mode, a connection table, LayerNorm without bias, GELU's tanh
// form ...), for checks that should cover every spelling at once.
import { getLayer, GraphBuilder, newDocument, type ProjectDocument } from '../../engine/index.ts';
import type { Rng } from '../../engine/data/index.ts';

export function layerZoo(): ProjectDocument {
  const b = new GraphBuilder();
  const x = b.input([3, 12, 12]);
  const a = b.chain(x, [
    ['Conv2d', { out_channels: 8, kernel_size: 3, padding: [0, 1, 1, 2] }],
    ['BatchNorm2d', { momentum: 0.2 }],
    ['ELU', { alpha: 0.5 }],
  ]);
  const side = b.chain(x, [
    ['ZeroPad2d', { padding: [1, 0, 2, 1] }],
    ['Conv2d', { out_channels: 8, kernel_size: [5, 1], bias: false }],
    ['LeakyReLU', { negative_slope: 0.2 }],
  ]);
  const merged = b.chain(b.add('Add', {}, [a, side]), [
    ['AvgPool2d', { kernel_size: 2, padding: 1, ceil_mode: true, count_include_pad: false }],
    ['ConvTranspose2d', { out_channels: 4, kernel_size: 3, stride: 2, padding: 1, output_padding: 1 }],
    ['Conv2d', { out_channels: 6, kernel_size: 3, padding: 'same', groups: 2, dilation: 2 }],
    ['SELU'],
    [
      'Conv2d',
      {
        out_channels: 4,
        kernel_size: 1,
        connection_table: [
          [1, 1, 0, 0, 0, 0],
          [0, 0, 1, 1, 0, 0],
          [0, 0, 0, 0, 1, 1],
          [1, 0, 1, 0, 1, 0],
        ],
      },
    ],
    ['MaxPool2d', { kernel_size: 3, stride: 2, padding: 1, dilation: 1 }],
    ['Tanh'],
    ['GlobalAvgPool2d'],
    ['Flatten'],
    ['Linear', { out_features: 16 }],
    ['LayerNorm', { bias: false }],
    ['GELU', { approximate: 'tanh' }],
    ['Dropout', { p: 0 }],
    ['Identity'],
  ]);
  const seq = b.chain(merged, [
    ['Reshape', { shape: [2, 8] }],
    ['Conv1d', { out_channels: 4, kernel_size: 3, padding: 1 }],
    ['BatchNorm1d'],
    ['Sigmoid'],
    ['Flatten'],
  ]);
  const joined = b.add('Concat', { dim: 1 }, [merged, seq]);
  const left = b.chain(joined, [['Linear', { out_features: 10 }]]);
  const right = b.chain(joined, [['Linear', { out_features: 10, bias: false }], ['ReLU']]);
  b.add('Subtract', {}, [left, right]);
  return newDocument('Layer zoo', b.graph);
}

/**
 * The sequence layers in one network: ids through an Embedding, a stacked GRU, causal attention, a
 * bidirectional LSTM, two-head attention without biases, then the
 * states as a one-channel image through both Upsample modes, and a classifier with 5 classes.
 */
export function sequenceZoo(): ProjectDocument {
  const b = new GraphBuilder();
  b.chain(b.input([6]), [
    ['Embedding', { num_embeddings: 10, embedding_dim: 4, padding_idx: 0 }],
    ['GRU', { hidden_size: 5, num_layers: 2 }],
    ['MultiheadAttention', { embed_dim: 5, is_causal: true }],
    ['LSTM', { hidden_size: 2, bias: false, bidirectional: true }],
    ['MultiheadAttention', { embed_dim: 4, num_heads: 2, bias: false }],
    ['Reshape', { shape: [1, 6, 4] }],
    ['Upsample', { scale_factor: 2, mode: 'bilinear' }],
    ['Upsample', { scale_factor: [1, 2] }],
    ['Flatten'],
    ['Linear', { out_features: 5 }],
  ]);
  return newDocument('Sequence zoo', b.graph);
}

/**
 * Random data for an Input node: N(0, 1), or whole ids in range where the layer it feeds takes
 * ids (an Embedding).
 */
export function inputValues(doc: ProjectDocument, inputId: string, count: number, rng: Rng): Float32Array {
  const edge = doc.graph.edges.find((e) => e.source === inputId);
  const reader = edge && doc.graph.nodes.find((n) => n.id === edge.target);
  const ids = reader && getLayer(reader.type)?.indexInputs?.(reader.attributes as never)[edge.targetPort];
  return Float32Array.from({ length: count }, () => (ids ? Math.floor(rng.next() * ids) : rng.normal(0, 1)));
}
