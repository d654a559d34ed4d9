// Tasks for the job runner's own tests: a busy loop, a heap hog and a thrower, so time and memory
// budgets, cancellation and error passing are exercised without a real workload.
import type { TaskContext } from '../../host/jobs/tasks.ts';

/** The last buffer `move` handed over, so `movedBytes` can tell whether it left this thread. */
let lastMoved: ArrayBuffer | null = null;

export const tasks = {
  move: async (input: { n: number }, ctx: TaskContext): Promise<Float32Array> => {
    const values = Float32Array.from({ length: input.n }, (_, i) => i / 2);
    lastMoved = values.buffer;
    ctx.transfer([values.buffer]);
    return values;
  },
  /** The sum of the input's bytes, as the job's thread sees them. */
  sumBytes: async (input: { bytes: Uint8Array }): Promise<number> => input.bytes.reduce((a, b) => a + b, 0),
  /** A moved buffer is detached here: its length reads 0. */
  movedBytes: async (): Promise<number | null> => lastMoved?.byteLength ?? null,
  spin: async (input: { ms: number }, ctx: TaskContext): Promise<number> => {
    const end = Date.now() + input.ms;
    let n = 0;
    ctx.progress({ phase: 'spinning', fraction: 0 });
    // At least one turn: on a cold thread a 1 ms budget can pass before the first check.
    do n++;
    while (Date.now() < end);
    ctx.progress({ phase: 'spinning', fraction: 1 });
    return n;
  },
  hoard: async (input: { mb: number }): Promise<number> => {
    const keep: number[][] = [];
    for (let i = 0; i < input.mb * 8; i++) keep.push(Array.from({ length: 16_384 }, (_, j) => j + i));
    return keep.length;
  },
  fail: async (input: { name: string; message: string; code?: string }): Promise<never> => {
    const e = new Error(input.message) as Error & { code?: string };
    e.name = input.name;
    e.code = input.code;
    throw e;
  },
};
