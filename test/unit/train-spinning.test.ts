// Intra-op spinning chosen by the machine's load (host/training/spinning.ts): the /proc/stat
// arithmetic, the governor's choices, and a StepSession that switches spinning on and off mid-run
// without changing a single value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  analyze,
  compileTrainStep,
  GraphBuilder,
  oneHotTargets,
  resolveWeights,
  withBatch,
} from '../../engine/index.ts';
import { createRng } from '../../engine/data/index.ts';
import { StepSession, type StepInput } from '../../host/training/session.ts';
import {
  BACKOFF_MS,
  othersBusyCores,
  parseProcStat,
  readCpuSample,
  SpinGovernor,
  WINDOW_MS,
  type CpuSample,
} from '../../host/training/spinning.ts';

const STAT = `cpu  100 20 30 400 10 5 6 7 0 0
cpu0 50 10 15 200 5 2 3 3 0 0
cpu1 50 10 15 200 5 3 3 4 0 0
intr 12345
`;

test('parseProcStat: busy is user + nice + system + irq + softirq + steal; idle and iowait are not', () => {
  assert.deepEqual(parseProcStat(STAT), { busy: 168, total: 578, cores: 2 });
  assert.equal(parseProcStat('intr 1 2 3\n'), null);
  assert.equal(parseProcStat('cpu  1 2 x 4 5 6 7 8\ncpu0 1\n'), null);
});

test('readCpuSample reads this machine (Linux) or gives null when /proc/stat is unreadable', () => {
  assert.equal(
    readCpuSample(() => {
      throw new Error('ENOENT');
    }),
    null,
  );
  if (process.platform !== 'linux') return;
  const s = readCpuSample()!;
  assert.ok(s.cores >= 1 && s.total > s.busy && s.busy > 0, JSON.stringify(s));
});

/** A sample `ms` into a run on 2 cores (100 ticks per core-second), with the busy cores given. */
function sample(ms: number, machineBusyCores: number, ownCores: number, base?: CpuSample): CpuSample {
  const b = base ?? { busy: 0, total: 0, ownMicros: 0, at: 0, cores: 2 };
  const ticks = (2 * 100 * ms) / 1000;
  return {
    busy: b.busy + (ticks * machineBusyCores) / 2,
    total: b.total + ticks,
    ownMicros: b.ownMicros + ownCores * ms * 1000,
    at: b.at + ms,
    cores: 2,
  };
}

test("othersBusyCores: the machine's busy cores minus this process's own CPU time", () => {
  const a = sample(0, 0, 0);
  // The machine was 1.8 cores busy, of which this process 1.5: others 0.3.
  assert.ok(Math.abs(othersBusyCores(a, sample(1000, 1.8, 1.5, a)) - 0.3) < 1e-9);
  // Counted to the tick, our own time can exceed the machine's: never below zero.
  assert.equal(othersBusyCores(a, sample(1000, 1.5, 1.6, a)), 0);
});

/** A governor over scripted readings: each `step()` lets `ms` pass with that load, then asks it. */
function scripted() {
  let now = sample(0, 0, 0);
  const g = new SpinGovernor(
    () => now,
    () => now.at,
  );
  const step = (ms: number, others: number) => {
    now = sample(ms, others + 1.5, 1.5, now);
    return g.next();
  };
  return { g, step };
}

test('SpinGovernor: on when the others leave the cores free, off as soon as they want them, back on only after the back-off', () => {
  const { g, step } = scripted();
  assert.equal(g.available, true);
  assert.equal(step(WINDOW_MS / 2, 0), null, 'no choice before a full window');
  assert.equal(step(WINDOW_MS, 0.1), true, 'quiet: spin');
  assert.equal(step(WINDOW_MS, 0.1), null, 'no change');
  assert.equal(step(WINDOW_MS, 1), false, 'another process computing: stop spinning');
  assert.equal(step(WINDOW_MS, 0), null, 'quiet again, but within the back-off');
  assert.equal(step(BACKOFF_MS, 0), true, 'quiet after the back-off: spin again');
  assert.equal(new SpinGovernor(() => null).available, false);
});

test('StepSession with a governor: spinning switched on and off between calls gives bit for bit the results of a session that never spins', async () => {
  const b = new GraphBuilder();
  b.chain(b.input([6]), [['Linear', { out_features: 5 }], ['ReLU'], ['Linear', { out_features: 3 }]]);
  const batch = 8;
  const step = compileTrainStep(b.graph, {
    batchSize: batch,
    loss: 'cross-entropy',
    optimizer: { kind: 'momentum', momentum: 0.9 },
  });
  const weights = resolveWeights(analyze(withBatch(b.graph, batch)), undefined, 1);
  const inputs: StepInput[] = Array.from({ length: 12 }, (_, i) => {
    const rng = createRng(7 + i);
    return {
      data: new Map([
        [step.dataInputs[0].nodeId, Float32Array.from({ length: batch * 6 }, () => rng.normal())],
      ]),
      target: oneHotTargets(
        Int32Array.from({ length: batch }, () => rng.int(3)),
        3,
      ),
      hyper: { lr: 0.1 },
    };
  });
  // Read once when made, then before each call a window later: quiet, quiet, another process busy.
  const loads = [0, 0, 0.1, 1];
  let now: CpuSample | undefined;
  const governed = new SpinGovernor(
    () => (now = sample(WINDOW_MS, (loads.shift() ?? 1) + 1.5, 1.5, now)),
    () => now!.at + WINDOW_MS,
  );
  const plain = await StepSession.create(step, weights, { stepsPerCall: 4 });
  const switching = await StepSession.create(step, weights, { stepsPerCall: 4, spinning: governed });
  const seen: boolean[] = [];
  for (let i = 0; i < inputs.length; i += 4) {
    const a = await plain.runMany(inputs.slice(i, i + 4));
    const c = await switching.runMany(inputs.slice(i, i + 4));
    seen.push(switching.spinning);
    assert.deepEqual(
      c.map((r) => [r.loss, [...r.prediction]]),
      a.map((r) => [r.loss, [...r.prediction]]),
    );
  }
  assert.deepEqual(seen, [true, true, false]);
  assert.equal(switching.rebuilds, 2);
  assert.equal(plain.spinning, false);
  assert.deepEqual(switching.exportState(), plain.exportState());
  await plain.release();
  await switching.release();
});
