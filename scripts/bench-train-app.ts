// Issue 12 item 4: does the app train as fast as the CLI? Trains LeNet-5 on full MNIST with the
// lesson's settings (Adam, lr 0.002, batch 32) in the app (browser mode, Chromium through
// Playwright, the host in this process) and with `netwright train`, one after the other, and
// prints one JSON line per figure:
//   - first-step: ms from pressing Train to the drawer showing steps, on a cold and on a warm app
//     (warm: the same data and network trained once before);
//   - samples/s of the epoch, as the drawer shows it, beside the CLI's in the same run.
// A benchmark, not a test (not in `npm test`); run it alone on the machine:
//   npx vite build && flock /tmp/nw-heavy.lock node --import tsx scripts/bench-train-app.ts [--epochs 1]
//        [--batch 32] [--shot FILE (the window 8 s into the timed run)]
import { execFile } from 'node:child_process';

import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { promisify } from 'node:util';
import { chromium } from '@playwright/test';
import type { Page } from '@playwright/test';
import { repoRoot } from '../host/paths.ts';
import { startServer } from '../server/index.ts';
import { tempDir } from '../test/helpers/tempDir.ts';

const { values: args } = parseArgs({
  options: {
    epochs: { type: 'string', default: '1' },
    batch: { type: 'string', default: '32' },
    shot: { type: 'string' },
  },
});
const epochs = Number(args.epochs);
const batch = Number(args.batch);
const line = (o: Record<string, unknown>) => console.log(JSON.stringify({ bench: 'train-app', ...o }));
const drawer = (page: Page) => page.getByRole('region', { name: 'Training' });
const progressText = async (page: Page) =>
  (await drawer(page).getByTestId('training-progress').textContent()) ?? '';

async function openLenetLesson(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.locator('.app[data-ready="true"]').waitFor();
  await page.getByText('host connected').waitFor();
  const discard = page.getByRole('button', { name: 'Discard' });
  if (await discard.isVisible()) await discard.click();
  await page.getByRole('button', { name: 'Templates' }).click();
  await page
    .getByRole('dialog', { name: 'Templates' })
    .getByRole('button', { name: 'Lesson: LeNet-5 on MNIST' })
    .click();
  await page
    .getByRole('region', { name: 'Lesson' })
    .getByRole('button', { name: 'Train with these settings' })
    .click();
  await drawer(page).getByLabel('Training images').fill('60000');
  await drawer(page).getByLabel('Test images').fill('10000');
  await drawer(page).getByLabel('Epochs').fill(String(epochs));
  if (batch !== 32) await drawer(page).getByLabel('Batch size').fill(String(batch));
}

/** Presses Train; the ms until the drawer shows the run training (its first steps reported). */
async function pressTrain(page: Page): Promise<number> {
  const t0 = performance.now();
  await drawer(page)
    .getByRole('button', { name: /^Train/ })
    .click();
  await page.waitForFunction(
    () => /step [1-9]/.test(document.querySelector('[data-testid="training-progress"]')?.textContent ?? ''),
    null,
    { polling: 'raf', timeout: 120_000 },
  );
  return performance.now() - t0;
}

async function appRun(page: Page, label: string, wholeRun: boolean): Promise<number | null> {
  const firstStepMs = await pressTrain(page);
  if (!wholeRun) {
    await drawer(page).getByRole('button', { name: 'Stop' }).click();
    await drawer(page).getByRole('button', { name: 'Train again' }).waitFor({ timeout: 120_000 });
    line({ case: 'first-step', app: label, ms: Math.round(firstStepMs) });
    return null;
  }
  if (args.shot) {
    await page.waitForTimeout(8000);
    await page.screenshot({ path: args.shot });
  }
  await drawer(page)
    .getByRole('button', { name: 'Train again' })
    .waitFor({ timeout: 30 * 60_000 });
  const sps = Number(/([\d,]+) samples\/s/.exec(await progressText(page))?.[1].replace(/,/g, ''));
  line({ case: 'first-step', app: label, ms: Math.round(firstStepMs) });
  return sps;
}

async function cliSamplesPerSecond(): Promise<number> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      '--import',
      'tsx',
      join(repoRoot, 'cli', 'main.ts'),
      'train',
      join(repoRoot, 'assets', 'templates', 'lenet5.netwright.json'),
      ...['--data', 'mnist', '--epochs', String(epochs), '--batch-size', String(batch)],
      ...['--optimizer', 'adam', '--lr', '0.002', '--seed', '1', '--json'],
    ],
    { cwd: repoRoot, maxBuffer: 1 << 24 },
  );
  const epochsOut = stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { event?: string; samplesPerSecond?: number })
    .filter((e) => e.event === 'epoch');
  return epochsOut.reduce((a, e) => a + (e.samplesPerSecond ?? 0), 0) / epochsOut.length;
}

const dir = tempDir('netwright-bench-train-');
const server = await startServer({ dataDir: join(dir, 'data'), warmJobs: true });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await openLenetLesson(page, server.url);
  // Let the host load its spare training thread, as an app that has been open a moment has.
  await page.waitForTimeout(3000);
  await appRun(page, 'cold (first run after start)', false);
  await page.waitForTimeout(3000);
  const app = (await appRun(page, 'warm', true))!;
  const cli = await cliSamplesPerSecond();
  line({
    case: 'samples-per-second',
    model: 'lenet5',
    data: 'mnist 60000',
    batch,
    epochs,
    app,
    cli,
    ratio: Math.round((app / cli) * 1000) / 1000,
  });
} finally {
  await browser.close();
  await server.close();
}
process.exit(0);
