// The job worker's side (see runner.ts): loads the tasks module named in workerData and runs one
// task at a time, posting progress, the result, or the error as plain data the host can revive.
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { JobProgress, TaskContext } from './tasks.ts';

export type ToJobWorker = { type: 'run'; id: number; name: string; input: unknown };

/** An error as it crosses the thread boundary: its class name, message, and host code if any. */
export interface JobFailure {
  name: string;
  message: string;
  code?: string;
}

export type FromJobWorker =
  /** The task itself begins (its thread and modules are loaded): its time budget starts now. */
  | { type: 'started'; id: number }
  | { type: 'progress'; id: number; progress: JobProgress }
  | { type: 'done'; id: number; result: unknown }
  | { type: 'error'; id: number; error: JobFailure }
  | { type: 'boot-error'; message: string };

type Task = (input: unknown, ctx: TaskContext) => Promise<unknown>;

function failure(e: unknown): JobFailure {
  if (!(e instanceof Error)) return { name: 'Error', message: String(e) };
  const code = (e as { code?: unknown }).code;
  return { name: e.name, message: e.message, ...(typeof code === 'string' ? { code } : {}) };
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  const { module } = workerData as { module: string };
  const loaded = import(module) as Promise<{ tasks: Record<string, Task> }>;
  port.on('message', (m: ToJobWorker) => {
    if (m.type !== 'run') return;
    // Cancelling ends the whole thread (runner.ts), so a task needs no abort checks of its own.
    const moved: ArrayBuffer[] = [];
    const ctx: TaskContext = {
      progress: (progress) =>
        port.postMessage({ type: 'progress', id: m.id, progress } satisfies FromJobWorker),
      transfer: (buffers) => void moved.push(...buffers),
    };
    loaded
      .then(({ tasks }) => {
        const task = Object.prototype.hasOwnProperty.call(tasks, m.name) ? tasks[m.name] : undefined;
        if (!task) throw new Error(`There is no job task '${m.name}'.`);
        port.postMessage({ type: 'started', id: m.id } satisfies FromJobWorker);
        return task(m.input, ctx);
      })
      .then((result) => port.postMessage({ type: 'done', id: m.id, result } satisfies FromJobWorker, moved))
      // A thrown error, or a result that can't be cloned to the host.
      .catch((e: unknown) =>
        port.postMessage({ type: 'error', id: m.id, error: failure(e) } satisfies FromJobWorker),
      );
  });
}
