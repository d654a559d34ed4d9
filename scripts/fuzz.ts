// The long fuzz tier: `npm run fuzz -- --cases 100000 [--target onnx] [--seed 1] [--keep] [--json]`;
// `--from N` runs cases N..N+cases-1, so a long run can be split into parts (their tables add up).
// Runs each target's cases in a watched worker thread (test/fuzz/harness.ts) and prints the table
// the hardening note asks for: target, cases, successes, each error class, max time, peak memory.
// --keep writes every failure's input to test/fixtures/fuzz/<target>/ (replayed by the CI tier).
// Exit code 1 when any case crashed, hung (over 5 s), went over the memory budget or ended in an
// undocumented exception.
import { parseArgs } from 'node:util';
import { fuzzTarget, keepFixture, type FuzzReport } from '../test/fuzz/harness.ts';
import { TARGETS } from '../test/fuzz/targets/index.ts';

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '2000' },
    target: { type: 'string', multiple: true },
    seed: { type: 'string', default: '1' },
    from: { type: 'string', default: '0' },
    keep: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    'memory-mb': { type: 'string', default: '2048' },
  },
});

const SUCCESS = new Set(['ok', 'loaded', 'exported', 'imported', 'uploaded', 'raw-answered']);
const cases = Number(values.cases);
const seed = Number(values.seed);
const targets = values.target?.length ? values.target : [...TARGETS];
const reports: FuzzReport[] = [];

for (const name of targets) {
  const started = Date.now();
  let last = 0;
  const report = await fuzzTarget(name, {
    cases,
    seed,
    from: Number(values.from),
    memoryBudgetMb: Number(values['memory-mb']),
    onProgress: (done) => {
      if (!values.json && (done === cases || Date.now() - last > 30_000)) {
        last = Date.now();
        console.error(`${name}: ${done}/${cases} cases, ${((Date.now() - started) / 1000).toFixed(0)} s`);
      }
    },
  });
  reports.push(report);
  if (values.json)
    console.log(JSON.stringify({ ...report, failures: report.failures.map(({ input: _, ...f }) => f) }));
  for (const f of report.failures) {
    console.error(`${name} case ${f.index} (seed ${seed}): ${f.kind}: ${f.detail.split('\n')[0]}`);
    if (values.keep) console.error(`  kept as ${keepFixture(name, seed, f)}`);
  }
}

if (!values.json) {
  const range = Number(values.from) ? ` (cases ${values.from} to ${Number(values.from) + cases - 1})` : '';
  console.log(`\nFuzzing, seed ${seed}, ${cases} cases per target${range}\n`);
  console.log('| target | cases | successes | error classes (count) | failures | max ms | peak RSS MB | s |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of reports) {
    const ok = Object.entries(r.outcomes).filter(([k]) => SUCCESS.has(k));
    const errors = Object.entries(r.outcomes).filter(
      ([k]) => !SUCCESS.has(k) && !['undocumented', 'hang', 'crash', 'memory'].includes(k),
    );
    const successes = ok.reduce((n, [, v]) => n + v, 0);
    console.log(
      `| ${r.target} | ${r.cases} | ${successes} (${ok.map(([k, v]) => `${k} ${v}`).join(', ')}) | ${errors.map(([k, v]) => `${k} ${v}`).join(', ')} | ${r.failures.length} | ${r.maxMs.toFixed(0)} | ${r.peakRssMb.toFixed(0)} | ${r.seconds.toFixed(0)} |`,
    );
  }
}
process.exit(reports.some((r) => r.failures.length) ? 1 : 0);
