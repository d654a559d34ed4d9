// `netwright gradcheck MODEL`: for every parameter tensor, the analytic gradient (the compiled
// gradients-only train step, float32 in onnxruntime) against central finite differences on a
// small random batch (inputs N(0, 1), random classes). The comparison itself, and why it is done
// the way it is, lives in host/training/gradcheck.ts (shared with the app's step-through mode).
import type { LossKind, ProjectDocument, WeightMap } from '../engine/index.ts';
import { analyze, initialWeights, LOSSES, parseInit, withBatch } from '../engine/index.ts';
import { createRng } from '../engine/data/index.ts';
import type { ParamCheck } from '../host/training/gradcheck.ts';
import { checkParameter, LossProbe, randomClasses } from '../host/training/gradcheck.ts';
import { StepSession } from '../host/training/session.ts';
import { CliError } from './errors.ts';
import { compileGradients, parameterName } from './grad.ts';
import { loadModelMeasured } from './loadModel.ts';

export type { ParamCheck } from '../host/training/gradcheck.ts';

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

  const probe = await LossProbe.create(doc, step, weights, { data, target, masks }, loss, threads);
  const params: ParamCheck[] = [];
  try {
    const base = await probe.lossAt();
    for (const g of step.outputs.grads) {
      const p = step.params.find((x) => x.nodeId === g.nodeId && x.param === g.param)!;
      const result = await checkParameter(
        probe,
        probe.params.get(p.nodeId)!.get(p.param)!,
        grads.get(p.nodeId)!.get(p.param)!,
        base,
        { samples, eps, tolerance, rng },
      );
      params.push({ name: parameterName(doc, p.nodeId, p.param, opts.sources), shape: p.shape, ...result });
    }
  } finally {
    await probe.release();
  }
  return {
    model: doc.name,
    batch,
    loss,
    forward: probe.forward,
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
