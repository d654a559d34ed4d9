// `netwright bench`: training and inference throughput of DESIGN.md's reference models (mlp, lenet,
// mini-VGG), measured the way the peers beside us are measured, plus the analysis benchmarks.
//
// One step = forward + loss + backward + SGD-momentum update with the loss read back (train), or a
// forward pass with the output read back (infer). samples_per_s = batch / median step time over 20
// calls after 3 warm-ups. Training runs as many steps per onnxruntime call as the trainer would
// (stepsPerCallFor: 4 for the MLP, whose returned parameters cost a noticeable part of a step), a
// call's time divided among its steps (steps_per_call in the JSON line). Each (model, mode) runs in its own child process so peak_rss_mb is that
// run's own high-water mark, not the largest of everything measured before it. The roofline is
// measured first, in onnxruntime on this machine (benchPeak.ts), and pct_peak is against its
// MatMul figure; train FLOPs are the step's exact count (engine/autodiff/flops.ts).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import type { Graph, ProjectDocument, TrainStepOptions } from '../engine/index.ts';
import {
  analyze,
  compileTrainStep,
  exportInference,
  parseDocument,
  oneHotTargets,
  resolveWeights,
  stepsPerCallFor,
  trainStepFlops,
  withBatch,
} from '../engine/index.ts';
import { createRng } from '../engine/data/index.ts';
import { encodeModel } from '../engine/onnx/index.ts';
import { WINDOW_MS as SPIN_WINDOW_MS } from '../host/training/spinning.ts';
import { StepSession } from '../host/training/session.ts';
import { splitFor } from '../host/training/splitRunner.ts';
import { benchAnalysis } from './benchAnalysis.ts';
import { measurePeak, type Peak } from './benchPeak.ts';
import { CliError } from './errors.ts';

export const BENCH_MODES = ['train', 'infer'] as const;
export type BenchMode = (typeof BENCH_MODES)[number];

export interface BenchResult {
  peer: 'netwright';
  model: string;
  batch: number;
  mode: BenchMode;
  samples_per_s: number;
  step_ms_median: number;
  peak_rss_mb: number;
  /** Exact FLOPs of one sample: 2 x forward MACs (infer), or trainStepFlops() (train). */
  flops_per_sample: number;
  gflops: number;
  /** gflops over the MatMul peak measured at the start of the same run, in percent. */
  pct_peak?: number;
  /** Train steps per onnxruntime call (the trainer's rule, stepsPerCallFor); 1 for infer. */
  steps_per_call: number;
  /** Threads the batch was split across (host/training/splitRunner.ts); absent: not split. */
  parts?: number;
}

/** The first JSON line of a run: the roofline pct_peak is measured against. */
export interface RooflineLine extends Peak {
  peer: 'netwright';
  kind: 'roofline';
}

interface Reference {
  batch: number;
  /** Forward MACs per sample from DESIGN.md; the template's analysis must agree. */
  macs: number;
  /** The template in assets/templates that is this reference model. */
  template: string;
}

/** DESIGN.md's reference models are the shipped templates of the same name. */
export const REFERENCE_MODELS: Record<string, Reference> = {
  mlp: { batch: 200, macs: 668_672, template: 'mlp' },
  lenet: { batch: 128, macs: 416_520, template: 'lenet5' },
  vgg: { batch: 128, macs: 77_307_904, template: 'mini-vgg' },
};

function referenceGraph(ref: Reference): Graph {
  const file = new URL(`../assets/templates/${ref.template}.netwright.json`, import.meta.url);
  return parseDocument(readFileSync(file, 'utf8')).graph;
}

const WARMUP = 3;
const STEPS = 20;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Fixed random inputs N(0, 1) and labels, the same for every step. */
function batchData(shape: number[], batch: number, seed = 0) {
  const rng = createRng(seed);
  const x = new Float32Array(batch * shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  const labels = Int32Array.from({ length: batch }, () => rng.int(10));
  return { x, target: oneHotTargets(labels, 10) };
}

/**
 * Each call's time per step: a call runs `stepsPerCall` steps (STEPS calls after WARMUP calls and
 * at least `warmupMs`).
 */
async function timeSteps(run: () => Promise<unknown>, stepsPerCall = 1, warmupMs = 0): Promise<number[]> {
  const warmupStart = performance.now();
  for (let i = 0; i < WARMUP || performance.now() - warmupStart < warmupMs; i++) await run();
  const times: number[] = [];
  for (let i = 0; i < STEPS; i++) {
    const t0 = performance.now();
    await run();
    times.push((performance.now() - t0) / stepsPerCall);
  }
  return times;
}

/** Measures one (model, mode) in this process. */
export async function benchOne(model: string, mode: BenchMode, threads = 2): Promise<BenchResult> {
  const ref = REFERENCE_MODELS[model];
  if (!ref)
    throw new CliError(`unknown bench model ${model}; choose ${Object.keys(REFERENCE_MODELS).join(', ')}.`);
  const graph = referenceGraph(ref);
  const analysis = analyze(withBatch(graph, ref.batch));
  const macs = analysis.totals.macs;
  if (macs !== ref.macs)
    throw new Error(`${model}: built graph has ${macs} MACs per sample, DESIGN.md says ${ref.macs}`);
  const weights = resolveWeights(analysis, undefined, 0);
  const inputShape = (graph.nodes.find((n) => n.type === 'Input')!.attributes.shape as number[]).slice();
  const { x, target } = batchData(inputShape, ref.batch);
  let times: number[];
  let stepsPerCall = 1;
  let parts = 1;
  const flopsPerSample = mode === 'train' ? trainStepFlops(graph).flopsPerSample : 2 * macs;
  if (mode === 'train') {
    const settings: TrainStepOptions = {
      batchSize: ref.batch,
      loss: 'cross-entropy',
      optimizer: { kind: 'momentum', momentum: 0.9 },
    };
    const step = compileTrainStep(graph, settings);
    // As the trainer does: several steps per call where the rule says so, the batch split across
    // the threads where that is faster.
    stepsPerCall = stepsPerCallFor(step, flopsPerSample * ref.batch);
    const split = splitFor(graph, settings, step, threads);
    const session = await StepSession.create(step, weights, {
      threads,
      stepsPerCall,
      spinning: 'auto',
      split,
    });
    parts = session.parts;
    stepsPerCall = session.stepsPerCall;
    const block = Array.from({ length: stepsPerCall }, () => ({
      data: new Map([[step.dataInputs[0].nodeId, x]]),
      target,
      hyper: { lr: 0.01 },
    }));
    let loss = 0;
    // As in a training run after its first window: spinning chosen by the machine's load.
    times = await timeSteps(
      async () => {
        loss = (await session.runMany(block)).at(-1)!.loss;
      },
      stepsPerCall,
      SPIN_WINDOW_MS + 100,
    );
    await session.release();
    if (!Number.isFinite(loss)) throw new Error(`${model}: the benchmark's loss became ${loss}`);
  } else {
    const doc: ProjectDocument = { format: 'netwright', version: 2, name: model, graph };
    const session = await ort.InferenceSession.create(encodeModel(exportInference(doc, { weights })), {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
    const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', x, [ref.batch, ...inputShape]) };
    times = await timeSteps(async () => {
      const out = await session.run(feeds);
      void (out[session.outputNames[0]].data as Float32Array)[0];
    });
    await session.release();
  }
  const stepMs = median(times);
  const samplesPerS = ref.batch / (stepMs / 1000);
  return {
    peer: 'netwright',
    model,
    batch: ref.batch,
    mode,
    samples_per_s: round(samplesPerS, 1),
    step_ms_median: round(stepMs, 3),
    peak_rss_mb: round(process.resourceUsage().maxRSS / 1024, 1),
    flops_per_sample: flopsPerSample,
    gflops: round((flopsPerSample * samplesPerS) / 1e9, 2),
    steps_per_call: stepsPerCall,
    ...(parts > 1 ? { parts } : {}),
  };
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

/**
 * Every reference model in both modes, each in a fresh child process (for its own peak RSS), with
 * pct_peak against `peak` when given.
 */
export function benchAll(
  opts: { models?: string[]; modes?: BenchMode[]; threads?: number; peak?: Peak } = {},
): BenchResult[] {
  const models = opts.models ?? Object.keys(REFERENCE_MODELS);
  const modes = opts.modes ?? [...BENCH_MODES];
  const out: BenchResult[] = [];
  for (const model of models)
    for (const mode of modes) {
      const r = spawnSync(
        process.execPath,
        [
          ...process.execArgv,
          process.argv[1],
          'bench',
          '--json',
          '--only',
          `${model}:${mode}`,
          '--threads',
          String(opts.threads ?? 2),
        ],
        { encoding: 'utf8' },
      );
      if (r.status !== 0) throw new Error(`bench ${model} ${mode} failed:\n${r.stderr}`);
      const result = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as BenchResult;
      if (opts.peak) result.pct_peak = round((100 * result.gflops) / opts.peak.matmul_gflops, 2);
      out.push(result);
    }
  return out;
}

function parseOnly(only: string): [string, BenchMode] {
  const [model, mode] = only.split(':');
  if (!REFERENCE_MODELS[model] || !BENCH_MODES.includes(mode as BenchMode))
    throw new CliError(
      `--only ${only}: expected <model>:<mode> with model ${Object.keys(REFERENCE_MODELS).join('|')} and mode train|infer.`,
    );
  return [model, mode as BenchMode];
}

export interface BenchOptions {
  json?: boolean;
  /** Internal: run one `<model>:<mode>` in this process (what benchAll's children do). */
  only?: string;
  models?: string;
  threads?: string;
  analysis?: boolean;
}

export async function benchCommand(o: BenchOptions): Promise<void> {
  const threads = o.threads === undefined ? 2 : Number(o.threads);
  if (!Number.isInteger(threads) || threads < 1)
    throw new CliError(`--threads ${o.threads}: expected a positive integer.`);
  if (o.only) {
    const [model, mode] = parseOnly(o.only);
    console.log(JSON.stringify(await benchOne(model, mode, threads)));
    return;
  }
  const models = o.models?.split(',').map((m) => m.trim());
  for (const m of models ?? [])
    if (!REFERENCE_MODELS[m])
      throw new CliError(
        `--models: unknown model ${m}; choose from ${Object.keys(REFERENCE_MODELS).join(', ')}.`,
      );
  const peak = await measurePeak(threads);
  const roofline: RooflineLine = { peer: 'netwright', kind: 'roofline', ...peak };
  if (o.json) console.log(JSON.stringify(roofline));
  else
    console.log(
      `Roofline (${threads} threads, onnxruntime float32): MatMul 2048 ${peak.matmul_gflops} GFLOP/s, ` +
        `3x3 Conv ${peak.conv_gflops} GFLOP/s\nThroughput (median of ${STEPS} steps after ${WARMUP} warm-ups):`,
    );
  for (const model of models ?? Object.keys(REFERENCE_MODELS))
    for (const r of benchAll({ models: [model], threads, peak })) {
      console.log(
        o.json
          ? JSON.stringify(r)
          : `${r.model.padEnd(5)} ${r.mode.padEnd(5)} batch ${String(r.batch).padStart(3)}: ${r.samples_per_s.toFixed(0).padStart(7)} samples/s, ` +
              `${r.step_ms_median.toFixed(2).padStart(8)} ms/step, ${r.gflops.toFixed(1).padStart(6)} GFLOP/s = ` +
              `${r.pct_peak!.toFixed(1).padStart(5)}% of MatMul peak, peak RSS ${r.peak_rss_mb.toFixed(0)} MB`,
      );
    }
  if (o.analysis === false) return;
  for (const line of benchAnalysis())
    console.log(
      o.json
        ? JSON.stringify(line)
        : `${line.bench}: median ${line.ms_median.toFixed(2)} ms over ${line.runs} runs (${line.nodes} nodes)`,
    );
}
