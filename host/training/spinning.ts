// Whether onnxruntime's intra-op threads should spin between ops, chosen by how busy the machine is.
//
// Spinning keeps a waiting thread on its core, so the next op starts at once: on a quiet 2-core
// machine the reference MLP's step was 10–16% faster with it. But a spinning thread burns the
// time slice that a thread it waits for, or any other process, needs: at load ~8 LeNet-5's step
// was 3× slower (docs/engine-notes.md §4). So a session starts without spinning and, while it
// runs, the governor below compares the machine's busy time (/proc/stat) with this process's own
// (process.cpuUsage()): when the other processes leave the cores free it turns spinning on, and
// as soon as they want them again, off. Linux only; elsewhere spinning stays off.
import { readFileSync } from 'node:fs';
import type { InferenceSession } from 'onnxruntime-node';

type SessionOptions = InferenceSession.SessionOptions;

/**
 * onnxruntime's intra-op threads spin between ops by default. A train step is many short ops, and
 * on a machine whose cores are shared (the app's UI, other processes) a spinning thread burns the
 * time slice the thread it waits for needs: LeNet's step went from 46 ms to 15 ms (best of 8
 * rounds, 2 threads, load ~8) with spinning off, and the MLP's stayed level (5.2 / 5.5 ms). On an
 * idle machine spinning is faster (MLP 10–16%), so the trainer asks for 'auto' (below).
 */
export const NO_SPINNING = { session: { intra_op: { allow_spinning: '0' } } };

/** The options of a session whose intra-op threads spin between ops, or don't. */
export const withSpinning = (options: SessionOptions, on: boolean): SessionOptions => {
  const { extra: _, ...rest } = options;
  return on ? rest : { ...rest, extra: NO_SPINNING };
};

/** The machine's CPU time (all cores, in /proc/stat ticks) and this process's (µs), at a moment. */
export interface CpuSample {
  /** Non-idle ticks over all cores (user, nice, system, irq, softirq, steal). */
  busy: number;
  /** All ticks over all cores (busy + idle + iowait). */
  total: number;
  /** This process's user + system CPU time, µs (every thread, onnxruntime's included). */
  ownMicros: number;
  /** performance.now() when taken, ms. */
  at: number;
  /** Cores counted in /proc/stat. */
  cores: number;
}

/** Parses /proc/stat's first lines: the "cpu" totals and the number of "cpuN" lines. */
export function parseProcStat(text: string): { busy: number; total: number; cores: number } | null {
  const lines = text.split('\n');
  const fields = lines[0]?.startsWith('cpu ') ? lines[0].trim().split(/\s+/).slice(1).map(Number) : [];
  // user nice system idle iowait irq softirq steal (guest time is already inside user and nice).
  if (fields.length < 8 || fields.some((f) => !Number.isFinite(f))) return null;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fields;
  const busy = user + nice + system + irq + softirq + steal;
  const cores = lines.filter((l) => /^cpu\d+ /.test(l)).length;
  return cores ? { busy, total: busy + idle + iowait, cores } : null;
}

/** The machine's CPU counters now; null where /proc/stat can't be read (not Linux). */
export function readCpuSample(read = () => readFileSync('/proc/stat', 'utf8')): CpuSample | null {
  let stat: ReturnType<typeof parseProcStat>;
  try {
    stat = parseProcStat(read());
  } catch {
    return null;
  }
  if (!stat) return null;
  const own = process.cpuUsage();
  return { ...stat, ownMicros: own.user + own.system, at: performance.now() };
}

/**
 * Cores' worth of CPU the other processes used between two samples: the machine's busy share of
 * its cores minus this process's CPU time over the wall time between them. Never below 0.
 */
export function othersBusyCores(a: CpuSample, b: CpuSample): number {
  const ticks = b.total - a.total;
  const wallMs = b.at - a.at;
  if (ticks <= 0 || wallMs <= 0) return 0;
  const machine = ((b.busy - a.busy) / ticks) * b.cores;
  const own = (b.ownMicros - a.ownMicros) / 1000 / wallMs;
  return Math.max(0, machine - own);
}

/**
 * Above this many cores of other work, spinning is off: a quarter core leaves room for a shell,
 * a terminal and the system's own noise, but not for another process computing.
 */
export const BUSY_CORES_LIMIT = 0.25;
/** The shortest window a choice is made over: /proc/stat counts in 10 ms ticks. */
export const WINDOW_MS = 500;
/** After spinning was turned off for load, how long it stays off before it may come back. */
export const BACKOFF_MS = 10_000;

/**
 * Decides, between onnxruntime calls, whether the next calls should spin. `next()` returns the
 * new choice when it changes, else null; samples are taken at most every WINDOW_MS, so it costs
 * one small file read per half second of training.
 */
export class SpinGovernor {
  private last: CpuSample | null;
  private spinning = false;
  /** No spinning before this time (after load turned it off). */
  private offUntil = 0;

  constructor(
    private readonly read: () => CpuSample | null = readCpuSample,
    /** The clock the window is checked on before reading (samples carry their own time). */
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.last = read();
  }

  /** Whether the machine's counters can be read here at all (else spinning stays off). */
  get available(): boolean {
    return this.last !== null;
  }

  next(): boolean | null {
    if (!this.last || this.clock() - this.last.at < WINDOW_MS) return null;
    const now = this.read();
    if (!now || now.at - this.last.at < WINDOW_MS) return null;
    const busy = othersBusyCores(this.last, now);
    this.last = now;
    const want = busy <= BUSY_CORES_LIMIT && now.at >= this.offUntil;
    if (this.spinning && !want) this.offUntil = now.at + BACKOFF_MS;
    if (want === this.spinning) return null;
    this.spinning = want;
    return want;
  }
}
