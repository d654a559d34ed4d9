// Runs a split train step (engine/autodiff/splitStep.ts): the first part of the batch on this
// thread and each other part on a partner thread (splitPartner.ts), all at once, each on one
// intra-op thread; then the update model, which StepSession feeds and binds like the whole step.
import * as ort from 'onnxruntime-node';
import type { Graph, SplitStep, TrainStep, TrainStepOptions } from '../../engine/index.ts';
import { compileSplitStep, splitRefusal } from '../../engine/index.ts';
import { encodeModel } from '../../engine/onnx/index.ts';
import { withMemoryPattern } from './memoryPattern.ts';
import { SplitPartner } from './splitPartner.ts';
import { NO_SPINNING } from './spinning.ts';

const ONE_THREAD: ort.InferenceSession.SessionOptions = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
  extra: NO_SPINNING,
};

/**
 * onnxruntime's CPU kernels that run one image at a time, so intra-op threads share them badly.
 * Read off the compiled step, not the layer types: whatever lowers to them (convolutions, and
 * average pooling as a depthwise convolution) gains from the split.
 */
const PER_IMAGE_OPS = new Set(['Conv', 'ConvTranspose']);

/** Fewest samples per part: below it the per-call costs eat the gain (docs/engine-notes.md §4). */
export const MIN_PART_BATCH = 64;

/**
 * Most parameter bytes a split step may hold. It keeps two more copies of the parameters than the
 * whole step (the shared block the partners read, and each partner's own, since onnxruntime-node
 * refuses shared memory as a tensor): 0.5 MB for LeNet-5, 8 MB for mini-VGG, but 1.1 GB for a
 * VGG-16 without batch normalisation, which trains whole instead.
 */
export const MAX_SPLIT_PARAM_BYTES = 64 * 2 ** 20;

/**
 * The split step a trainer should use for `step`, or undefined. Split when there are threads to
 * split over (one part per thread), on the CPU, when the step can be split (splitRefusal), each
 * part has at least MIN_PART_BATCH samples, the parameters fit MAX_SPLIT_PARAM_BYTES, and the
 * step runs a convolution. Measured on LeNet-5 (2 threads, ms per step, split against the whole
 * step on 2 and on 1 intra-op thread): batch
 * 256 11.2 / 16.8 / 16.6, 128 6.2 / 9.0 / 8.2, 64 4.2 / 5.0 / 4.3, 32 3.7 / 3.0 / 2.2. The
 * reference MLP (matrix products only, which onnxruntime shares between threads well) gained
 * nothing.
 */
export function splitFor(
  graph: Graph,
  settings: TrainStepOptions,
  step: TrainStep,
  threads: number,
  provider: string = 'cpu',
): SplitStep | undefined {
  if (threads < 2 || provider !== 'cpu') return undefined;
  if (splitRefusal(step, threads)) return undefined;
  if (settings.batchSize / threads < MIN_PART_BATCH) return undefined;
  const paramBytes = step.params.reduce((sum, p) => sum + 4 * p.shape.reduce((a, b) => a * b, 1), 0);
  if (paramBytes > MAX_SPLIT_PARAM_BYTES) return undefined;
  if (!step.model.graph.nodes.some((n) => PER_IMAGE_OPS.has(n.opType))) return undefined;
  return compileSplitStep(graph, settings, threads, step);
}

export interface SplitGradients {
  /** The whole batch's loss: the mean of the parts' (equal parts, mean losses). */
  loss: number;
  /** The whole batch's prediction, the parts' rows in order. */
  prediction: Float32Array;
  /** Each part's gradient of each trainable parameter, by the update model's input names. */
  feeds: Record<string, ort.Tensor>;
}

export class SplitRunner {
  /** Private copies of the partners' gradients (onnxruntime refuses shared memory). */
  private readonly partnerGrads: Map<string, Float32Array>[];

  private constructor(
    readonly split: SplitStep,
    private readonly own: ort.InferenceSession,
    readonly update: ort.InferenceSession,
    private readonly partners: SplitPartner[],
  ) {
    this.partnerGrads = partners.map(
      () => new Map(split.update.grads.map((g) => [g.gradOutput, new Float32Array(sizeOf(split, g.input))])),
    );
  }

  static async create(split: SplitStep): Promise<SplitRunner> {
    const gradientModel = encodeModel(split.gradient.model);
    const starting = Array.from({ length: split.parts - 1 }, () =>
      SplitPartner.start(split.gradient, gradientModel),
    );
    const own = ort.InferenceSession.create(gradientModel, withMemoryPattern(ONE_THREAD, split.gradient));
    const update = ort.InferenceSession.create(encodeModel(split.update.model), ONE_THREAD);
    const settled = await Promise.allSettled([own, update, ...starting]);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      for (const s of settled)
        if (s.status === 'fulfilled') await ('stop' in s.value ? s.value.stop() : s.value.release());
      throw failed.reason;
    }
    const [o, u, ...p] = settled.map((s) => (s as PromiseFulfilledResult<unknown>).value);
    return new SplitRunner(split, o as ort.InferenceSession, u as ort.InferenceSession, p as SplitPartner[]);
  }

  /**
   * Every part's gradient pass at once. `rows` holds the whole batch's per-sample inputs (data,
   * target, masks) and `params` every parameter, by the whole step's input names.
   */
  async gradients(
    rows: Map<string, Float32Array>,
    params: Map<string, Float32Array>,
  ): Promise<SplitGradients> {
    const { gradient, parts } = this.split;
    const part = (name: string, j: number) => {
      const whole = rows.get(name)!;
      const n = whole.length / parts;
      return whole.subarray(j * n, (j + 1) * n);
    };
    this.partners.forEach((partner, i) => partner.begin((name) => params.get(name) ?? part(name, i + 1)));
    const feeds: Record<string, ort.Tensor> = {};
    for (const slot of [...gradient.dataInputs, gradient.target, ...gradient.masks])
      feeds[slot.input] = new ort.Tensor('float32', part(slot.input, 0), slot.shape);
    for (const p of gradient.params)
      feeds[p.input] = new ort.Tensor('float32', params.get(p.input)!, p.shape);
    let first: ort.InferenceSession.ReturnType;
    try {
      first = await this.own.run(feeds);
    } catch (e) {
      // The partners must be done with this pass before anyone writes their inputs again.
      await Promise.allSettled(this.partners.map((p) => p.finish()));
      throw e;
    }
    const results = [(name: string) => first[name].data as Float32Array];
    for (const [i, partner] of this.partners.entries()) {
      const out = await partner.finish();
      const copies = this.partnerGrads[i];
      for (const [name, copy] of copies) copy.set(out.get(name)!);
      results.push((name) => copies.get(name) ?? out.get(name)!);
    }
    const o = gradient.outputs;
    const width = results[0](o.prediction).length;
    const prediction = new Float32Array(width * parts);
    let loss = 0;
    results.forEach((value, j) => {
      prediction.set(value(o.prediction), j * width);
      loss += value(o.loss)[0] / parts;
    });
    const gradFeeds: Record<string, ort.Tensor> = {};
    for (const g of this.split.update.grads) {
      const shape = this.split.step.params.find((p) => p.input === g.input)!.shape;
      g.parts.forEach(
        (name, j) => (gradFeeds[name] = new ort.Tensor('float32', results[j](g.gradOutput), shape)),
      );
    }
    return { loss, prediction, feeds: gradFeeds };
  }

  async release(): Promise<void> {
    await Promise.all([this.own.release(), this.update.release(), ...this.partners.map((p) => p.stop())]);
  }
}

function sizeOf(split: SplitStep, input: string): number {
  return split.step.params.find((p) => p.input === input)!.shape.reduce((a, b) => a * b, 1);
}
