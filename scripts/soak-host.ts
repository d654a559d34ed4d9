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
const ARENA = 64 * 2 ** 20;
/**
 * Resident memory in glibc's thread arenas (heaps of 64 MB reserved at 64 MB-aligned addresses,
 * a read-write part then the rest reserved) and in the main arena ([heap]), in MB.
 */
function arenas(): { arenas: number; arenaMb: number; mainMb: number } {
  const lines = readFileSync('/proc/self/smaps', 'utf8').split('\n');
  const maps: { start: number; end: number; perms: string; name: string; rss: number }[] = [];
  for (const line of lines) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (m) maps.push({ start: parseInt(m[1], 16), end: parseInt(m[2], 16), perms: m[3], name: m[4], rss: 0 });
    const r = /^Rss:\s+(\d+)/.exec(line);
    if (r) maps[maps.length - 1].rss = Number(r[1]);
  }
  let count = 0;
  let arenaKb = 0;
  for (let i = 0; i < maps.length; i++) {
    const m = maps[i];
    const rest = maps[i + 1];
    const aligned = m.start % ARENA === 0 && !m.name && m.perms === 'rw-p';
    const whole = rest && rest.start === m.end && rest.perms === '---p' && rest.end - m.start === ARENA;
    if (aligned && (whole || m.end - m.start === ARENA)) {
      count++;
      arenaKb += m.rss;
    }
  }
  const mainKb = maps.filter((m) => m.name === '[heap]').reduce((s, m) => s + m.rss, 0);
  return { arenas: count, arenaMb: Math.round(arenaKb / 1024), mainMb: Math.round(mainKb / 1024) };
}

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
      ...arenas(),
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
