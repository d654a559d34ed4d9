// The fuzz worker process (forked by harness.ts): loads one target, runs a range of its cases (or
// saved crash inputs) and reports each case's outcome and time to the harness, which watches it
// for hangs, crashes and memory. A process, not a thread: some V8 failures abort the process.
import { caseRand, describeError, type FuzzTarget } from './target.ts';
import { loadTarget } from './targets/index.ts';

export type ToFuzzWorker =
  | { type: 'run'; target: string; seed: number; from: number; to: number }
  | { type: 'replay'; target: string; saved: unknown[] };

export type FromFuzzWorker =
  | { type: 'ready' }
  | { type: 'begin'; index: number }
  | { type: 'case'; index: number; outcome: string; ms: number; detail?: string; input?: unknown }
  | { type: 'done' }
  | { type: 'boot-error'; message: string };

async function runCase(target: FuzzTarget, input: unknown, index: number, post: (m: FromFuzzWorker) => void) {
  post({ type: 'begin', index });
  const t0 = performance.now();
  let outcome: string;
  let detail: string | undefined;
  try {
    outcome = await target.run(input);
    if (!target.outcomes.includes(outcome)) {
      detail = `outcome '${outcome}' is not one of ${target.outcomes.join(', ')}`;
      outcome = 'undocumented';
    }
  } catch (e) {
    outcome = 'undocumented';
    detail = describeError(e);
  }
  const ms = performance.now() - t0;
  post({ type: 'case', index, outcome, ms, ...(detail ? { detail, input: target.save(input) } : {}) });
}

if (process.send) {
  const post = (m: FromFuzzWorker) => process.send!(m);
  process.once('message', async (m: ToFuzzWorker) => {
    try {
      const target = await loadTarget(m.target);
      await target.setup?.();
      post({ type: 'ready' });
      if (m.type === 'run')
        for (let i = m.from; i < m.to; i++)
          await runCase(target, target.generate(caseRand(m.seed, i), i), i, post);
      else for (const [i, saved] of m.saved.entries()) await runCase(target, target.load(saved), i, post);
      await target.teardown?.();
      post({ type: 'done' });
    } catch (e) {
      post({ type: 'boot-error', message: describeError(e) });
    }
    process.disconnect();
  });
}
