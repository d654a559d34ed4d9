// Step-through mode: ONE batch through the probed gradients-only train step (every node's output
// and dLoss/d(output) come back), kept in memory so the page can walk it forward and backward node
// by node, fetch one node's tensors for one sample, and check one layer's parameter gradients
// against finite differences on exactly this batch and these weights.
import type { Dataset } from '../../engine/data/index.ts';
import { batches, createRng } from '../../engine/data/index.ts';
import type { LossKind, ProjectDocument, TrainStep, WeightMap } from '../../engine/index.ts';
import {
  analyze,
  CompileError,
  compileTrainStep,
  getLayer,
  initialWeights,
  oneHotTargets,
  predictions,
} from '../../engine/index.ts';
import { HostError } from '../../protocol/hostApi.ts';
import type {
  LayerCheck,
  NodeTensors,
  StepNode,
  StepThroughSetup,
  StepThroughSummary,
  TensorStats,
  TensorValues,
} from '../../protocol/stepThrough.ts';
import { LAYER_CHECK_TOLERANCE, MAX_STEP_BATCH, MAX_TENSOR_VALUES } from '../../protocol/stepThrough.ts';
import type { TrainingDataset } from '../../protocol/training.ts';
import type { TrainTest } from '../data/index.ts';
import { loadResolved, preparedFor, resolveForLoad, type ResolvedDataset } from '../data/uploads.ts';
import { checkFit } from './fit.ts';
import { internalsView } from './internalsView.ts';
import { checkParameter, LossProbe } from './gradcheck.ts';
import type { StepResult } from './session.ts';
import { StepSession } from './session.ts';

/** Where the weights come from: a finished run (resolved by the caller) or the document's own. */
export type WeightSource =
  { document: ProjectDocument } | { run: { doc: ProjectDocument; weights: WeightMap; label: string } };

/** Sampled elements per parameter tensor in a layer check (half the largest gradients, half random). */
const LAYER_CHECK_SAMPLES = 8;

interface Held {
  stepId: string;
  doc: ProjectDocument;
  step: TrainStep;
  weights: WeightMap;
  result: StepResult & { probes: NonNullable<StepResult['probes']>; grads: WeightMap };
  data: Map<string, Float32Array>;
  target: Float32Array;
  masks: Map<string, Float32Array>;
  loss: LossKind;
  batchSize: number;
  seed: number;
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const finiteOrNull = (v: number) => (Number.isFinite(v) ? v : null);

export function tensorStats(v: ArrayLike<number>): TensorStats {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let squares = 0;
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (!Number.isFinite(x)) continue;
    n++;
    if (x < min) min = x;
    if (x > max) max = x;
    sum += x;
    squares += x * x;
  }
  const mean = n ? sum / n : NaN;
  // Population std, as torch.std(unbiased=False); from the sums, clamped against rounding.
  const std = n ? Math.sqrt(Math.max(0, squares / n - mean * mean)) : NaN;
  return {
    min: n ? min : null,
    max: n ? max : null,
    mean: finiteOrNull(mean),
    std: finiteOrNull(std),
    norm: finiteOrNull(Math.sqrt(squares)),
    nonFinite: v.length - n,
  };
}

export function tensorValues(v: Float32Array, shape: number[]): TensorValues {
  const n = Math.min(v.length, MAX_TENSOR_VALUES);
  return {
    shape,
    data: Array.from(v.subarray(0, n), (x) => (Number.isFinite(x) ? x : null)),
    truncated: v.length > n,
  };
}

function describeDataset(d: TrainingDataset, train: Dataset): string {
  const what = d.kind === 'mnist' ? 'MNIST' : d.kind === 'file' ? train.name : `the ${d.generator} set`;
  return `${what} (${train.length.toLocaleString('en-US')} training samples${d.normalize === 'standardize' ? ', standardised' : ''})`;
}

export class StepThrough {
  private held: Held | null = null;
  private count = 0;
  private cached: { key: string; data: Promise<TrainTest> } | null = null;

  /**
   * Runs one batch and keeps it, replacing the previous one. `resolved` is the dataset as files,
   * resolved by the thread that knows the uploads (the host's; this may run in a job thread).
   */
  async run(
    source: WeightSource,
    setup: StepThroughSetup,
    resolved: ResolvedDataset = resolveForLoad(setup.dataset),
  ): Promise<StepThroughSummary> {
    const t0 = performance.now();
    const { dataset, config } = setup;
    const doc = 'run' in source ? source.run.doc : source.document;
    const analysis = analyze(doc.graph);
    // An image folder is resized to the model's input, so the prepared spec (the cache key) knows the model.
    const data = await this.load(preparedFor(resolved, dataset, doc));
    const batchSize = Math.min(config.batchSize, MAX_STEP_BATCH);
    checkFit(doc, analysis, data.train, config.loss, batchSize);
    const seed = config.seed ?? 0;
    let step: TrainStep;
    try {
      step = compileTrainStep(doc.graph, { batchSize, loss: config.loss, probes: true });
    } catch (e) {
      if (e instanceof CompileError) throw new HostError('cannot-train', e.message);
      throw e;
    }
    // The document's own: what a run with these settings would start from.
    const weights =
      'run' in source
        ? source.run.weights
        : initialWeights(analysis, doc, config.init ?? { kind: 'default' }, seed);
    const described =
      'run' in source
        ? `the weights of ${source.run.label}`
        : doc.weights
          ? 'the project’s stored weights'
          : `the initial weights a run would start from (seed ${seed})`;

    // The first batch a training run with this seed would see (its epoch 0 order).
    const batch = batches(data.train, batchSize, { seed, dropLast: true }).next().value!;
    const width = size(step.target.shape.slice(1));
    const classify = data.train.y instanceof Int32Array;
    const labels = classify ? Int32Array.from(batch.y as Int32Array) : null;
    const target = labels ? oneHotTargets(labels, width) : Float32Array.from(batch.y);
    const input = step.dataInputs[0];
    const feeds = new Map([[input.nodeId, batch.x]]);
    // Dropout masks are drawn here and kept, so the layer check sees the same ones.
    const rng = createRng(seed * 1_000_003);
    const masks = new Map(
      step.masks.map((m) => [
        m.nodeId,
        Float32Array.from({ length: size(m.shape) }, () => (rng.next() < 1 - m.p ? 1 / (1 - m.p) : 0)),
      ]),
    );

    const session = await StepSession.create(step, weights, { seed, threads: 2 });
    let result: StepResult;
    try {
      result = await session.run(feeds, target, { lr: 0 }, masks);
    } finally {
      await session.release();
    }
    const stepId = `step-${++this.count}`;
    this.held = {
      stepId,
      doc,
      step,
      weights,
      result: result as Held['result'],
      data: feeds,
      target,
      masks,
      loss: config.loss,
      batchSize,
      seed,
    };
    return {
      stepId,
      loss: finiteOrNull(result.loss),
      lossKind: config.loss,
      batchSize,
      labels: labels ? Array.from(labels) : [],
      predicted: classify ? Array.from(predictions(result.prediction, batchSize)) : [],
      ...(data.train.classNames ? { classNames: data.train.classNames } : {}),
      weights: described,
      batch: `the first batch of ${batchSize} from ${describeDataset(dataset, data.train)}, batch order seed ${seed}`,
      nodes: this.nodes(this.held),
      seconds: (performance.now() - t0) / 1000,
    };
  }

  /** One node's tensors for one sample of the held batch, and its parameters with their gradients. */
  tensors(stepId: string, nodeId: string, sample: number): NodeTensors {
    const h = this.current(stepId);
    const probe = h.step.outputs.probes.find((p) => p.nodeId === nodeId);
    if (!probe) throw this.unknownNode(nodeId);
    if (sample >= h.batchSize)
      throw new HostError(
        'bad-request',
        `The batch has ${h.batchSize} samples (0 to ${h.batchSize - 1}); sample ${sample} is not one of them.`,
      );
    const values = h.result.probes.get(nodeId)!;
    const per = size(probe.shape.slice(1));
    const slice = (v: Float32Array) =>
      tensorValues(v.subarray(sample * per, (sample + 1) * per), probe.shape.slice(1));
    const internals = this.internals(h, nodeId, sample);
    return {
      stepId,
      nodeId,
      sample,
      ...(internals ? { internals } : {}),
      forward: slice(values.forward),
      backward: values.backward ? slice(values.backward) : null,
      params: h.step.params
        .filter((p) => p.nodeId === nodeId)
        .map((p) => {
          const grad = h.result.grads.get(nodeId)?.get(p.param);
          return {
            param: p.param,
            value: tensorValues(h.weights.get(nodeId)!.get(p.param)!, p.shape),
            grad: grad ? tensorValues(grad, p.shape) : null,
          };
        }),
    };
  }

  /** A sequence layer's attention weights or gates for the sample, from its input's probe. */
  private internals(h: Held, nodeId: string, sample: number) {
    const node = h.doc.graph.nodes.find((n) => n.id === nodeId);
    const def = node && getLayer(node.type);
    const edge = h.doc.graph.edges.find((e) => e.target === nodeId && e.targetPort === 0);
    const source = edge && h.step.outputs.probes.find((p) => p.nodeId === edge.source);
    if (!node || !def?.internals || !source) return undefined;
    const per = size(source.shape.slice(1));
    const input = h.result.probes.get(source.nodeId)!.forward.subarray(sample * per, (sample + 1) * per);
    return internalsView(def, node, input, source.shape.slice(1), h.weights);
  }

  /** Finite differences of the loss on the held batch against the analytic gradients of one layer. */
  async checkLayer(stepId: string, nodeId: string): Promise<LayerCheck> {
    const t0 = performance.now();
    const h = this.current(stepId);
    const node = h.doc.graph.nodes.find((n) => n.id === nodeId);
    if (!node) throw this.unknownNode(nodeId);
    const checked = h.step.outputs.grads.filter((g) => g.nodeId === nodeId);
    if (!checked.length)
      throw new HostError(
        'bad-request',
        node.frozen
          ? `${node.name} is frozen, so it gets no gradients to check; unfreeze it or pick another layer.`
          : `${node.name} (${node.type}) has no trainable parameters, so there is no gradient to check; pick a layer with weights (Conv2d, Linear, BatchNorm…).`,
      );
    const probe = await LossProbe.create(
      h.doc,
      h.step,
      h.weights,
      { data: h.data, target: h.target, masks: h.masks },
      h.loss,
    );
    const params: LayerCheck['params'] = [];
    try {
      const base = await probe.lossAt();
      const rng = createRng(h.seed + 17);
      for (const g of checked) {
        const p = h.step.params.find((x) => x.nodeId === nodeId && x.param === g.param)!;
        const r = await checkParameter(
          probe,
          probe.params.get(nodeId)!.get(g.param)!,
          h.result.grads.get(nodeId)!.get(g.param)!,
          base,
          { samples: LAYER_CHECK_SAMPLES, eps: 1e-2, tolerance: LAYER_CHECK_TOLERANCE, rng },
        );
        params.push({
          param: g.param,
          shape: p.shape,
          sampled: r.sampled,
          maxRelError: finiteOrNull(r.maxRelError),
          worst: {
            index: r.worst.index,
            analytic: finiteOrNull(r.worst.analytic),
            numeric: finiteOrNull(r.worst.numeric),
          },
          directionalError: finiteOrNull(r.directionalError),
          pass: r.pass,
        });
      }
    } finally {
      await probe.release();
    }
    return {
      stepId,
      nodeId,
      name: node.name,
      forward: probe.forward,
      tolerance: LAYER_CHECK_TOLERANCE,
      params,
      pass: params.every((p) => p.pass),
      seconds: (performance.now() - t0) / 1000,
    };
  }

  /** The held step's analytic gradients (tests corrupt them to see the check fail). */
  heldGradients(stepId: string): WeightMap {
    return this.current(stepId).result.grads;
  }

  private nodes(h: Held): StepNode[] {
    const byId = new Map(h.doc.graph.nodes.map((n) => [n.id, n]));
    return h.step.outputs.probes.map((p) => {
      const node = byId.get(p.nodeId)!;
      const values = h.result.probes.get(p.nodeId)!;
      return {
        id: p.nodeId,
        name: node.name,
        type: node.type,
        shape: p.shape,
        forward: tensorStats(values.forward),
        backward: values.backward ? tensorStats(values.backward) : null,
        params: h.step.params
          .filter((x) => x.nodeId === p.nodeId)
          .map((x) => {
            const grad = h.result.grads.get(p.nodeId)?.get(x.param);
            return {
              param: x.param,
              shape: x.shape,
              value: tensorStats(h.weights.get(p.nodeId)!.get(x.param)!),
              grad: grad ? tensorStats(grad) : null,
            };
          }),
      };
    });
  }

  private current(stepId: string): Held {
    if (!this.held)
      throw new HostError('not-found', 'Run one batch first: there is no step-through batch yet.');
    if (this.held.stepId !== stepId)
      throw new HostError(
        'not-found',
        `Batch ${stepId} was replaced by a newer one (${this.held.stepId}); run one batch again.`,
      );
    return this.held;
  }

  private unknownNode(nodeId: string) {
    return new HostError(
      'not-found',
      `The stepped-through network has no node ${nodeId}; it may have been added after “Run one batch” — run it again.`,
    );
  }

  /** The last dataset stays loaded: stepping through again with the same data should be quick. */
  private load(resolved: ResolvedDataset): Promise<TrainTest> {
    const key = JSON.stringify(resolved);
    if (this.cached?.key !== key) {
      const data = loadResolved(resolved);
      this.cached = { key, data };
      data.catch(() => {
        if (this.cached?.data === data) this.cached = null;
      });
    }
    return this.cached.data;
  }
}
