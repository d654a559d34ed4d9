// `netwright grad MODEL --batch batch.json --loss mse|cross-entropy -o grads.json`: one forward and
// backward pass of the compiled gradients-only train step (float32, onnxruntime), in DESIGN.md's
// formats:
//   batch.json  {"inputs":{"<Input name>":{"shape":[N,...],"data":[...]}},"targets":{"shape":[...],"data":[...]}}
//               targets are class indices ([N]) for cross-entropy/NLL, a tensor shaped like the output for MSE/BCE
//   grads.json  {"loss":number,"grads":{"<node>.<param>":{"shape":[...],"data":[...]}}}
// Parameter names are the ONNX initializer names for an imported .onnx model, and otherwise
// `<node name>.<param>` (the initializer names of our exported ONNX files).
// The forward is the training-mode one (BatchNorm uses batch statistics, as model.train() does).
import { readFile } from 'node:fs/promises';
import type { LossKind, ProjectDocument, TrainStep, WeightMap } from '../engine/index.ts';
import {
  analyze,
  compileTrainStep,
  initialWeights,
  LOSSES,
  oneHotTargets,
  paramInputName,
  parseInit,
  withBatch,
} from '../engine/index.ts';
import { saveFileAtomic } from '../host/saveFileAtomic.ts';
import { StepSession } from '../host/training/session.ts';
import { CliError, within } from './errors.ts';
import { loadModelMeasured } from './loadModel.ts';
import { checkOutputFile } from './outputs.ts';

export interface TensorJson {
  shape: number[];
  data: number[];
}

export interface BatchJson {
  inputs: Record<string, TensorJson>;
  targets: TensorJson;
}

export interface GradsJson {
  loss: number;
  grads: Record<string, TensorJson>;
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function checkTensor(t: unknown, where: string): TensorJson {
  const v = t as TensorJson;
  if (!v || typeof v !== 'object' || !Array.isArray(v.shape) || !Array.isArray(v.data))
    throw new CliError(`${where}: expected {"shape":[...],"data":[...]}.`);
  if (!v.shape.every((d) => Number.isInteger(d) && d > 0))
    throw new CliError(`${where}.shape: expected positive integers, got [${v.shape.join(', ')}].`);
  if (v.data.length !== size(v.shape))
    throw new CliError(
      `${where}: shape [${v.shape.join(', ')}] holds ${size(v.shape)} values but data has ${v.data.length}.`,
    );
  const bad = v.data.findIndex((x) => typeof x !== 'number' || !Number.isFinite(x));
  if (bad >= 0) throw new CliError(`${where}.data[${bad}]: expected a finite number.`);
  return v;
}

/** Parses and checks batch.json against the model: Input names, shapes and the targets' form. */
export function prepareBatch(doc: ProjectDocument, raw: unknown, loss: LossKind, where = 'batch.json') {
  const b = raw as BatchJson;
  if (!b || typeof b !== 'object' || typeof b.inputs !== 'object' || !b.inputs)
    throw new CliError(`${where}: expected {"inputs":{...},"targets":{...}}.`);
  const inputNodes = doc.graph.nodes.filter((n) => n.type === 'Input');
  const names = new Set(inputNodes.map((n) => n.name));
  for (const k of Object.keys(b.inputs))
    if (!names.has(k))
      throw new CliError(
        `${where}: inputs.${k}: the model has no Input named ${k} (it has ${[...names].join(', ')}).`,
      );
  let batch: number | undefined;
  const tensors = new Map<string, TensorJson>();
  for (const n of inputNodes) {
    const t = b.inputs[n.name];
    if (!t) throw new CliError(`${where}: inputs.${n.name} is missing (one entry per Input of the model).`);
    checkTensor(t, `${where}: inputs.${n.name}`);
    if (batch !== undefined && t.shape[0] !== batch)
      throw new CliError(`${where}: inputs.${n.name} has batch ${t.shape[0]}, the others ${batch}.`);
    batch = t.shape[0];
    tensors.set(n.id, t);
  }
  if (batch === undefined) throw new CliError(`${doc.name} has no Input layer.`);
  const graph = withBatch(doc.graph, batch);
  const analysis = analyze(graph);
  for (const n of inputNodes) {
    const want = analysis.nodes.get(n.id)!.outputShape as number[];
    const got = tensors.get(n.id)!.shape;
    if (want.length !== got.length || want.some((d, i) => d !== got[i]))
      throw new CliError(
        `${where}: inputs.${n.name} has shape [${got.join(', ')}] but the model's ${n.name} takes [${want.join(', ')}].`,
      );
  }
  checkTensor(b.targets, `${where}: targets`);
  return { batch, tensors, targets: b.targets, graph, analysis, loss };
}

/** Dense float targets for the train step: one-hot rows from class indices, or the tensor as given. */
export function targetTensor(
  targets: TensorJson,
  loss: LossKind,
  outShape: number[],
  where = 'batch.json',
): Float32Array {
  const n = outShape[0];
  if (loss === 'cross-entropy' || loss === 'nll') {
    const classes = size(outShape.slice(1));
    if (targets.shape.length !== 1 || targets.shape[0] !== n)
      throw new CliError(
        `${where}: targets for ${loss} are class indices of shape [${n}], got [${targets.shape.join(', ')}].`,
      );
    const bad = targets.data.findIndex((c) => !Number.isInteger(c) || c < 0 || c >= classes);
    if (bad >= 0)
      throw new CliError(
        `${where}: targets.data[${bad}] = ${targets.data[bad]} is not a class index in 0..${classes - 1}.`,
      );
    return oneHotTargets(Int32Array.from(targets.data), classes);
  }
  if (targets.shape.length !== outShape.length || targets.shape.some((d, i) => d !== outShape[i]))
    throw new CliError(
      `${where}: targets for ${loss} must be shaped like the output [${outShape.join(', ')}], got [${targets.shape.join(', ')}].`,
    );
  return Float32Array.from(targets.data);
}

export function compileGradients(
  doc: ProjectDocument,
  batch: number,
  loss: LossKind,
  what: string,
): TrainStep {
  return within(what, () => compileTrainStep(doc.graph, { batchSize: batch, loss }));
}

/**
 * A parameter's public name: the ONNX initializer it came from for an imported model, otherwise
 * `<node name>.<param>` (the initializer name our exporter writes).
 */
export function parameterName(
  doc: ProjectDocument,
  nodeId: string,
  param: string,
  sources?: Record<string, Record<string, string>>,
): string {
  return (
    sources?.[nodeId]?.[param] ??
    paramInputName(
      doc.graph.nodes.find((n) => n.id === nodeId)!,
      param,
    )
  );
}

/** Parameter name -> gradient, for every trainable parameter. */
export function namedGrads(
  doc: ProjectDocument,
  step: TrainStep,
  grads: WeightMap,
  sources?: Record<string, Record<string, string>>,
): Record<string, TensorJson> {
  const out: Record<string, TensorJson> = {};
  for (const g of step.outputs.grads) {
    const p = step.params.find((x) => x.nodeId === g.nodeId && x.param === g.param)!;
    out[parameterName(doc, g.nodeId, g.param, sources)] = {
      shape: p.shape,
      // 9 significant digits round-trip a float32.
      data: Array.from(grads.get(g.nodeId)!.get(g.param)!, (x) => Number(x.toPrecision(9))),
    };
  }
  return out;
}

/** One forward and backward pass on a parsed batch.json. */
export async function computeGrads(
  doc: ProjectDocument,
  raw: unknown,
  loss: LossKind,
  opts: {
    seed?: number;
    init?: string;
    where?: string;
    /** Weights loaded beside the document (an ONNX file's initializers). */
    weights?: WeightMap;
    /** node id -> param -> ONNX initializer name, for an imported model. */
    sources?: Record<string, Record<string, string>>;
  } = {},
): Promise<GradsJson> {
  const prepared = prepareBatch(doc, raw, loss, opts.where);
  const step = compileGradients(doc, prepared.batch, loss, doc.name);
  const target = targetTensor(prepared.targets, loss, step.target.shape, opts.where);
  const init = parseInit(opts.init ?? 'default');
  const weights = initialWeights(prepared.analysis, doc, init, opts.seed ?? 0, opts.weights);
  const session = await StepSession.create(step, weights, { seed: opts.seed ?? 0 });
  try {
    const data = new Map([...prepared.tensors].map(([id, t]) => [id, Float32Array.from(t.data)]));
    const r = await session.run(data, target, { lr: 0 });
    return { loss: r.loss, grads: namedGrads(doc, step, r.grads!, opts.sources) };
  } finally {
    await session.release();
  }
}

export interface GradOptions {
  batch?: string;
  loss?: string;
  output?: string;
  seed?: string;
  init?: string;
  json?: boolean;
}

export async function gradCommand(modelPath: string, o: GradOptions): Promise<void> {
  if (!o.batch) throw new CliError('--batch <batch.json> is required.');
  const loss = (o.loss ?? 'cross-entropy') as LossKind;
  if (!LOSSES.includes(loss)) throw new CliError(`--loss ${o.loss}: choose one of ${LOSSES.join(', ')}.`);
  const seed = o.seed === undefined ? 0 : Number(o.seed);
  if (!Number.isInteger(seed)) throw new CliError(`--seed ${o.seed}: expected an integer.`);
  if (o.output) await checkOutputFile('-o', o.output);
  const loaded = await loadModelMeasured(modelPath);
  const doc = loaded.doc;
  const batchFile = o.batch;
  const raw: unknown = await within(
    (m) => `Can't read ${batchFile}: ${m}`,
    async () => JSON.parse(await readFile(batchFile, 'utf8')),
    true,
  );
  const init = o.init ?? 'default';
  within(
    (m) => `--${m}`,
    () => parseInit(init),
    true,
  );
  if (!doc.weights && !loaded.weights && !o.json)
    console.error(
      `${modelPath} has no stored weights; using ${init === 'default' ? "PyTorch's default" : init} initialization with seed ${seed}.`,
    );
  const result = await computeGrads(doc, raw, loss, {
    seed,
    init,
    where: o.batch,
    weights: loaded.weights,
    sources: loaded.import?.report.parameterSources,
  });
  const text = JSON.stringify(result);
  if (!o.output) {
    console.log(text);
    return;
  }
  await saveFileAtomic(o.output, text + '\n');
  const count = Object.values(result.grads).reduce((s, g) => s + g.data.length, 0);
  if (o.json)
    console.log(
      JSON.stringify({
        loss: result.loss,
        output: o.output,
        parameters: Object.keys(result.grads).length,
        values: count,
      }),
    );
  else
    console.log(
      `loss ${result.loss}; wrote gradients of ${Object.keys(result.grads).length} parameter tensors (${count.toLocaleString('en-US')} values) to ${o.output}.`,
    );
}
