// A train step split across the batch, for data-parallel training on one machine's cores: P
// copies of a gradients-only step, each on N/P samples of the batch, run side by side on P
// threads, then one small update model that averages their gradients and applies the optimizer.
//
// Why: onnxruntime's CPU convolutions loop over the batch one image at a time, and each image's
// GEMM is too small to share between threads. LeNet-5's step at batch 128 took 7.6-8.6 ms on one
// intra-op thread and 9.1-9.6 ms on two, but two threads each running half the batch on one
// intra-op thread took 3.9-4.5 ms (docs/engine-notes.md §4, "split12").
//
// The update model's inputs and outputs carry the whole step's names (parameters, optimizer state,
// learning rate, bias corrections, new values, gradient norms, Σ|written|), so a session feeds and
// binds it exactly as it does the whole step; only the gradients, `<param input>.grad<i>`, are new.
// Averaging P means of N/P samples is the mean over N, so the update is the whole step's up to
// float rounding (the order of the sums differs).
import type { Graph } from '../graph/graph.ts';
import { OnnxBuilder, tensorInfo } from '../onnx/builder.ts';
import type { OnnxModel, OnnxValueInfo } from '../onnx/types.ts';
import type { OptimizerConfig } from './optimizers.ts';
import { updateParameter, withDefaults } from './optimizers.ts';
import type { ParamSlot, TrainStep, TrainStepOptions } from './trainStep.ts';
import { clipScale, compileTrainStep, stepModel, writtenAbsSumOutput } from './trainStep.ts';

export interface SplitStep {
  /** The whole step: its names are the ones a session feeds, binds and reports. */
  step: TrainStep;
  /** Parts of the batch, each run by its own thread. */
  parts: number;
  /** Gradients only, on batch / parts samples; its input names are the whole step's. */
  gradient: TrainStep;
  /** Averages the parts' gradients and applies the optimizer (see the file comment). */
  update: {
    model: OnnxModel;
    /** Per trainable parameter (step.params order): its input name and each part's gradient input. */
    grads: { input: string; gradOutput: string; parts: string[] }[];
  };
}

/** Why `step` can't be split across the batch into `parts`, or null when it can. */
export function splitRefusal(step: TrainStep, parts: number): string | null {
  if (!Number.isInteger(parts) || parts < 2) return 'it needs at least two parts';
  if (!step.scalars.lr) return 'only a step with an optimizer is split';
  if (step.carried.length) return 'truncated BPTT carries recurrent state per batch row between calls';
  if (step.outputs.probes.length || step.outputs.inputGrads.length)
    return 'probes and input gradients are for single gradient passes';
  if (step.params.some((p) => p.buffer && p.output))
    return 'batch normalisation takes its statistics over the whole batch';
  const batch = step.target.shape[0];
  if (batch % parts) return `the batch of ${batch} does not split into ${parts} equal parts`;
  const perSample = [...step.dataInputs, ...step.masks, step.target].every((t) => t.shape[0] === batch);
  if (!perSample) return 'an input is not one row per sample';
  return null;
}

/**
 * `step` (compiled from `graph` with `opts`) as `parts` gradient passes and one update (see the
 * file comment). Throws when splitRefusal() gives a reason.
 */
export function compileSplitStep(
  graph: Graph,
  opts: TrainStepOptions,
  parts = 2,
  step: TrainStep = compileTrainStep(graph, opts),
): SplitStep {
  const refusal = splitRefusal(step, parts);
  if (refusal) throw new Error(`This train step can't be split across the batch: ${refusal}.`);
  const gradient = compileTrainStep(graph, {
    batchSize: opts.batchSize / parts,
    loss: opts.loss,
  });
  requireSameNames(step, gradient);
  return {
    step,
    parts,
    gradient,
    update: updateModel(step, gradient, opts.optimizer!, parts, opts.clipNorm),
  };
}

/** The gradient step reads what the whole step reads, under the same names. */
function requireSameNames(step: TrainStep, gradient: TrainStep): void {
  const names = (s: TrainStep) =>
    [
      ...s.params.map((p) => p.input),
      ...s.dataInputs.map((d) => d.input),
      s.target.input,
      ...s.masks.map((m) => m.input),
    ].join('\n');
  if (names(step) !== names(gradient))
    throw new Error('compileSplitStep: the gradient step names its inputs differently from the whole step');
}

/** The update: mean of the parts' gradients, the gradient norms, clipping, the optimizer, Σ|written|. */
function updateModel(
  step: TrainStep,
  gradient: TrainStep,
  optimizer: OptimizerConfig,
  parts: number,
  clipNorm: number | undefined,
): SplitStep['update'] {
  const b = new OnnxBuilder();
  const inputs: OnnxValueInfo[] = [];
  const outputs: OnnxValueInfo[] = [];
  const declare = (name: string, shape: number[]) => {
    if (b.name(name) !== name) throw new Error(`compileSplitStep: input ${name} is declared twice`);
    inputs.push(tensorInfo(name, shape));
    return name;
  };
  const trainable = step.params.filter((p) => p.trainable);
  for (const p of trainable) declare(p.input, p.shape);
  for (const s of step.state) declare(s.input, s.shape);
  for (const scalar of Object.values(step.scalars)) if (scalar) declare(scalar, []);
  // Reserved up front, so no intermediate of the update takes an output's name.
  for (const o of [...trainable.map((p) => p.output!), ...step.state.map((s) => s.output)]) b.name(o);

  const grads = trainable.map((p, i) => {
    const gradOutput = gradient.outputs.grads[i].output;
    const names = Array.from({ length: parts }, (_, j) => declare(`${p.input}.grad${j}`, p.shape));
    return { input: p.input, gradOutput, parts: names };
  });
  const mean = new Map(
    grads.map((g) => [
      g.input,
      b.op(
        'Mul',
        [b.op(parts === 2 ? 'Add' : 'Sum', g.parts), b.scalar(1 / parts)],
        {},
        { name: `${g.input}/mean` },
      ),
    ]),
  );
  gradientNorms(b, outputs, step, trainable, mean);
  const scale = clipNorm
    ? clipScale(
        b,
        clipNorm,
        trainable.map((p) => mean.get(p.input)!),
      )
    : null;
  const cfg = withDefaults(optimizer);
  for (const p of trainable) {
    const grad = scale ? b.op('Mul', [mean.get(p.input)!, scale]) : mean.get(p.input)!;
    const state = step.state.filter((s) => s.nodeId === p.nodeId && s.param === p.param);
    updateParameter(
      b,
      cfg,
      { param: p.output!, state: state.map((s) => s.output) },
      p.input,
      grad,
      state.map((s) => s.input),
      step.scalars,
    );
    outputs.push(tensorInfo(p.output!, p.shape));
    for (const s of state) outputs.push(tensorInfo(s.output, s.shape));
  }
  writtenAbsSumOutput(b, outputs, step.params, step.outputs.writtenAbsSum);
  const model = stepModel(
    b,
    inputs,
    outputs,
    'Netwright split train step: the mean of the parts\u2019 gradients and the optimizer update.',
  );
  return { model, grads };
}

/** Each node's squared gradient norm, from the mean gradient, under the whole step's output names. */
function gradientNorms(
  b: OnnxBuilder,
  outputs: OnnxValueInfo[],
  step: TrainStep,
  trainable: ParamSlot[],
  mean: Map<string, string>,
): void {
  for (const g of step.outputs.gradSquares) {
    const squares = trainable
      .filter((p) => p.nodeId === g.nodeId)
      .map((p) => b.op('ReduceSumSquare', [mean.get(p.input)!], { keepdims: 0 }));
    b.op('Identity', [squares.length === 1 ? squares[0] : b.op('Sum', squares)], {}, { output: g.output });
    outputs.push(tensorInfo(g.output, []));
  }
}
