// A/B of train-step variants in one process, their steps interleaved, so a shared machine's load
// falls on every variant alike (compare the ratios, not the absolute times).
//
//   node --import tsx scripts/ab-train-step.ts [mlp|lenet|vgg] [--variant k=1] [--variant k=4]
//        [--variant tree=/work/main] [--rounds 40] [--threads 2] [--busy 2] [--json]
//
// A variant is `k=N` (this tree's StepSession, N train steps per onnxruntime call: the step
// unrolled N times, runMany()) or `tree=DIR` (another checkout's StepSession, one step per call:
// "before" against this tree's "after"; add `,k=N` when that tree has runMany too), and `,spin=0|1|auto`
// sets this tree's intra-op spinning (host/training/spinning.ts; default off); `split=N` runs this
// tree's step with the batch split across N threads (host/training/splitRunner.ts). Each round runs
// every variant for the same number of steps (the least common multiple of their Ks), in an order
// that alternates from round to round. Per variant it prints the milliseconds per step of each
// call (a call's time over its steps): min, p25 and median over the rounds, after 3 warm-up
// rounds; and the CPU time of the whole process per step (all its threads: onnxruntime's, a
// split step's partner), in which time stolen by a shared machine's other tenants is not, so it
// shows a change in work when wall times spread too widely to, and its minor page faults per step. The model, batch, optimizer and
// data are `netwright bench`'s (cli/bench.ts).
//
// `--busy N` runs N busy loops (other processes wanting every cycle) beside it, as a loaded machine.
// Spinning variants are best compared one per process, alternated: a spinning pool keeps spinning
// into the next variant's run.
//
// On a shared machine run it under `flock /tmp/nw-heavy.lock` and quote `uptime` beside it.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { REFERENCE_MODELS } from '../cli/bench.ts';

interface Variant {
  label: string;
  k: number;
  /** Runs `steps` steps (k per call); returns each call's ms per step, wall and CPU. */
  run(steps: number): Promise<{ wall: number[]; cpu: number[]; faults: number }>;
  release(): Promise<void>;
  /** Sessions rebuilt for a new spinning choice, and whether the last one spins (this tree only). */
  spin(): { rebuilds: number; spinning: boolean } | undefined;
}

const WARMUP_ROUNDS = 3;

/** A variant's StepSession from this tree or another checkout, on the reference model's step. */
async function openVariant(spec: string, model: string, threads: number): Promise<Variant> {
  const opts = Object.fromEntries(spec.split(',').map((kv) => kv.split('=') as [string, string]));
  const tree = resolve(opts.tree ?? new URL('..', import.meta.url).pathname);
  const k = Number(opts.k ?? 1);
  if (!Number.isInteger(k) || k < 1) throw new Error(`--variant ${spec}: k must be a positive integer`);
  const engine = await import(`${tree}/engine/index.ts`);
  const { createRng } = await import(`${tree}/engine/data/index.ts`);
  const { StepSession } = await import(`${tree}/host/training/session.ts`);
  const ref = REFERENCE_MODELS[model];
  const file = resolve(tree, `assets/templates/${ref.template}.netwright.json`);
  const graph = engine.parseDocument(readFileSync(file, 'utf8')).graph;
  const weights = engine.resolveWeights(engine.analyze(engine.withBatch(graph, ref.batch)), undefined, 0);
  const settings = {
    batchSize: ref.batch,
    loss: 'cross-entropy',
    optimizer: { kind: 'momentum', momentum: 0.9 },
  };
  const step = engine.compileTrainStep(graph, settings);
  const split = opts.split ? engine.compileSplitStep(graph, settings, Number(opts.split), step) : undefined;
  const session = await StepSession.create(step, weights, {
    threads,
    ...(split ? { split } : {}),
    ...(k > 1 ? { stepsPerCall: k } : {}),
    ...(opts.spin ? { spinning: opts.spin === 'auto' ? ('auto' as const) : opts.spin === '1' } : {}),
  });
  const rng = createRng(0);
  const d = step.dataInputs[0];
  const x = Float32Array.from({ length: d.shape.reduce((a: number, b: number) => a * b, 1) }, () =>
    rng.normal(),
  );
  const labels = Int32Array.from({ length: ref.batch }, () => rng.int(10));
  const input = {
    data: new Map([[d.nodeId, x]]),
    target: engine.oneHotTargets(labels, 10),
    hyper: { lr: 0.01 },
  };
  return {
    label: spec,
    k,
    async run(steps) {
      const wall: number[] = [];
      const cpu: number[] = [];
      const f0 = process.resourceUsage().minorPageFault;
      for (let i = 0; i < steps; i += k) {
        const t0 = performance.now();
        const c0 = process.cpuUsage();
        if (k === 1) await session.run(input.data, input.target, input.hyper);
        else await session.runMany(Array.from({ length: k }, () => input));
        const c = process.cpuUsage(c0);
        wall.push((performance.now() - t0) / k);
        cpu.push((c.user + c.system) / 1000 / k);
      }
      return { wall, cpu, faults: (process.resourceUsage().minorPageFault - f0) / steps };
    },
    release: () => session.release(),
    spin: () => (opts.spin ? { rebuilds: session.rebuilds, spinning: session.spinning } : undefined),
  };
}

const gcd = (a: number, b: number): number => (b ? gcd(b, a % b) : a);

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      variant: { type: 'string', multiple: true },
      rounds: { type: 'string', default: '40' },
      threads: { type: 'string', default: '2' },
      json: { type: 'boolean', default: false },
      busy: { type: 'string', default: '0' },
    },
  });
  const busy = Array.from({ length: Number(values.busy) }, () =>
    spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }),
  );
  // Also on an error: a busy loop must not outlive the measurement.
  process.on('exit', () => busy.forEach((p) => p.kill()));
  busy.forEach((p) => p.unref());
  const model = positionals[0] ?? 'mlp';
  if (!REFERENCE_MODELS[model])
    throw new Error(`unknown model ${model}; choose ${Object.keys(REFERENCE_MODELS).join(', ')}`);
  const specs = values.variant?.length ? values.variant : ['k=1', 'k=4'];
  const variants: Variant[] = [];
  for (const spec of specs) variants.push(await openVariant(spec, model, Number(values.threads)));
  const steps = variants.reduce((l, v) => (l * v.k) / gcd(l, v.k), 1);
  const times = variants.map(() => [] as number[]);
  const cpuTimes = variants.map(() => [] as number[]);
  const faults = variants.map(() => [] as number[]);
  const rounds = Number(values.rounds);
  for (let r = 0; r < WARMUP_ROUNDS + rounds; r++) {
    const order = variants.map((_, i) => i);
    if (r % 2) order.reverse();
    for (const i of order) {
      const t = await variants[i].run(steps);
      if (r >= WARMUP_ROUNDS) {
        times[i].push(...t.wall);
        cpuTimes[i].push(...t.cpu);
        faults[i].push(t.faults);
      }
    }
  }
  for (const [i, v] of variants.entries()) {
    const line = {
      model,
      variant: v.label,
      steps_per_call: v.k,
      calls: times[i].length,
      ...(v.spin() ?? {}),
      ms_per_step: {
        min: quantile(times[i], 0),
        p25: quantile(times[i], 0.25),
        median: quantile(times[i], 0.5),
      },
      cpu_ms_per_step: { p25: quantile(cpuTimes[i], 0.25), median: quantile(cpuTimes[i], 0.5) },
      page_faults_per_step: faults[i].reduce((a, b) => a + b, 0) / faults[i].length,
    };
    const ms = line.ms_per_step;
    console.log(
      values.json
        ? JSON.stringify(line)
        : `${model} ${v.label.padEnd(24)} ms/step min ${ms.min.toFixed(3)}  p25 ${ms.p25.toFixed(3)}  median ${ms.median.toFixed(3)}  cpu p25 ${line.cpu_ms_per_step.p25.toFixed(3)} median ${line.cpu_ms_per_step.median.toFixed(3)}  faults ${line.page_faults_per_step.toFixed(1)}  (${line.calls} calls${'rebuilds' in line ? `, ${line.rebuilds} spinning switches, ends ${line.spinning ? 'on' : 'off'}` : ''})`,
    );
    await v.release();
  }
}

await main();
