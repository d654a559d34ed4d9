// Loss subgraphs with PyTorch's default reductions (mean). Each returns the scalar loss and
// dLoss/dOutput. Targets arrive as float tensors shaped like the output: one-hot rows for
// cross-entropy and NLL (the trainer makes them from class indices), values for MSE and BCE.
import type { OnnxBuilder } from '../onnx/builder.ts';

export const LOSSES = ['cross-entropy', 'mse', 'bce-with-logits', 'nll'] as const;
export type LossKind = (typeof LOSSES)[number];

export interface LossGraph {
  loss: string;
  dOutput: string;
}

/** Total elements of the (static) output shape; the batch is part of it. */
export function lossGraph(
  b: OnnxBuilder,
  kind: LossKind,
  output: string,
  target: string,
  shape: number[],
): LossGraph {
  const count = shape.reduce((p, d) => p * d, 1);
  // Cross-entropy and NLL average over the batch and every position but the class axis (PyTorch).
  const rows = count / (shape[1] ?? 1);
  const sumAll = (x: string, name: string) => b.op('ReduceSum', [x], { keepdims: 0 }, { name });
  switch (kind) {
    case 'cross-entropy': {
      // log_softmax then the mean over the batch of -sum(t * log p); d = (softmax - t) / N.
      const logp = b.op('LogSoftmax', [output], { axis: 1 }, { name: 'loss/log_softmax' });
      const nll = sumAll(b.op('Mul', [target, logp]), 'loss/sum');
      const loss = b.op('Mul', [nll, b.scalar(-1 / rows)], {}, { output: 'loss' });
      const dOutput = b.op(
        'Mul',
        [b.op('Sub', [b.op('Exp', [logp]), target]), b.scalar(1 / rows)],
        {},
        { name: 'loss/grad' },
      );
      return { loss, dOutput };
    }
    case 'nll': {
      const loss = b.op(
        'Mul',
        [sumAll(b.op('Mul', [target, output]), 'loss/sum'), b.scalar(-1 / rows)],
        {},
        { output: 'loss' },
      );
      return { loss, dOutput: b.op('Mul', [target, b.scalar(-1 / rows)], {}, { name: 'loss/grad' }) };
    }
    case 'mse': {
      const diff = b.op('Sub', [output, target], {}, { name: 'loss/diff' });
      const loss = b.op(
        'Mul',
        [sumAll(b.op('Mul', [diff, diff]), 'loss/sum'), b.scalar(1 / count)],
        {},
        { output: 'loss' },
      );
      return { loss, dOutput: b.op('Mul', [diff, b.scalar(2 / count)], {}, { name: 'loss/grad' }) };
    }
    case 'bce-with-logits': {
      // max(z, 0) - z t + log(1 + exp(-|z|)): stable for large |z|; d = (sigmoid(z) - t) / count.
      const z = output;
      const soft = b.op('Log', [b.op('Add', [b.op('Exp', [b.op('Neg', [b.op('Abs', [z])])]), b.scalar(1)])]);
      const terms = b.op('Add', [b.op('Sub', [b.op('Relu', [z]), b.op('Mul', [z, target])]), soft]);
      const loss = b.op('Mul', [sumAll(terms, 'loss/sum'), b.scalar(1 / count)], {}, { output: 'loss' });
      const dOutput = b.op(
        'Mul',
        [b.op('Sub', [b.op('Sigmoid', [z]), target]), b.scalar(1 / count)],
        {},
        { name: 'loss/grad' },
      );
      return { loss, dOutput };
    }
  }
}
