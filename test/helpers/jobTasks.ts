// Tasks for the job runner's own tests: a busy loop, a heap hog and a thrower, so time and memory
// budgets, cancellation and error passing are exercised without a real workload.
import type { TaskContext } from '../../host/jobs/tasks.ts';

export const tasks = {
  spin: async (input: { ms: number }, ctx: TaskContext): Promise<number> => {
    const end = Date.now() + input.ms;
    let n = 0;
    ctx.progress({ phase: 'spinning', fraction: 0 });
    while (Date.now() < end) n++;
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
