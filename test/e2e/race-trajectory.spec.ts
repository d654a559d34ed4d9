// The optimizer race's parameter trajectory as a student meets it: the momentum-forms lesson from
// the gallery, its race started with the lesson's settings, and the trajectory chart drawing one
// line per contestant from the shared start, live, with the share of the movement on its axes.
import { expect, test } from '@playwright/test';
import { mkdirSync, readFileSync } from 'node:fs';
import { menu, openApp, openLesson, training, useLessonSettings, watchErrors } from './helpers.ts';

test.describe.configure({ timeout: 240_000 });

const SCRATCH = '.scratch';
mkdirSync(SCRATCH, { recursive: true });
const CONTESTANTS = ['Momentum', 'Heavy ball', 'Nesterov', 'SGD'];

/** data-points="Momentum:12;Heavy ball:12;…" as numbers by contestant. */
function pointCounts(attr: string | null): Record<string, number> {
  return Object.fromEntries(
    (attr ?? '')
      .split(';')
      .filter(Boolean)
      .map((kv) => {
        const i = kv.lastIndexOf(':');
        return [kv.slice(0, i), Number(kv.slice(i + 1))];
      }),
  );
}

test('the momentum lesson race draws each contestant’s path through weight space', async ({ page }) => {
  const errors = watchErrors(page);
  await page.setViewportSize({ width: 1440, height: 1300 });
  await openApp(page);
  await openLesson(page, 'The two momentum forms');
  await useLessonSettings(page);
  const panel = training(page);
  for (const name of CONTESTANTS)
    await expect(panel.getByRole('checkbox', { name: `Race ${name}` })).toBeChecked();
  // Ten times the lesson's 2,000 digits, so the race lasts long enough to be paused while it runs.
  await panel.getByLabel('Training images').fill('20000');
  await panel.getByRole('button', { name: 'Start race' }).click();

  const chart = panel.getByTestId('race-trajectory-chart');
  // Live: pause the race as soon as it runs; the lines already hold the points so far (at least
  // the shared start, fewer than the 43 of a finished run), then resume.
  await panel.getByRole('button', { name: 'Pause race' }).click();
  await expect(panel.getByRole('button', { name: 'Resume race' })).toBeVisible();
  const counted = async () => {
    const c = pointCounts(await chart.getAttribute('data-points'));
    return CONTESTANTS.map((name) => c[name] ?? 0);
  };
  // The start snapshot is taken before the first step, so even a race paused at once has it.
  await expect
    .poll(async () => Math.min(...(await counted())), { timeout: 60_000 })
    .toBeGreaterThanOrEqual(1);
  expect(Math.min(...(await counted()))).toBeLessThan(43);
  await chart.scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SCRATCH}/race-trajectory-live.png` });

  await panel.getByRole('button', { name: 'Resume race' }).click();
  const results = panel.getByRole('table', { name: 'Race results' });
  for (const name of CONTESTANTS)
    await expect(results.getByTestId(`race-${name}`)).toContainText('done', { timeout: 200_000 });

  // Every contestant: 4 epochs of 312 steps (20,000 digits, batch 64), a snapshot every
  // ceil(1248 / 40) = 32 steps from step 0 to 1248 (40), plus the epoch ends off that grid: 312, 624, 936.
  const POINTS = 43;
  const counts = pointCounts(await chart.getAttribute('data-points'));
  expect(Object.keys(counts)).toEqual(CONTESTANTS);
  for (const name of CONTESTANTS) expect(counts[name]).toBe(POINTS);
  // One line per contestant, drawn from its points, in its own colour.
  const lines = chart.locator('polyline');
  await expect(lines).toHaveCount(4);
  for (const [i, name] of CONTESTANTS.entries()) {
    const points = ((await lines.nth(i).getAttribute('points')) ?? '').trim().split(/\s+/);
    expect(points.length).toBe(POINTS);
    expect(new Set(points).size).toBeGreaterThan(15);
    await expect(chart.locator(`g[data-lane="${name}"] polyline`)).toHaveCount(1);
  }
  const colors = await lines.evaluateAll((ls) => ls.map((l) => l.getAttribute('stroke')));
  expect(new Set(colors).size).toBe(4);
  // Every line starts at the shared origin.
  const starts = await lines.evaluateAll((ls) =>
    ls.map((l) => (l.getAttribute('points') ?? '').split(' ')[0]),
  );
  expect(new Set(starts).size).toBe(1);

  // The axes say how much of the movement each direction explains; PCA shares add up to ≤ 100%.
  const [pc1, pc2] = ((await chart.getAttribute('data-explained')) ?? '').split(',').map(Number);
  expect(pc1).toBeGreaterThan(0.3);
  expect(pc1).toBeGreaterThanOrEqual(pc2);
  expect(pc1 + pc2).toBeLessThanOrEqual(1.0001);
  await expect(chart.getByText(`PC1 (${Math.round(pc1 * 100)}% of the movement)`)).toBeVisible();
  await expect(chart.getByText(`PC2 (${Math.round(pc2 * 100)}% of the movement)`)).toBeVisible();
  await expect(chart).toHaveAttribute('aria-label', /PC1 explains \d+% and PC2 \d+% of the movement/);
  // MNIST mlp: far more weights than the sketch holds.
  await expect(panel.getByText('count-sketched to 2048 numbers')).toBeVisible();

  // The CSV has every point, with the axes' labels as its header.
  const figure = panel.locator('figure[data-chart="trajectory"]');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    figure.getByRole('button', { name: 'CSV' }).click(),
  ]);
  const csv = readFileSync((await download.path())!, 'utf8')
    .trim()
    .split('\n');
  expect(csv[0]).toMatch(/^optimizer,step,epoch,PC1 \(\d+% of the movement\),PC2/);
  expect(csv.length).toBe(1 + 4 * POINTS);
  const [png] = await Promise.all([
    page.waitForEvent('download'),
    figure.getByRole('button', { name: 'PNG' }).click(),
  ]);
  expect(png.suggestedFilename()).toMatch(/race-trajectory\.png$/);
  await png.saveAs(`${SCRATCH}/race-trajectory-export.png`);
  const bytes = readFileSync((await png.path())!);
  expect([...bytes.subarray(1, 4)].map((b) => String.fromCharCode(b)).join('')).toBe('PNG');

  await chart.scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SCRATCH}/race-trajectory.png` });
  await figure.screenshot({ path: `${SCRATCH}/race-trajectory-chart.png` });

  // The dark theme redraws it in the theme's colours (a projector in a dark room).
  const background = chart.locator('rect').first();
  const light = await background.getAttribute('fill');
  await menu(page, 'View', 'Dark theme');
  await expect(background).not.toHaveAttribute('fill', light ?? '');
  await figure.screenshot({ path: `${SCRATCH}/race-trajectory-chart-dark.png` });
  expect(errors).toEqual([]);
});
