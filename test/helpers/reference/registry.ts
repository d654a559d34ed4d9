// The float64 reference, one entry per layer type: adding a layer to the engine means its layer
// file plus one entry here (the contract tests fail for a layer that has none). Each entry is
// re-derived from PyTorch's definitions and shares nothing with the engine but the attribute
// defaults.
import type { Attrs } from './attrs.ts';
import { attrInt, attrNumber } from './attrs.ts';
import { convNd, convTranspose2d } from './conv.ts';
import {
  dropout,
  elu,
  geluExact,
  geluTanh,
  leakyRelu,
  map,
  relu,
  selu,
  sigmoid,
  softmax,
} from './elementwise.ts';
import { add, concat, flatten, inputLayer, linear, reshape, subtract, zeroPad2d } from './layers.ts';
import { batchNorm, batchNormRunningUpdate, layerNorm } from './norm.ts';
import { avgPool2d, globalAvgPool2d, maxPool2d } from './pool.ts';
import { embedding, multiheadAttention, recurrent, upsample } from './sequence.ts';
import type { RefTensor } from './tensor.ts';

export type Mode = 'train' | 'eval';
export type Params = Record<string, RefTensor>;

export interface RefLayer {
  /** How many inputs: [min, max]. */
  arity: [number, number];
  /** The forward pass; Dropout in training mode reads opts.dropoutMask (0/1, the input's shape). */
  forward(
    a: Attrs,
    inputs: RefTensor[],
    params: Params,
    mode: Mode,
    opts: { dropoutMask?: RefTensor },
  ): RefTensor;
  /** Buffers after one training-mode pass (BatchNorm's running statistics); null when not tracked. */
  bufferUpdate?(a: Attrs, x: RefTensor, params: Params): Params | null;
}

/** A one-input layer from a function of its attributes and input. */
const unary = (f: (a: Attrs, x: RefTensor, params: Params, mode: Mode) => RefTensor): RefLayer => ({
  arity: [1, 1],
  forward: (a, [x], params, mode) => f(a, x, params, mode),
});
/** An element-wise activation. */
const pointwise = (f: (a: Attrs) => (v: number) => number) => unary((a, x) => map(x, f(a)));
const batchNormLayer = (type: 'BatchNorm1d' | 'BatchNorm2d'): RefLayer => ({
  ...unary((a, x, params, mode) => batchNorm(type, a, x, params, mode)),
  bufferUpdate: (a, x, params) => (a.track_running_stats ? batchNormRunningUpdate(type, a, x, params) : null),
});

export const REFERENCE: Record<string, RefLayer> = {
  Input: unary((a, x) => inputLayer(a, x)),
  Identity: pointwise(() => (v) => v),
  Linear: unary((a, x, params) => linear(a, x, params)),
  Conv1d: unary((a, x, params) => convNd(1, a, x, params)),
  Conv2d: unary((a, x, params) => convNd(2, a, x, params)),
  ConvTranspose2d: unary((a, x, params) => convTranspose2d(a, x, params)),
  MaxPool2d: unary((a, x) => maxPool2d(a, x)),
  AvgPool2d: unary((a, x) => avgPool2d(a, x)),
  GlobalAvgPool2d: unary((_a, x) => globalAvgPool2d(x)),
  Flatten: unary((a, x) => flatten(a, x)),
  Reshape: unary((a, x) => reshape(a, x)),
  ZeroPad2d: unary((a, x) => zeroPad2d(a, x)),
  ReLU: pointwise(() => relu),
  LeakyReLU: pointwise((a) => leakyRelu(attrNumber(a, 'negative_slope'))),
  Sigmoid: pointwise(() => sigmoid),
  Tanh: pointwise(() => Math.tanh),
  ELU: pointwise((a) => elu(attrNumber(a, 'alpha'))),
  SELU: pointwise(() => selu),
  // nn.Hardswish: x * relu6(x + 3) / 6.
  Hardswish: pointwise(() => (v) => (v * Math.min(Math.max(v + 3, 0), 6)) / 6),
  GELU: pointwise((a) => {
    const approx = a.approximate ?? 'none';
    if (approx === 'none') return geluExact;
    if (approx === 'tanh') return geluTanh;
    throw new Error(`GELU approximate must be 'none' or 'tanh', got ${JSON.stringify(approx)}`);
  }),
  Softmax: unary((a, x) => softmax(x, attrInt(a, 'dim'), false)),
  LogSoftmax: unary((a, x) => softmax(x, attrInt(a, 'dim'), true)),
  Dropout: { arity: [1, 1], forward: (a, [x], _p, mode, opts) => dropout(a, x, mode, opts.dropoutMask) },
  BatchNorm1d: batchNormLayer('BatchNorm1d'),
  BatchNorm2d: batchNormLayer('BatchNorm2d'),
  LayerNorm: unary((a, x, params) => layerNorm(a, x, params)),
  Add: { arity: [2, Infinity], forward: (_a, inputs) => add(inputs) },
  Subtract: { arity: [2, 2], forward: (_a, [x, y]) => subtract(x, y) },
  Concat: { arity: [2, Infinity], forward: (a, inputs) => concat(a, inputs) },
  Embedding: unary((a, x, params) => embedding(a, x, params)),
  Upsample: unary((a, x) => upsample(a, x)),
  LSTM: unary((a, x, params) => recurrent('LSTM', a, x, params)),
  GRU: unary((a, x, params) => recurrent('GRU', a, x, params)),
  MultiheadAttention: unary((a, x, params) => multiheadAttention(a, x, params)),
};
