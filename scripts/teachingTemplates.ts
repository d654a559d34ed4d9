// Templates added to assets/templates/ by make-templates.ts (kept apart so each lesson family
// lives in one file): backprop by hand, the momentum forms, max pooling and activations, loss
// functions, initialisation, and regularisation against overfitting.
import type { AttrValue, Graph } from '../engine/index.ts';
import { GraphBuilder } from '../engine/index.ts';
import type { TemplateSpec } from './make-templates.ts';
import { LESSONS } from './lessons.ts';

type L = [string, Record<string, AttrValue>?];
const linear = (out: number): L => ['Linear', { out_features: out }];

function chain(input: number[], layers: L[]): () => Graph {
  return () => {
    const b = new GraphBuilder();
    b.chain(b.input(input), layers);
    return b.graph;
  };
}

/** One convolution feeding pool-then-activation and activation-then-pool, and their difference. */
function poolActivation(activation: 'ReLU' | 'GELU', pool: 'MaxPool2d' | 'AvgPool2d'): () => Graph {
  return () => {
    const b = new GraphBuilder();
    const conv = b.chain(b.input([1, 28, 28]), [['Conv2d', { out_channels: 4, kernel_size: 3, padding: 1 }]]);
    const p: L = [pool, { kernel_size: 2 }];
    const poolFirst = b.chain(conv, [p, [activation]]);
    const activationFirst = b.chain(conv, [[activation], p]);
    b.add('Subtract', {}, [poolFirst, activationFirst]);
    return b.graph;
  };
}

/** The 784-512-512-10 MLP with something after each hidden Linear (nothing, Dropout, BatchNorm). */
function overfitMlp(extra: 'none' | 'dropout' | 'batchnorm'): () => Graph {
  const hidden = (): L[] =>
    extra === 'dropout'
      ? [linear(512), ['ReLU'], ['Dropout', { p: 0.5 }]]
      : extra === 'batchnorm'
        ? [linear(512), ['BatchNorm1d'], ['ReLU']]
        : [linear(512), ['ReLU']];
  return chain([1, 28, 28], [['Flatten'], ...hidden(), ...hidden(), linear(10)]);
}

const sigmoidMlp = (outputSigmoid: boolean) =>
  chain(
    [1, 28, 28],
    [['Flatten'], linear(100), ['Sigmoid'], linear(10), ...(outputSigmoid ? [['Sigmoid'] as L] : [])],
  );

const reluMlp = chain([1, 28, 28], [['Flatten'], linear(128), ['ReLU'], linear(128), ['ReLU'], linear(10)]);

export const TEACHING_TEMPLATES: Record<string, TemplateSpec> = {
  'backprop-by-hand': {
    title: 'Backprop by hand: 2-3-2 sigmoid MLP',
    description:
      'Two inputs, three sigmoid units, two sigmoid outputs and mean squared error on the XOR set: 17 parameters to follow through one batch, forward and back.',
    build: chain([2], [linear(3), ['Sigmoid'], linear(2), ['Sigmoid']]),
    lesson: LESSONS.backpropByHand,
  },
  'momentum-race': {
    title: 'Momentum: PyTorch form vs heavy ball',
    description:
      'A 784-100-10 MLP set up for an optimizer race: PyTorch’s SGD momentum, the classic heavy-ball form, Nesterov and plain SGD under a step schedule.',
    build: chain([1, 28, 28], [['Flatten'], linear(100), ['ReLU'], linear(10)]),
    lesson: LESSONS.momentumForms,
  },
  'maxpool-relu-commute': {
    title: 'Max pooling and ReLU commute',
    description:
      'One convolution feeding MaxPool→ReLU and ReLU→MaxPool; a Subtract node shows their difference: all zeros.',
    build: poolActivation('ReLU', 'MaxPool2d'),
    lesson: LESSONS.poolCommuteRelu,
  },
  'maxpool-gelu': {
    title: 'Max pooling and GELU do not commute',
    description:
      'The same two branches with GELU, which is not monotone: the Subtract node is no longer all zeros.',
    build: poolActivation('GELU', 'MaxPool2d'),
    lesson: LESSONS.poolCommuteGelu,
  },
  'mlp-cross-entropy': {
    title: 'Loss: cross-entropy on scores',
    description:
      'A 784-100-10 MLP with a sigmoid hidden layer, trained with cross-entropy on its raw scores.',
    build: sigmoidMlp(false),
    lesson: LESSONS.crossEntropy,
  },
  'mlp-sigmoid-mse': {
    title: 'Loss: squared error on sigmoid outputs',
    description:
      'The same MLP with a sigmoid on each of its 10 outputs, trained with mean squared error against the one-hot target.',
    build: sigmoidMlp(true),
    lesson: LESSONS.mse,
  },
  'init-zeros': {
    title: 'Initialisation: all zeros',
    description: 'A 784-128-128-10 ReLU MLP whose weights and biases all start at zero.',
    build: reluMlp,
    lesson: LESSONS.initZeros,
  },
  'init-kaiming': {
    title: 'Initialisation: Kaiming',
    description: 'The same 784-128-128-10 ReLU MLP with He (Kaiming) normal initial weights.',
    build: reluMlp,
    lesson: LESSONS.initKaiming,
  },
  'overfit-mlp': {
    title: 'Overfitting: 500 digits, no regularisation',
    description: 'The 784-512-512-10 MLP trained for many epochs on only 500 digits.',
    build: overfitMlp('none'),
    lesson: LESSONS.overfitPlain,
  },
  'overfit-dropout': {
    title: 'Overfitting: with Dropout',
    description: 'The overfitting MLP with Dropout (p = 0.5) after each hidden ReLU.',
    build: overfitMlp('dropout'),
    lesson: LESSONS.overfitDropout,
  },
  'overfit-weight-decay': {
    title: 'Overfitting: with weight decay',
    description: 'The overfitting MLP trained with an L2 penalty on its weights (weight decay).',
    build: overfitMlp('none'),
    lesson: LESSONS.overfitWeightDecay,
  },
  'overfit-batchnorm': {
    title: 'Overfitting: with batch normalization',
    description: 'The overfitting MLP with BatchNorm1d after each hidden Linear.',
    build: overfitMlp('batchnorm'),
    lesson: LESSONS.overfitBatchNorm,
  },
};
