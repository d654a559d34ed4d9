// Worker threads that run this project's TypeScript: Node 20 workers don't inherit the parent's
// --import hooks, so a thread's first code registers tsx's loader itself and then imports its
// entry module. A failure to load is posted as { type: bootErrorType, message }.
import { Worker, type WorkerOptions } from 'node:worker_threads';

const BOOTSTRAP = `
  const { workerData, parentPort } = require('node:worker_threads');
  import(workerData.tsx)
    .then((m) => { m.register(); return import(workerData.entry); })
    .catch((e) => parentPort.postMessage({ type: workerData.bootErrorType, message: String((e && e.stack) || e) }));
`;

/** A thread running `entry` (a module URL) with `data` merged into its workerData. */
export function startTsxThread(
  entry: string,
  data: Record<string, unknown>,
  options: Omit<WorkerOptions, 'eval' | 'workerData'> & { bootErrorType?: string } = {},
): Worker {
  const { bootErrorType = 'error', ...rest } = options;
  return new Worker(BOOTSTRAP, {
    ...rest,
    eval: true,
    workerData: { ...data, tsx: import.meta.resolve('tsx/esm/api'), entry, bootErrorType },
  });
}
