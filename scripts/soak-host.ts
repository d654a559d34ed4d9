// The training soak without a browser: drives the host service the way the app's page does
// (start a run, follow it, evaluate it after each epoch, re-attach and retain it after a reload,
// every third run cut short), and samples the host's memory after every run. Tells the JS heap
// (heapUsed) from native memory (rss - heap: onnxruntime, worker threads, shared buffers).
//   node --expose-gc --import tsx scripts/soak-host.ts [--runs N] [--snapshot-every N]
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeHeapSnapshot } from 'node:v8';
import { createHostService } from '../host/hostService.ts';
import { repoRoot } from '../host/paths.ts';
import { tempDir } from '../test/helpers/tempDir.ts';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '60' }, 'snapshot-every': { type: 'string', default: '0' } },
});
const host = createHostService({ dataDir: tempDir('nw-soak-host-'), warmJobs: true });
const text = readFileSync(join(repoRoot, 'assets/templates/lenet5.netwright.json'), 'utf8');
const lessonDoc = await host.parseProject(text);
const { dataset, config } = JSON.parse(text).lesson.training;

const ended = new Map<string, () => void>();
host.subscribe((e) => {
  if (e.name !== 'training') return;
  for (const ev of e.payload.events)
    if (ev.event === 'finished' || ev.event === 'failed') ended.get(e.payload.runId)?.();
});
const mb = (n: number) => Math.round(n / 2 ** 20);
let last = performance.now();
const sample = (runs: number) => {
  const ms = Math.round(performance.now() - last);
  last = performance.now();
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  const threads = Number(/Threads:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
  console.log(
    JSON.stringify({
      runs,
      rss: mb(m.rss),
      heap: mb(m.heapUsed),
      external: mb(m.external),
      ab: mb(m.arrayBuffers),
      threads,
      ms,
    }),
  );
};

let previous: Promise<void> | null = null;
let previousId = '';
let client = randomUUID();
for (let runs = 1; runs <= Number(values.runs); runs++) {
  if (previous) {
    await host.stopTraining(previousId);
    await previous;
  }
  const started = await host.startTraining({
    document: lessonDoc,
    dataset: { ...dataset, limit: 1000 },
    config: { ...config, epochs: 1 },
  });
  const id = started.runId;
  const done = new Promise<void>((resolve) => ended.set(id, resolve));
  await host.retainRuns({ client, runIds: [id] });
  if (runs % 3 === 0) await new Promise((r) => setTimeout(r, 1500));
  else {
    await done;
    if (!process.env.NO_EVAL) await host.evaluateRun(id, { examples: 16 }).catch(() => undefined);
  }
  // The reload: a new page load re-attaches to the run it followed and retains it.
  client = randomUUID();
  await host.attachRun(id).catch(() => undefined);
  await host.retainRuns({ client, runIds: [id] });
  [previous, previousId] = [done, id];
  sample(runs);
  const every = Number(values['snapshot-every']);
  if (every && runs % every === 0)
    console.log('snapshot', writeHeapSnapshot(`/tmp/leak13/soak-${runs}.heapsnapshot`));
}
host.close();
process.exit(0);
