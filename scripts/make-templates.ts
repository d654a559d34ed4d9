// Writes the starter documents in assets/templates/. The JSON files are what the app and the CLI
// load; this script is how they were made, so a change to a template is a change here.
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AttrValue, Graph, StoredTensor } from '../engine/index.ts';
import { GraphBuilder, LENET5_C3_TABLE, newDocument, serializeDocument } from '../engine/index.ts';
import { CHAR_VOCABULARY } from '../engine/data/index.ts';
import type { Lesson } from '../protocol/lesson.ts';
import { lessonSchema } from '../protocol/lesson.ts';
import { LESSONS } from './lessons.ts';
import { FILTER_TEMPLATES } from './filterTemplates.ts';
import { TEACHING_TEMPLATES } from './teachingTemplates.ts';

type L = [string, Record<string, AttrValue>?];
const conv = (out: number, k: number, more: Record<string, AttrValue> = {}): L => [
  'Conv2d',
  { out_channels: out, kernel_size: k, ...more },
];
const linear = (out: number): L => ['Linear', { out_features: out }];
const relu: L = ['ReLU'];

function mlp(): Graph {
  const b = new GraphBuilder();
  b.chain(b.input([1, 28, 28]), [['Flatten'], linear(512), relu, linear(512), relu, linear(10)]);
  return b.graph;
}

function spiralMlp(): Graph {
  const b = new GraphBuilder();
  b.chain(b.input([2]), [linear(32), relu, linear(32), relu, linear(3)]);
  return b.graph;
}

function lenet(table: boolean, classes = 10): Graph {
  const b = new GraphBuilder();
  b.chain(b.input([1, 28, 28]), [
    conv(6, 5, { padding: 2 }),
    relu,
    ['MaxPool2d', { kernel_size: 2 }],
    conv(16, 5, table ? { connection_table: LENET5_C3_TABLE } : {}),
    relu,
    ['MaxPool2d', { kernel_size: 2 }],
    ['Flatten'],
    linear(120),
    relu,
    linear(84),
    relu,
    linear(classes),
  ]);
  return b.graph;
}

function miniVgg(): Graph {
  const b = new GraphBuilder();
  const c = (out: number): L[] => [conv(out, 3, { padding: 1 }), relu];
  const pool: L = ['MaxPool2d', { kernel_size: 2 }];
  b.chain(b.input([3, 32, 32]), [
    ...c(64),
    pool,
    ...c(128),
    pool,
    ...c(256),
    ...c(256),
    pool,
    ['Flatten'],
    linear(10),
  ]);
  return b.graph;
}

function alexnet(): Graph {
  const b = new GraphBuilder();
  const pool: L = ['MaxPool2d', { kernel_size: 3, stride: 2 }];
  b.chain(b.input([3, 224, 224]), [
    conv(64, 11, { stride: 4, padding: 2 }),
    relu,
    pool,
    conv(192, 5, { padding: 2 }),
    relu,
    pool,
    conv(384, 3, { padding: 1 }),
    relu,
    conv(256, 3, { padding: 1 }),
    relu,
    conv(256, 3, { padding: 1 }),
    relu,
    pool,
    ['Flatten'],
    ['Dropout'],
    linear(4096),
    relu,
    ['Dropout'],
    linear(4096),
    relu,
    linear(1000),
  ]);
  return b.graph;
}

function vgg16(): Graph {
  const b = new GraphBuilder();
  const layers: L[] = [];
  for (const [n, out] of [
    [2, 64],
    [2, 128],
    [3, 256],
    [3, 512],
    [3, 512],
  ]) {
    for (let i = 0; i < n; i++) layers.push(conv(out, 3, { padding: 1 }), relu);
    layers.push(['MaxPool2d', { kernel_size: 2 }]);
  }
  layers.push(['Flatten'], linear(4096), relu, ['Dropout'], linear(4096), relu, ['Dropout'], linear(1000));
  b.chain(b.input([3, 224, 224]), layers);
  return b.graph;
}

function resnet18(): Graph {
  const b = new GraphBuilder();
  const bn: L = ['BatchNorm2d'];
  let x = b.chain(b.input([3, 224, 224]), [
    conv(64, 7, { stride: 2, padding: 3, bias: false }),
    bn,
    relu,
    ['MaxPool2d', { kernel_size: 3, stride: 2, padding: 1 }],
  ]);
  let channels = 64;
  for (const [out, stride] of [
    [64, 1],
    [128, 2],
    [256, 2],
    [512, 2],
  ]) {
    for (let block = 0; block < 2; block++) {
      const s = block === 0 ? stride : 1;
      const main = b.chain(x, [
        conv(out, 3, { stride: s, padding: 1, bias: false }),
        bn,
        relu,
        conv(out, 3, { padding: 1, bias: false }),
        bn,
      ]);
      const shortcut =
        s !== 1 || channels !== out ? b.chain(x, [conv(out, 1, { stride: s, bias: false }), bn]) : x;
      x = b.chain(b.add('Add', {}, [main, shortcut]), [relu]);
      channels = out;
    }
  }
  b.chain(x, [['GlobalAvgPool2d'], ['Flatten'], linear(1000)]);
  return b.graph;
}

/** GoogLeNet's inception (3a) on its 192x28x28 input (Szegedy et al. 2015, Table 1). */
function inception(bottleneck: boolean): Graph {
  const b = new GraphBuilder();
  const x = b.input([192, 28, 28]);
  const c = (out: number, k: number): L => conv(out, k, { padding: Math.floor(k / 2) });
  const branches = bottleneck
    ? [
        b.chain(x, [c(64, 1), relu]),
        b.chain(x, [c(96, 1), relu, c(128, 3), relu]),
        b.chain(x, [c(16, 1), relu, c(32, 5), relu]),
        b.chain(x, [['MaxPool2d', { kernel_size: 3, stride: 1, padding: 1 }], c(32, 1), relu]),
      ]
    : [
        b.chain(x, [c(64, 1), relu]),
        b.chain(x, [c(128, 3), relu]),
        b.chain(x, [c(32, 5), relu]),
        b.chain(x, [['MaxPool2d', { kernel_size: 3, stride: 1, padding: 1 }]]),
      ];
  b.add('Concat', {}, branches);
  return b.graph;
}

function deepMlp(activation: 'Sigmoid' | 'ReLU'): Graph {
  const b = new GraphBuilder();
  const hidden: L[] = [];
  for (let i = 0; i < 8; i++) hidden.push(linear(64), [activation]);
  b.chain(b.input([1, 28, 28]), [['Flatten'], ...hidden, linear(10)]);
  return b.graph;
}

function receptiveStack(): Graph {
  const b = new GraphBuilder();
  const c = conv(16, 3, { padding: 1 });
  const pool: L = ['MaxPool2d', { kernel_size: 2 }];
  b.chain(b.input([1, 32, 32]), [c, relu, c, relu, pool, c, relu, c, relu, pool]);
  return b.graph;
}

/**
 * Next-character prediction on the grammar text of `--data synthetic:chars`: 16 character ids,
 * each a learned vector, read by an LSTM whose every step's state the classifier sees.
 */
/** Embedding, LSTM (64), Linear over the flattened steps: the next character after `length` of them. */
function charLstm(length = 16): Graph {
  const b = new GraphBuilder();
  const vocabulary = CHAR_VOCABULARY.length;
  b.chain(b.input([length]), [
    ['Embedding', { num_embeddings: vocabulary, embedding_dim: 16 }],
    ['LSTM', { hidden_size: 64 }],
    ['Flatten'],
    linear(vocabulary),
  ]);
  return b.graph;
}

/**
 * A one-block transformer encoder over characters: causal self-attention and a position-wise
 * feed-forward network, each added back to its input and normalised (post-norm, as
 * nn.TransformerEncoderLayer), then a classifier over the flattened steps (which also tells the
 * positions apart: there is no positional encoding).
 */
function tinyTransformer(): Graph {
  const b = new GraphBuilder();
  const vocabulary = CHAR_VOCABULARY.length;
  const width = 32;
  const emb = b.add('Embedding', { num_embeddings: vocabulary, embedding_dim: width }, b.input([16]));
  const attention = b.add('MultiheadAttention', { embed_dim: width, num_heads: 4, is_causal: true }, emb);
  const norm1 = b.add('LayerNorm', { normalized_shape: [width] }, b.add('Add', {}, [emb, attention]));
  const ff = b.chain(norm1, [linear(2 * width), relu, linear(width)]);
  const norm2 = b.add('LayerNorm', { normalized_shape: [width] }, b.add('Add', {}, [norm1, ff]));
  b.chain(norm2, [['Flatten'], linear(vocabulary)]);
  return b.graph;
}

/** A GRU reads a window of the noisy sine; a Linear over all its states forecasts the next value. */
function gruForecaster(): Graph {
  const b = new GraphBuilder();
  b.chain(b.input([24, 1]), [['GRU', { hidden_size: 32 }], ['Flatten'], linear(1)]);
  return b.graph;
}

/**
 * A small U-Net: a 28×28 encoder level, one pooled level, Upsample back to 28×28, the encoder's
 * features joined on as a skip connection, and a 1×1 convolution to one
 * channel of pixels. No Sigmoid at the end: with one, Adam drove every output to 0 in the first epoch.
 */
function unetDenoiser(): Graph {
  const b = new GraphBuilder();
  const encoder = b.chain(b.input([1, 28, 28]), [conv(8, 3, { padding: 1 }), relu]);
  const middle = b.chain(encoder, [['MaxPool2d', { kernel_size: 2 }], conv(16, 3, { padding: 1 }), relu]);
  const up = b.add('Upsample', { scale_factor: 2 }, middle);
  const skip = b.add('Concat', { dim: 1 }, [encoder, up]);
  b.chain(skip, [conv(8, 3, { padding: 1 }), relu, conv(1, 1)]);
  return b.graph;
}

/** The template whose weights scripts/pretrain-digits.ts trains and writes; this script leaves it alone. */
export const PRETRAINED = 'transfer-digits';

export interface TemplateSpec {
  title: string;
  description: string;
  build: () => Graph;
  lesson?: Lesson;
  /** Explicit weights typed in by the lesson's author (node id -> parameter -> tensor). */
  weights?: (graph: Graph) => Record<string, Record<string, StoredTensor>>;
}

export const templates: Record<string, TemplateSpec> = {
  mlp: {
    title: 'MLP 784-512-512-10',
    description: 'A multilayer perceptron for MNIST: two hidden ReLU layers of 512.',
    build: mlp,
  },
  lenet5: {
    title: 'LeNet-5',
    description: 'LeCun et al. 1998, with ReLU and max pooling: 61,706 parameters.',
    build: () => lenet(false),
    lesson: LESSONS.lenet,
  },
  'lenet5-c3': {
    title: 'LeNet-5 (original C3 table)',
    description:
      'LeNet-5 whose second convolution uses the 1998 paper’s connection table: 60 of 96 channel pairs, 1,516 parameters instead of 2,416.',
    build: () => lenet(true),
    lesson: LESSONS.lenetC3,
  },
  'mini-vgg': {
    title: 'Mini-VGG (CIFAR-10)',
    description: 'Four 3x3 convolutions with pooling on 3x32x32, as in the benchmarks.',
    build: miniVgg,
  },
  alexnet: { title: 'AlexNet', description: 'torchvision’s AlexNet on 3x224x224.', build: alexnet },
  vgg16: {
    title: 'VGG-16',
    description: 'Simonyan & Zisserman 2014, configuration D: 138,357,544 parameters.',
    build: vgg16,
  },
  resnet18: {
    title: 'ResNet-18',
    description: 'He et al. 2015 as in torchvision: 11,689,512 parameters, 1.81 G MACs at 224.',
    build: resnet18,
  },
  'inception-naive': {
    title: 'Inception module (naive)',
    description: 'Inception (3a) without 1x1 reductions: count the cost.',
    build: () => inception(false),
    lesson: LESSONS.inceptionNaive,
  },
  'inception-bottleneck': {
    title: 'Inception module (1x1 bottlenecks)',
    description: 'Inception (3a) as in GoogLeNet, with 1x1 reductions before the 3x3 and 5x5 convolutions.',
    build: () => inception(true),
    lesson: LESSONS.inceptionBottleneck,
  },
  'deep-sigmoid-mlp': {
    title: 'Deep sigmoid MLP',
    description: 'Eight sigmoid layers of 64: the early layers’ gradients vanish.',
    build: () => deepMlp('Sigmoid'),
    lesson: LESSONS.vanishingSigmoid,
  },
  'deep-relu-mlp': {
    title: 'Deep ReLU MLP',
    description:
      'The deep sigmoid MLP with ReLU instead: same depth and width, gradients that reach the first layers.',
    build: () => deepMlp('ReLU'),
    lesson: LESSONS.vanishingRelu,
  },
  'mlp-random-labels': {
    title: 'MLP on random labels',
    description: 'The 784-512-512-10 MLP set up to memorize 1,000 digits whose labels are random.',
    build: mlp,
    lesson: LESSONS.randomLabels,
  },
  'spiral-mlp': {
    title: 'Spiral MLP 2-32-32-3',
    description: 'A small MLP for the three-arm spiral: watch its decision boundary form while it trains.',
    build: spiralMlp,
    lesson: LESSONS.spiral,
  },
  'receptive-field-stack': {
    title: 'Receptive-field stack',
    description:
      'conv3x3, conv3x3, maxpool2, conv3x3, conv3x3, maxpool2: watch the field grow to 16 with stride 4.',
    build: receptiveStack,
    lesson: LESSONS.receptiveFields,
  },
  'char-lstm': {
    title: 'Character-level LSTM',
    description:
      'Predicts the next character of generated sentences from the 16 before it: Embedding, LSTM (64), Linear. Train on synthetic:chars.',
    build: charLstm,
  },
  'tiny-transformer': {
    title: 'Tiny transformer',
    description:
      'Predicts the next character of generated sentences with one transformer encoder block: Embedding (32), causal MultiheadAttention (4 heads), Add & LayerNorm, feed-forward, Add & LayerNorm, Linear. Train on synthetic:chars with Adam.',
    build: tinyTransformer,
  },
  'gru-forecaster': {
    title: 'GRU forecaster',
    description:
      'Forecasts the next value of a noisy sine wave from the 24 before it: GRU (32), Linear (1), mean squared error. Train on synthetic:sine with Adam.',
    build: gruForecaster,
  },
  'unet-denoiser': {
    title: 'U-Net denoiser',
    description:
      'Removes noise from MNIST digits: Conv (8) → MaxPool → Conv (16) → Upsample → Concat with the first Conv (the skip) → Conv (8) → Conv 1×1, a 1×28×28 picture. Train on MNIST denoising (mnist:denoise) with mean squared error and Adam.',
    build: unetDenoiser,
  },
  'tbptt-lstm-10': {
    title: 'Truncated BPTT: LSTM, τ = 10',
    description:
      'The character LSTM (Embedding, LSTM (64), Linear) on windows of 10 characters, trained with truncated backpropagation through time: the state carries from window to window.',
    build: () => charLstm(10),
    lesson: LESSONS.tbptt10,
  },
  'tbptt-lstm-50': {
    title: 'Truncated BPTT: LSTM, τ = 50',
    description: 'The same LSTM on windows of 50 characters, truncated BPTT with the state carried.',
    build: () => charLstm(50),
    lesson: LESSONS.tbptt50,
  },
  'tbptt-lstm-full': {
    title: 'Truncated BPTT: LSTM, full BPTT on 200 steps',
    description:
      'The same LSTM on whole sequences of 200 characters, backpropagating through all of them (no truncation).',
    build: () => charLstm(200),
    lesson: LESSONS.tbpttFull,
  },
  [PRETRAINED]: {
    title: 'Transfer learning: LeNet-5 pretrained on digits 0–4',
    description:
      'LeNet-5 with 5 outputs, trained on the MNIST digits 0–4 (weights included): reuse its convolutions for the digits 5–9 with only 100 examples.',
    build: () => lenet(false, 5),
    lesson: LESSONS.transferPretrained,
  },
  'transfer-digits-scratch': {
    title: 'Transfer learning: LeNet-5 from scratch',
    description:
      'The same LeNet-5 with 5 outputs and no pretrained weights, to train on the same 100 digits 5–9 for comparison.',
    build: () => lenet(false, 5),
    lesson: LESSONS.transferScratch,
  },
  ...TEACHING_TEMPLATES,
  ...FILTER_TEMPLATES,
};

/**
 * The lessons as a course, in the order the gallery lists them: what a layer computes and costs
 * (filters, pooling, receptive fields, parameter counts), then how a network learns (backprop,
 * losses, vanishing gradients, initialisation, optimizers), then what it learns (decision
 * boundaries, memorization, overfitting and its remedies).
 */
export const TEACHING_ORDER = [
  'lenet5',
  'conv-as-filter',
  'rgb-to-gray',
  'avgpool-as-conv',
  'maxpool-relu-commute',
  'maxpool-gelu',
  'receptive-field-stack',
  'lenet5-c3',
  'inception-naive',
  'inception-bottleneck',
  'backprop-by-hand',
  'mlp-cross-entropy',
  'mlp-sigmoid-mse',
  'deep-sigmoid-mlp',
  'deep-relu-mlp',
  'init-zeros',
  'init-kaiming',
  'momentum-race',
  'spiral-mlp',
  'mlp-random-labels',
  'overfit-mlp',
  'overfit-dropout',
  'overfit-weight-decay',
  'overfit-batchnorm',
  'transfer-digits',
  'transfer-digits-scratch',
  'tbptt-lstm-10',
  'tbptt-lstm-50',
  'tbptt-lstm-full',
];

/** The lesson as written into its template: with its place in the course. */
export function lessonFor(id: string, lesson: Lesson): Lesson {
  const at = TEACHING_ORDER.indexOf(id);
  if (at < 0) throw new Error(`The lesson template '${id}' has no place in TEACHING_ORDER; add it there.`);
  return lessonSchema.parse({ ...lesson, order: at + 1 });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'assets', 'templates');
  mkdirSync(dir, { recursive: true });
  for (const [file, t] of Object.entries(templates)) {
    if (file === PRETRAINED) continue; // written with its trained weights by pretrain-digits.ts
    const graph = t.build();
    const doc = {
      ...newDocument(t.title, graph),
      description: t.description,
      ...(t.lesson ? { lesson: lessonFor(file, t.lesson) } : {}),
      ...(t.weights ? { weights: t.weights(graph) } : {}),
    };
    writeFileSync(join(dir, `${file}.netwright.json`), serializeDocument(doc));
  }
  console.log(
    `wrote ${Object.keys(templates).length - 1} templates to ${dir} (${PRETRAINED}: scripts/pretrain-digits.ts)`,
  );
}
