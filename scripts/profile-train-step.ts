// Where a train step's time goes, op by op: onnxruntime's own profiler over a reference model's
// train step (the same step, batch and session options `netwright bench` uses).
//
//   node --import tsx scripts/profile-train-step.ts [mlp|lenet|vgg] [--steps 20] [--top 12] [--spin]
//        [--batch N] [--threads N] [--split N]
//
// The session options are the trainer's (StepSession: intra-op threads do not spin); --spin turns
// onnxruntime's default spinning back on, to compare. --split N profiles one part of a step split
// across N threads (engine/autodiff/splitStep.ts): the gradient pass on batch / N samples, on one
// intra-op thread, as each thread of a split step runs it (--threads then defaults to 1).
//
// Prints the median wall time of a step, onnxruntime's time in its run call and in kernels, then
// the ops that took longest per step, by op type and by node. Run it under
// `flock /tmp/nw-heavy.lock` on a shared machine: a loaded machine inflates every op.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { compileSplitStep, compileTrainStep, parseDocument } from '../engine/index.ts';
import { encodeModel } from '../engine/onnx/index.ts';
import { REFERENCE_MODELS } from '../cli/bench.ts';
import { NO_SPINNING } from '../host/training/session.ts';
import { randomStepFeeds } from '../test/helpers/stepFeeds.ts';
import { tempDir } from '../test/helpers/tempDir.ts';

const WARMUP = 3;
const MOMENTUM = { kind: 'momentum', momentum: 0.9 } as const;

interface ProfileEvent {
  cat: string;
  name: string;
  ts: number;
  dur: number;
  args: { op_name?: string };
}

function referenceGraph(model: string) {
  const file = new URL(
    `../assets/templates/${REFERENCE_MODELS[model].template}.netwright.json`,
    import.meta.url,
  );
  return parseDocument(readFileSync(file, 'utf8')).graph;
}

/** Milliseconds per step of each key, largest first. */
function top(totals: Map<string, number>, steps: number, n: number): string {
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => `  ${(us / steps / 1000).toFixed(3).padStart(8)} ms  ${name}`)
    .join('\n');
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      steps: { type: 'string', default: '20' },
      top: { type: 'string', default: '12' },
      spin: { type: 'boolean', default: false },
      batch: { type: 'string' },
      threads: { type: 'string' },
      split: { type: 'string' },
    },
  });
  const model = positionals[0] ?? 'mlp';
  const ref = REFERENCE_MODELS[model];
  if (!ref) throw new Error(`unknown model ${model}; choose ${Object.keys(REFERENCE_MODELS).join(', ')}`);
  const steps = Number(values.steps);
  const parts = Number(values.split ?? 1);
  const batch = Number(values.batch ?? ref.batch) / parts;
  const threads = Number(values.threads ?? (parts > 1 ? 1 : 2));
  if (!Number.isInteger(batch) || batch < 1) throw new Error('--batch must split into --split equal parts');
  const settings = { batchSize: batch, loss: 'cross-entropy' as const };
  const step =
    parts > 1
      ? compileSplitStep(
          referenceGraph(model),
          { ...settings, batchSize: batch * parts, optimizer: MOMENTUM },
          parts,
        ).gradient
      : compileTrainStep(referenceGraph(model), { ...settings, optimizer: MOMENTUM });
  const dir = tempDir('netwright-profile-');
  const session = await ort.InferenceSession.create(encodeModel(step.model), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    enableProfiling: true,
    profileFilePrefix: join(dir, model),
    ...(values.spin ? {} : { extra: NO_SPINNING }),
  });
  const feeds = randomStepFeeds(step, referenceGraph(model));
  const wall: number[] = [];
  for (let i = 0; i < WARMUP + steps; i++) {
    const t0 = performance.now();
    await session.run(feeds);
    if (i >= WARMUP) wall.push(performance.now() - t0);
  }
  // endProfiling() writes the file (the Node binding returns no name): the one in our folder.
  session.endProfiling();
  await session.release();
  const file = join(
    dir,
    readdirSync(dir).find((f) => f.endsWith('.json'))!,
  );
  const events = JSON.parse(readFileSync(file, 'utf8')) as ProfileEvent[];
  rmSync(dir, { recursive: true, force: true });
  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').slice(WARMUP);
  const start = runs[0].ts;
  const byType = new Map<string, number>();
  const byNode = new Map<string, number>();
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time') || e.ts < start) continue;
    const op = e.args.op_name ?? '?';
    byType.set(op, (byType.get(op) ?? 0) + e.dur);
    const node = `${e.name.slice(0, -'_kernel_time'.length)} (${op})`;
    byNode.set(node, (byNode.get(node) ?? 0) + e.dur);
  }
  const kernels = [...byType.values()].reduce((a, b) => a + b, 0);
  wall.sort((a, b) => a - b);
  console.log(
    `${model} (batch ${batch}${parts > 1 ? `, one of ${parts} parts` : ''}, ${threads} thread(s), ${step.model.graph.nodes.length} nodes): median step ${wall[wall.length >> 1].toFixed(2)} ms, ` +
      `onnxruntime run ${(runs.reduce((a, e) => a + e.dur, 0) / runs.length / 1000).toFixed(2)} ms, kernels ${(kernels / runs.length / 1000).toFixed(2)} ms`,
  );
  const n = Number(values.top);
  console.log(`by op type:\n${top(byType, runs.length, n)}\nby node:\n${top(byNode, runs.length, n)}`);
}

await main();
