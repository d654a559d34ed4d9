// `netwright gradcheck MODEL`: for every parameter tensor, the analytic gradient (the compiled
// gradients-only train step, float32 in onnxruntime) against central finite differences
// (L(w + h) - L(w - h)) / 2h of a forward model run in onnxruntime in float32, with the loss summed
// in float64 in JavaScript, on a small random batch (inputs N(0, 1), random classes).
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
// A tensor passes when its largest error is within the tolerance (default 1e-2).
import * as ort from 'onnxruntime-node';
import type { LossKind, ProjectDocument, TrainStep, WeightMap } from '../engine/index.ts';
import type { OnnxModel } from '../engine/onnx/types.ts';
import { analyze, exportInference, LOSSES, lossValue, withBatch } from '../engine/index.ts';
import { createRng, type Rng } from '../engine/data/random.ts';
import { encodeModel } from '../engine/onnx/proto.ts';
import { initialWeights, parseInit } from '../host/training/initializers.ts';
import { StepSession } from '../host/training/session.ts';
import { CliError } from './errors.ts';
import { compileGradients, parameterName } from './grad.ts';
import { loadModelMeasured } from './loadModel.ts';

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

export interface GradcheckReport {
  model: string;
  batch: number;
  loss: LossKind;
  forward: 'inference' | 'training';
  eps: number;
  tolerance: number;
  params: ParamCheck[];
  pass: boolean;
}

export interface GradcheckOptions {
  batch?: number;
  samples?: number;
  eps?: number;
  tolerance?: number;
  seed?: number;
  loss?: LossKind;
  threads?: number;
  /** Weights loaded beside the document (an ONNX file's initializers). */
  weights?: WeightMap;
  /** node id -> param -> ONNX initializer name, for reporting an imported model's parameters. */
  sources?: Record<string, Record<string, string>>;
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Relative resolution of a loss computed in float64 from float32 forward passes (measured: 1e-8 to 3e-8). */
export const LOSS_RESOLUTION = 5e-8;
/** The directional check moves the loss by about this fraction of itself. */
export const DIRECTIONAL_CHANGE = 1e-4;
/** Further steps (times the first) tried when the first one disagrees. */
export const STEP_FACTORS = [1 / 4, 4, 1 / 16];

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

/** One-hot targets along axis 1 (classes), a random class per sample and spatial position. */
function randomClasses(shape: number[], rng: Rng): Float32Array {
  const [n, c] = shape;
  const inner = size(shape.slice(2));
  const t = new Float32Array(size(shape));
  for (let b = 0; b < n; b++) for (let j = 0; j < inner; j++) t[(b * c + rng.int(c)) * inner + j] = 1;
  return t;
}

/** Indices to check: the largest |analytic| first, then random others; all of them if few. */
function sampleIndices(grad: Float32Array, count: number, rng: Rng): number[] {
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

export async function gradcheck(doc: ProjectDocument, opts: GradcheckOptions = {}): Promise<GradcheckReport> {
  const batch = opts.batch ?? 2;
  const loss = opts.loss ?? 'cross-entropy';
  const eps = opts.eps ?? 1e-2;
  const tolerance = opts.tolerance ?? 5e-2;
  const seed = opts.seed ?? 0;
  const rng = createRng(seed + 17);
  const analysis = analyze(withBatch(doc.graph, batch));
  const step = compileGradients(doc, batch, loss, doc.name);
  if (step.dataInputs.length === 0) throw new CliError(`${doc.name} has no Input layer.`);
  const samples = opts.samples ?? (analysis.totals.macs > 2e8 ? 2 : 6);
  const threads = opts.threads ?? 2;
  const weights: WeightMap = initialWeights(analysis, doc, parseInit('default'), seed, opts.weights);

  // The batch: N(0, 1) inputs, random classes (or N(0, 1) targets for regression losses).
  const data = new Map(
    step.dataInputs.map((d) => [d.nodeId, Float32Array.from({ length: size(d.shape) }, () => rng.normal())]),
  );
  const outShape = step.target.shape;
  const target =
    loss === 'cross-entropy' || loss === 'nll'
      ? randomClasses(outShape, rng)
      : loss === 'bce-with-logits'
        ? Float32Array.from({ length: size(outShape) }, () => (rng.next() < 0.5 ? 0 : 1))
        : Float32Array.from({ length: size(outShape) }, () => rng.normal());
  const masks = new Map(
    step.masks.map((m) => [
      m.nodeId,
      Float32Array.from({ length: size(m.shape) }, () => (rng.next() < 1 - m.p ? 1 / (1 - m.p) : 0)),
    ]),
  );

  // Analytic gradients.
  const session = await StepSession.create(step, weights, { seed, threads });
  let grads: WeightMap;
  try {
    grads = (await session.run(data, target, { lr: 0 }, masks)).grads!;
  } finally {
    await session.release();
  }

  // The forward model and its feeds, parameters as inputs (perturbed in place).
  const training = step.masks.length > 0 || step.params.some((p) => p.buffer);
  const byId = new Map(doc.graph.nodes.map((n) => [n.id, n]));
  const model = training ? trainingForward(step) : exportInference(doc, { weightsAsInputs: true });
  const forward = await ort.InferenceSession.create(encodeModel(model), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
  });
  const feeds: Record<string, ort.Tensor> = {};
  const paramData = new Map<string, Float32Array>(); // `<node>.<param>` -> the fed (mutable) copy
  for (const p of step.params) {
    const name = `${byId.get(p.nodeId)!.name}.${p.param}`;
    const values = Float32Array.from(weights.get(p.nodeId)!.get(p.param)!);
    paramData.set(name, values);
    feeds[training ? p.input : name] = new ort.Tensor('float32', values, p.shape);
  }
  if (training) {
    for (const d of step.dataInputs) feeds[d.input] = new ort.Tensor('float32', data.get(d.nodeId)!, d.shape);
    for (const m of step.masks) feeds[m.input] = new ort.Tensor('float32', masks.get(m.nodeId)!, m.shape);
  } else {
    const inputs = model.graph.inputs.filter((v) => !paramData.has(v.name));
    step.dataInputs.forEach((d, i) => {
      feeds[inputs[i].name] = new ort.Tensor('float32', data.get(d.nodeId)!, d.shape);
    });
  }
  for (const name of Object.keys(feeds))
    if (!model.graph.inputs.some((v) => v.name === name)) delete feeds[name];
  const outName = model.graph.outputs[0].name;
  const lossAt = async () => {
    const out = await forward.run(feeds);
    return lossValue(loss, out[outName].data as Float32Array, target, outShape);
  };

  const params: ParamCheck[] = [];
  try {
    const base = await lossAt();
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
    const slope = async (w: Float32Array, dir: number | Float32Array, h: number) => {
      const saved = typeof dir === 'number' ? w[dir] : Float32Array.from(w);
      const move = (sign: number) => {
        if (typeof dir === 'number') w[dir] = (saved as number) + sign * h;
        else for (let i = 0; i < w.length; i++) w[i] = (saved as Float32Array)[i] + sign * h * dir[i];
      };
      move(1);
      const up = await lossAt();
      move(-1);
      const down = await lossAt();
      if (typeof dir === 'number') w[dir] = saved as number;
      else w.set(saved as Float32Array);
      return (up - down) / (2 * h);
    };
    // The first step, then (only if it disagrees) longer and shorter ones: float32 loses small
    // steps to rounding and long ones to ReLU / max-pool kinks. The best agreement counts.
    const best = async (w: Float32Array, dir: number | Float32Array, a: number, h: number) => {
      let numeric = await slope(w, dir, h);
      let e = error(a, numeric, h);
      for (const f of STEP_FACTORS) {
        if (e.rel <= tolerance) break;
        const n = await slope(w, dir, h * f);
        const e2 = error(a, n, h * f);
        if (e2.rel < e.rel) [numeric, e] = [n, e2];
      }
      return { numeric, ...e };
    };
    for (const g of step.outputs.grads) {
      const p = step.params.find((x) => x.nodeId === g.nodeId && x.param === g.param)!;
      const name = `${byId.get(p.nodeId)!.name}.${p.param}`;
      const w = paramData.get(name)!;
      const reported = parameterName(doc, p.nodeId, p.param, opts.sources);
      const analytic = grads.get(p.nodeId)!.get(p.param)!;
      let rms = 0;
      for (const x of w) rms += x * x;
      rms = Math.sqrt(rms / w.length);
      const scale = Math.max(rms, 1e-3);
      let worst = { index: -1, analytic: 0, numeric: 0 };
      let maxRel = 0;
      let unresolved = 0;
      const indices = sampleIndices(analytic, samples, rng);
      for (const i of indices) {
        const r = await best(w, i, analytic[i], eps * Math.max(Math.abs(w[i]), scale));
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
      const directional = await best(w, dir, expected, hDir);
      params.push({
        name: reported,
        shape: p.shape,
        sampled: indices.length,
        unresolved,
        maxRelError: maxRel,
        worst,
        directionalError: directional.rel,
        pass: maxRel <= tolerance && directional.rel <= tolerance,
      });
    }
  } finally {
    await forward.release();
  }
  return {
    model: doc.name,
    batch,
    loss,
    forward: training ? 'training' : 'inference',
    eps,
    tolerance,
    params,
    pass: params.every((p) => p.pass),
  };
}

export interface GradcheckCliOptions {
  json?: boolean;
  batch?: string;
  samples?: string;
  eps?: string;
  tolerance?: string;
  seed?: string;
  loss?: string;
}

function num(flag: string, text: string | undefined, ok: (v: number) => boolean, what: string) {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (!Number.isFinite(v) || !ok(v)) throw new CliError(`${flag} ${text}: expected ${what}.`);
  return v;
}

export async function gradcheckCommand(modelPath: string, o: GradcheckCliOptions): Promise<void> {
  const loss = (o.loss ?? 'cross-entropy') as LossKind;
  if (!LOSSES.includes(loss)) throw new CliError(`--loss ${o.loss}: choose one of ${LOSSES.join(', ')}.`);
  const int = (v: number) => Number.isInteger(v) && v > 0;
  const loaded = await loadModelMeasured(modelPath);
  const report = await gradcheck(loaded.doc, {
    weights: loaded.weights,
    sources: loaded.import?.report.parameterSources,
    loss,
    batch: num('--batch', o.batch, int, 'a positive integer'),
    samples: num('--samples', o.samples, int, 'a positive integer'),
    eps: num('--eps', o.eps, (v) => v > 0 && v < 1, 'a relative step in (0, 1)'),
    tolerance: num('--tolerance', o.tolerance, (v) => v > 0, 'a positive number'),
    seed: num('--seed', o.seed, Number.isInteger, 'an integer'),
  });
  if (o.json) console.log(JSON.stringify(report));
  else {
    console.log(
      `Gradient check of ${report.model}: batch ${report.batch}, ${report.loss}, float32; numeric gradients from the ${report.forward} forward ` +
        `with central differences, step ${report.eps} relative; tolerance ${report.tolerance} (max relative error per tensor).`,
    );
    const width = Math.max(9, ...report.params.map((p) => p.name.length));
    console.log(
      `${'parameter'.padEnd(width)}  ${'shape'.padEnd(18)} sampled  max rel err  directional  result`,
    );
    for (const p of report.params)
      console.log(
        `${p.name.padEnd(width)}  ${`[${p.shape.join(', ')}]`.padEnd(18)} ${String(p.sampled).padStart(7)}  ` +
          `${p.maxRelError.toExponential(2).padStart(11)}  ${p.directionalError.toExponential(2).padStart(11)}  ` +
          (p.pass
            ? `pass${p.unresolved ? ` (${p.unresolved} below float32 resolution)` : ''}`
            : `FAIL (worst element ${p.worst.index}: analytic ${p.worst.analytic.toExponential(3)}, numeric ${p.worst.numeric.toExponential(3)})`),
      );
    const failed = report.params.filter((p) => !p.pass).length;
    console.log(
      failed
        ? `${failed} of ${report.params.length} tensors FAILED.`
        : `All ${report.params.length} tensors pass.`,
    );
  }
  if (!report.pass) process.exitCode = 1;
}
