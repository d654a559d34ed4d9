#!/usr/bin/env node
// `npm test`: typecheck, lint, unit tests (node:test), then end-to-end tests (Playwright in
// Debian's Chromium against browser mode). Ends with one plain "N passed, N failed" line.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

const run = (label, cmd, args, capture = false) => {
  console.log(`\n> ${label}`);
  const r = spawnSync(cmd, args, {
    stdio: capture ? ['inherit', 'pipe', 'inherit'] : 'inherit',
    encoding: 'utf8',
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  if (capture) process.stdout.write(r.stdout ?? '');
  return { ok: r.status === 0, out: r.stdout ?? '' };
};

let passed = 0;
let failed = 0;
let skipped = 0;
const steps = [
  ['typecheck', 'npx', ['tsc', '-p', '.']],
  ['lint', 'npx', ['eslint', '.']],
  ['format', 'npx', ['prettier', '--check', '.']],
];
for (const [label, cmd, args] of steps) if (!run(label, cmd, args).ok) failed++;

// The renderer is built first: browser-mode tests (unit and end-to-end) serve it.
if (!run('renderer build', 'npx', ['vite', 'build', '--logLevel', 'warn']).ok) failed++;

const units = readdirSync('test/unit')
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => `test/unit/${f}`);
const unit = run(
  'unit tests',
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', ...units],
  true,
);
passed += Number(/ℹ pass (\d+)/.exec(unit.out)?.[1] ?? 0);
failed += Number(/ℹ fail (\d+)/.exec(unit.out)?.[1] ?? (unit.ok ? 0 : 1));
skipped += Number(/ℹ skipped (\d+)/.exec(unit.out)?.[1] ?? 0);

if (process.env.NETWRIGHT_SKIP_E2E) console.log('\n> end-to-end tests skipped: NETWRIGHT_SKIP_E2E is set');
else if (!existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium')) {
  console.log(
    '\n> end-to-end tests FAILED to start: no Chromium at /usr/bin/chromium (apt-get install -y chromium)',
  );
  failed++;
} else {
  const e2e = run('end-to-end tests', 'npx', ['playwright', 'test'], true);
  passed += Number(/(\d+) passed/.exec(e2e.out)?.[1] ?? 0);
  failed += Number(/(\d+) failed/.exec(e2e.out)?.[1] ?? (e2e.ok ? 0 : 1));
  skipped += Number(/(\d+) skipped/.exec(e2e.out)?.[1] ?? 0);
}
// Every skip prints its reason: the unit tests' after the test's name ("# SKIP …"), the end-to-end
// tests' in a list at the end of their run (test/skipReasonsReporter.ts).
console.log(
  `\nnetwright: ${passed} passed, ${failed} failed, ${skipped} skipped (each with its reason above)`,
);
process.exit(failed ? 1 : 0);
