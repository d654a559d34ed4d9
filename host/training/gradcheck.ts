// Checks analytic parameter gradients (the compiled gradients-only train step) against central
// finite differences (L(w + h) - L(w - h)) / 2h of a forward model run in onnxruntime in float32,
// with the loss summed in float64 in JavaScript. Used by `netwright gradcheck` (every parameter,
// a random batch) and by the app's step-through mode (one layer, the batch being stepped through).
//
// The forward is the exported inference model, an independent lowering of the same graph. Models
// that behave differently while training (BatchNorm's batch statistics, Dropout) are checked
// against the train graph's own forward instead (pruned to the prediction), fed the same masks.
//
// Float32 forward passes limit what finite differences can resolve, so:
// - the step is relative: h = eps * max(|w|, rms of the tensor), eps = 1e-2 by default; ReLU
//   networks are piecewise linear in any one weight, so a larger step costs little accuracy;
// - elements are sampled: half the largest analytic gradients of the tensor, half at random;
// - an element's error is |a - n| / max(|a|, |n|, floor), where the floor is 1e-2 x the tensor's
//   largest analytic gradient plus the float32 loss resolution over 2h, so gradients too small for
//   float32 finite differences to see are compared absolutely rather than relatively.
// A tensor passes when its largest error is within the tolerance.
import * as ort from 'onnxruntime-node';
import type { LossKind, ProjectDocument, TrainStep, WeightMap } from '../../engine/index.ts';
import type { OnnxModel } from '../../engine/onnx/index.ts';
import { exportInference, lossValue, paramInputName } from '../../engine/index.ts';
import type { Rng } from '../../engine/data/index.ts';
import { encodeModel } from '../../engine/onnx/index.ts';

export interface ParamCheck {
  name: string;
  shape: number[];
  sampled: number;
  /** Sampled elements whose gradient is below what float32 finite differences resolve (compared absolutely). */
  unresolved: number;
  /** Largest per-element relative error among the sampled elements. */
  maxRelError: number;
  /** Where the largest error was: flat index, analytic and numeric values. */
  worst: { index: number; analytic: number; numeric: number };
  /** Relative error of the directional derivative along a perturbation of the whole tensor. */
  directionalError: number;
  pass: boolean;
}

/** Relative resolution of a loss computed in float64 from float32 forward passes (measured: 1e-8 to 3e-8). */
export const LOSS_RESOLUTION = 5e-8;
/** The directional check moves the loss by about this fraction of itself. */
export const DIRECTIONAL_CHANGE = 1e-4;
/** Further steps (times the first) tried when the first one disagrees. */
export const STEP_FACTORS = [1 / 4, 4, 1 / 16];

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** The train graph's forward only: the nodes the prediction needs, and the inputs they read. */
export function trainingForward(step: TrainStep): OnnxModel {
  const g = step.model.graph;
  const producer = new Map<string, number>();
  g.nodes.forEach((n, i) => n.outputs.forEach((o) => producer.set(o, i)));
  const keep = new Set<number>();
  const stack = [step.outputs.prediction];
  const seen = new Set<string>();
  while (stack.length) {
    const t = stack.pop()!;
    if (seen.has(t)) continue;
    seen.add(t);
    const i = producer.get(t);
    if (i === undefined || keep.has(i)) continue;
    keep.add(i);
    for (const x of g.nodes[i].inputs) if (x) stack.push(x);
  }
  const nodes = g.nodes.filter((_, i) => keep.has(i));
  const used = new Set(nodes.flatMap((n) => n.inputs));
  return {
    ...step.model,
    graph: {
      ...g,
      name: 'training_forward',
      nodes,
      initializers: g.initializers.filter((t) => used.has(t.name)),
      inputs: g.inputs.filter((v) => used.has(v.name)),
      outputs: g.outputs.filter((v) => v.name === step.outputs.prediction),
    },
  };
}

/** Indices to check: the largest |analytic| first, then random others; all of them if few. */
export function sampleIndices(grad: Float32Array, count: number, rng: Rng): number[] {
  if (grad.length <= count) return Array.from(grad.keys());
  const top: number[] = []; // the largest ceil(count / 2) by |grad|, smallest last
  const k = Math.ceil(count / 2);
  for (let i = 0; i < grad.length; i++) {
    const v = Math.abs(grad[i]);
    if (top.length === k && v <= Math.abs(grad[top[k - 1]])) continue;
    let j = top.length === k ? k - 1 : top.length;
    while (j > 0 && Math.abs(grad[top[j - 1]]) < v) {
      top[j] = top[j - 1];
      j--;
    }
    top[j] = i;
  }
  const picked = new Set(top);
  while (picked.size < count) picked.add(rng.int(grad.length));
  return [...picked];
}

/** The batch a check runs on: data per Input node id, dense targets, dropout masks by node id. */
export interface CheckBatch {
  data: Map<string, Float32Array>;
  target: Float32Array;
  masks: Map<string, Float32Array>;
}

/**
 * The loss as a function of the parameters: a float32 forward model whose parameter inputs are
 * mutable copies of the weights (perturbed in place by the checks), the loss summed in float64.
 */
export class LossProbe {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly feeds: Record<string, ort.Tensor>,
    private readonly outName: string,
    private readonly loss: LossKind,
    private readonly batch: CheckBatch,
    private readonly outShape: number[],
    /** node id -> param -> the fed (mutable) copy. */
    readonly params: Map<string, Map<string, Float32Array>>,
    readonly forward: 'inference' | 'training',
  ) {}

  static async create(
    doc: ProjectDocument,
    step: TrainStep,
    weights: WeightMap,
    batch: CheckBatch,
    loss: LossKind,
    threads = 2,
  ): Promise<LossProbe> {
    const training = step.masks.length > 0 || step.params.some((p) => p.buffer);
    const byId = new Map(doc.graph.nodes.map((n) => [n.id, n]));
    const model = training ? trainingForward(step) : exportInference(doc, { weightsAsInputs: true });
    const session = await ort.InferenceSession.create(encodeModel(model), {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
    });
    const feeds: Record<string, ort.Tensor> = {};
    const params = new Map<string, Map<string, Float32Array>>();
    const fed = new Set<string>();
    for (const p of step.params) {
      const name = paramInputName(byId.get(p.nodeId)!, p.param);
      const values = Float32Array.from(weights.get(p.nodeId)!.get(p.param)!);
      let m = params.get(p.nodeId);
      if (!m) params.set(p.nodeId, (m = new Map()));
      m.set(p.param, values);
      fed.add(name);
      feeds[training ? p.input : name] = new ort.Tensor('float32', values, p.shape);
    }
    if (training) {
      for (const d of step.dataInputs)
        feeds[d.input] = new ort.Tensor('float32', batch.data.get(d.nodeId)!, d.shape);
      for (const m of step.masks)
        feeds[m.input] = new ort.Tensor('float32', batch.masks.get(m.nodeId)!, m.shape);
    } else {
      const inputs = model.graph.inputs.filter((v) => !fed.has(v.name));
      step.dataInputs.forEach((d, i) => {
        feeds[inputs[i].name] = new ort.Tensor('float32', batch.data.get(d.nodeId)!, d.shape);
      });
    }
    for (const name of Object.keys(feeds))
      if (!model.graph.inputs.some((v) => v.name === name)) delete feeds[name];
    return new LossProbe(
      session,
      feeds,
      model.graph.outputs[0].name,
      loss,
      batch,
      step.target.shape,
      params,
      training ? 'training' : 'inference',
    );
  }

  async lossAt(): Promise<number> {
    const out = await this.session.run(this.feeds);
    return lossValue(this.loss, out[this.outName].data as Float32Array, this.batch.target, this.outShape);
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

export interface CheckSettings {
  samples: number;
  eps: number;
  tolerance: number;
  rng: Rng;
}

/**
 * Checks one parameter tensor: sampled elements one at a time, then the whole tensor along one
 * direction. `base` is the unperturbed loss. The weights are restored afterwards.
 */
export async function checkParameter(
  probe: LossProbe,
  w: Float32Array,
  analytic: Float32Array,
  base: number,
  s: CheckSettings,
): Promise<Omit<ParamCheck, 'name' | 'shape'>> {
  const { eps, tolerance, rng } = s;
  // What float32 forward passes resolve of the loss (a few ulps, summed over the outputs).
  const noise = LOSS_RESOLUTION * Math.max(1, Math.abs(base));
  // Relative error of an estimate; gradients too small to resolve at this step are compared absolutely.
  const error = (a: number, n: number, h: number) => {
    const resolution = (2 * noise) / (h * tolerance);
    return {
      rel: Math.abs(a - n) / Math.max(Math.abs(a), Math.abs(n), resolution, 1e-30),
      unresolved: Math.max(Math.abs(a), Math.abs(n)) < resolution,
    };
  };
  // Central difference along `dir` (a single element when dir is a number), restoring w.
  const slope = async (dir: number | Float32Array, h: number) => {
    const saved = typeof dir === 'number' ? w[dir] : Float32Array.from(w);
    const move = (sign: number) => {
      if (typeof dir === 'number') w[dir] = (saved as number) + sign * h;
      else for (let i = 0; i < w.length; i++) w[i] = (saved as Float32Array)[i] + sign * h * dir[i];
    };
    try {
      move(1);
      const up = await probe.lossAt();
      move(-1);
      const down = await probe.lossAt();
      return (up - down) / (2 * h);
    } finally {
      if (typeof dir === 'number') w[dir] = saved as number;
      else w.set(saved as Float32Array);
    }
  };
  // The first step, then (only if it disagrees) longer and shorter ones: float32 loses small
  // steps to rounding and long ones to ReLU / max-pool kinks. The best agreement counts.
  const best = async (dir: number | Float32Array, a: number, h: number) => {
    let numeric = await slope(dir, h);
    let e = error(a, numeric, h);
    for (const f of STEP_FACTORS) {
      if (e.rel <= tolerance) break;
      const n = await slope(dir, h * f);
      const e2 = error(a, n, h * f);
      if (e2.rel < e.rel) [numeric, e] = [n, e2];
    }
    return { numeric, ...e };
  };
  let rms = 0;
  for (const x of w) rms += x * x;
  rms = Math.sqrt(rms / w.length);
  const scale = Math.max(rms, 1e-3);
  let worst = { index: -1, analytic: 0, numeric: 0 };
  let maxRel = 0;
  let unresolved = 0;
  const indices = sampleIndices(analytic, s.samples, rng);
  for (const i of indices) {
    const r = await best(i, analytic[i], eps * Math.max(Math.abs(w[i]), scale));
    if (r.unresolved) unresolved++;
    if (r.rel >= maxRel) {
      maxRel = r.rel;
      worst = { index: i, analytic: analytic[i], numeric: r.numeric };
    }
  }
  // The whole tensor at once, along sign(a) with random weights, with a step that moves the
  // loss by a small fraction of itself: well above float32 noise, and nearly linear.
  const dir = Float32Array.from(analytic, (a) => Math.sign(a) * (0.5 + rng.next()));
  let expected = 0;
  for (let i = 0; i < w.length; i++) expected += analytic[i] * dir[i];
  const hDir = Math.min(
    eps * scale,
    (DIRECTIONAL_CHANGE * Math.max(1, Math.abs(base))) / Math.max(Math.abs(expected), 1e-30),
  );
  const directional = await best(dir, expected, hDir);
  return {
    sampled: indices.length,
    unresolved,
    maxRelError: maxRel,
    worst,
    directionalError: directional.rel,
    pass: maxRel <= tolerance && directional.rel <= tolerance,
  };
}

/** One-hot targets along axis 1 (classes), a random class per sample and spatial position. */
export function randomClasses(shape: number[], rng: Rng): Float32Array {
  const [n, c] = shape;
  const inner = size(shape.slice(2));
  const t = new Float32Array(size(shape));
  for (let b = 0; b < n; b++) for (let j = 0; j < inner; j++) t[(b * c + rng.int(c)) * inner + j] = 1;
  return t;
}
