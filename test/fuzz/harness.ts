// The fuzz harness: runs a target's cases in a child process and watches it from this one, so a
// case that hangs (over 5 s), exhausts the memory budget or kills its process is recorded, with
// its seed and input, and the run goes on from the next case. Every case ends in success or a
// documented error class.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { caseRand } from './target.ts';
import { loadTarget } from './targets/index.ts';
import type { FromFuzzWorker, ToFuzzWorker } from './worker.ts';

export const FIXTURE_DIR = join(import.meta.dirname, '..', 'fixtures', 'fuzz');

export interface FuzzOptions {
  cases: number;
  seed: number;
  /** The first case's index (default 0): a long run split in parts runs cases from..from+cases-1. */
  from?: number;
  /** A case slower than this is a hang. */
  caseTimeoutMs?: number;
  /** Process RSS above this (MB) fails the case running at the time. */
  memoryBudgetMb?: number;
  onProgress?(done: number): void;
}

export interface FuzzFailure {
  index: number;
  kind: 'undocumented' | 'hang' | 'crash' | 'memory';
  detail: string;
  input?: unknown;
}

export interface FuzzReport {
  target: string;
  seed: number;
  cases: number;
  outcomes: Record<string, number>;
  failures: FuzzFailure[];
  maxMs: number;
  slowestCase: number;
  peakRssMb: number;
  seconds: number;
}

/**
 * The fuzz worker's JS heap limit for an RSS budget: three quarters of it. With the limit equal to
 * the budget V8 felt no pressure to collect before the supervisor killed the worker for its RSS;
 * code, native buffers and onnxruntime need the rest.
 */
export const heapLimitMb = (budgetMb: number): number => Math.max(64, Math.floor(budgetMb * 0.75));

function startWorker(heapMb: number): ChildProcess {
  return fork(fileURLToPath(new URL('./worker.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx', `--max-old-space-size=${heapMb}`],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
}

/** A process's resident memory in MB (Linux), 0 where /proc can't say. */
function rssMb(pid: number | undefined): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
  } catch {
    return 0;
  }
}

/** Runs one worker over `message` until it is done, dies, hangs or passes the memory budget. */
function supervise(
  message: ToFuzzWorker,
  o: Required<Pick<FuzzOptions, 'caseTimeoutMs' | 'memoryBudgetMb'>>,
  onCase: (m: Extract<FromFuzzWorker, { type: 'case' }>) => void,
  onRss: (mb: number) => void,
): Promise<{ stoppedAt?: number; failure?: Omit<FuzzFailure, 'index'> }> {
  return new Promise((resolve) => {
    const worker = startWorker(heapLimitMb(o.memoryBudgetMb));
    let current = -1;
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finish = (r: { stoppedAt?: number; failure?: Omit<FuzzFailure, 'index'> }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearInterval(sampler);
      if (worker.exitCode !== null || worker.signalCode !== null) return resolve(r);
      worker.once('exit', () => resolve(r));
      worker.kill('SIGKILL');
    };
    const arm = (ms: number, what: string) => {
      clearTimeout(timer);
      timer = setTimeout(() => finish({ stoppedAt: current, failure: { kind: 'hang', detail: what } }), ms);
    };
    const sampler = setInterval(() => {
      const mb = rssMb(worker.pid);
      onRss(mb);
      if (mb > o.memoryBudgetMb)
        finish({
          stoppedAt: current,
          failure: { kind: 'memory', detail: `process RSS ${mb.toFixed(0)} MB` },
        });
    }, 100);
    arm(180_000, 'the target took over 180 s to set up');
    worker.on('message', (m: FromFuzzWorker) => {
      if (m.type === 'begin') {
        current = m.index;
        arm(o.caseTimeoutMs, `no result within ${o.caseTimeoutMs} ms`);
      } else if (m.type === 'case') {
        clearTimeout(timer);
        onCase(m);
      } else if (m.type === 'done') finish({});
      else if (m.type === 'boot-error')
        finish({ stoppedAt: current, failure: { kind: 'crash', detail: m.message } });
    });
    worker.on('error', (e) =>
      finish({ stoppedAt: current, failure: { kind: 'crash', detail: `${e.name}: ${e.message}` } }),
    );
    worker.on('exit', (code, signal) =>
      finish({
        stoppedAt: current,
        failure: { kind: 'crash', detail: `the process exited (${signal ?? code})` },
      }),
    );
    worker.send(message);
  });
}

function emptyReport(target: string, seed: number): FuzzReport {
  return {
    target,
    seed,
    cases: 0,
    outcomes: {},
    failures: [],
    maxMs: 0,
    slowestCase: -1,
    peakRssMb: 0,
    seconds: 0,
  };
}

/** Runs `cases` cases of a target from `seed`; failures are returned, never thrown. */
export async function fuzzTarget(name: string, options: FuzzOptions): Promise<FuzzReport> {
  const o = { caseTimeoutMs: 5000, memoryBudgetMb: 2048, ...options };
  const report = emptyReport(name, o.seed);
  const t0 = performance.now();
  const first = o.from ?? 0;
  const end = first + o.cases;
  let from = first;
  while (from < end) {
    const r = await supervise(
      { type: 'run', target: name, seed: o.seed, from, to: end },
      o,
      (m) => {
        report.cases++;
        report.outcomes[m.outcome] = (report.outcomes[m.outcome] ?? 0) + 1;
        if (m.ms > report.maxMs) [report.maxMs, report.slowestCase] = [m.ms, m.index];
        if (m.outcome === 'undocumented')
          report.failures.push({
            index: m.index,
            kind: 'undocumented',
            detail: m.detail ?? '',
            input: m.input,
          });
        o.onProgress?.(report.cases);
      },
      (mb) => (report.peakRssMb = Math.max(report.peakRssMb, mb)),
    );
    if (!r.failure) break;
    const index = Math.max(r.stoppedAt ?? from, from);
    report.cases++;
    report.outcomes[r.failure.kind] = (report.outcomes[r.failure.kind] ?? 0) + 1;
    report.failures.push({ index, ...r.failure, input: await regenerate(name, o.seed, index) });
    from = index + 1;
  }
  report.seconds = (performance.now() - t0) / 1000;
  return report;
}

/** The input of a case that killed its thread, made again here to be kept. */
async function regenerate(name: string, seed: number, index: number): Promise<unknown> {
  const target = await loadTarget(name);
  try {
    await target.setup?.();
    return target.save(target.generate(caseRand(seed, index), index));
  } catch (e) {
    return { unavailable: `the input could not be made again: ${(e as Error).message}` };
  } finally {
    await target.teardown?.().catch(() => undefined);
  }
}

/** Saved crash inputs of a target (test/fixtures/fuzz/<target>/*.json). */
export function fixtures(name: string): { file: string; input: unknown }[] {
  const dir = join(FIXTURE_DIR, name);
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort();
  } catch {
    return [];
  }
  return files.map((file) => ({ file, input: JSON.parse(readFileSync(join(dir, file), 'utf8')).input }));
}

/** Keeps a failure's input as a regression fixture; returns its path. */
export function keepFixture(name: string, seed: number, f: FuzzFailure): string {
  const dir = join(FIXTURE_DIR, name);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `seed${seed}-case${f.index}.json`);
  writeFileSync(
    path,
    JSON.stringify(
      { target: name, seed, index: f.index, kind: f.kind, detail: f.detail, input: f.input },
      null,
      2,
    ) + '\n',
  );
  return path;
}

/** Replays every kept fixture of a target; the report counts them as cases. */
export async function replayFixtures(name: string, o: Partial<FuzzOptions> = {}): Promise<FuzzReport> {
  const saved = fixtures(name);
  const report = emptyReport(name, -1);
  if (!saved.length) return report;
  const t0 = performance.now();
  const r = await supervise(
    { type: 'replay', target: name, saved: saved.map((s) => s.input) },
    { caseTimeoutMs: o.caseTimeoutMs ?? 5000, memoryBudgetMb: o.memoryBudgetMb ?? 2048 },
    (m) => {
      report.cases++;
      report.outcomes[m.outcome] = (report.outcomes[m.outcome] ?? 0) + 1;
      report.maxMs = Math.max(report.maxMs, m.ms);
      if (m.outcome === 'undocumented')
        report.failures.push({
          index: m.index,
          kind: 'undocumented',
          detail: `${saved[m.index].file}: ${m.detail}`,
        });
    },
    (mb) => (report.peakRssMb = Math.max(report.peakRssMb, mb)),
  );
  if (r.failure)
    report.failures.push({
      index: r.stoppedAt ?? -1,
      ...r.failure,
      detail: `${saved[r.stoppedAt ?? 0]?.file}: ${r.failure.detail}`,
    });
  report.seconds = (performance.now() - t0) / 1000;
  return report;
}
