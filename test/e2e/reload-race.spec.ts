// Issue 16: reloading the page while an optimizer race runs keeps the race. The host trains on;
// the drawer comes back on the race, every contestant with its curves so far, still racing.
import type { Page } from '@playwright/test';
import { expect, test } from '@playwright/test';
import { openApp, openLesson, training, useLessonSettings, watchErrors } from './helpers.ts';

test.describe.configure({ timeout: 180_000 });

const CONTESTANTS = ['Momentum', 'Heavy ball', 'Nesterov', 'SGD'];

/** Each contestant's progress in the results table ("37%"), in percent; NaN once it ended. */
const progress = (page: Page) =>
  Promise.all(
    CONTESTANTS.map(async (name) => {
      const text =
        (await training(page).getByTestId(`race-${name}`).locator('td').last().textContent()) ?? '';
      return Number(/^(\d+)%/.exec(text)?.[1] ?? NaN);
    }),
  );
const lossPoints = async (page: Page) =>
  Number(await training(page).getByTestId('race-loss-chart').getAttribute('data-points'));

test('a reload in the middle of an optimizer race keeps the race going, with its curves', async ({
  page,
}) => {
  const errors = watchErrors(page);
  await openApp(page);
  await openLesson(page, 'The two momentum forms');
  await useLessonSettings(page);
  // Far longer than the lesson's race, so it outlasts the reload even when the host has this
  // lesson's data and compiled steps cached (race-trajectory.spec.ts runs it just before; 20,000
  // digits for 4 epochs then ended within 9 s). The test stops it.
  await training(page).getByLabel('Training images').fill('60000');
  await training(page).getByLabel('Epochs', { exact: true }).fill('20');
  await training(page).getByRole('button', { name: 'Start race' }).click();
  await expect
    .poll(async () => Math.min(...(await progress(page))), { timeout: 90_000 })
    .toBeGreaterThanOrEqual(1);
  await expect.poll(() => lossPoints(page), { timeout: 60_000 }).toBeGreaterThanOrEqual(3);
  const before = await progress(page);
  const pointsBefore = await lossPoints(page);

  await page.reload();
  await openApp(page, { keepRecovery: true });

  // The drawer is back on the race, with every contestant where it was or further...
  await expect(training(page)).toBeVisible();
  await expect(training(page).getByRole('button', { name: 'Stop race' })).toBeVisible();
  await expect(training(page).getByRole('table', { name: 'Race results' })).toBeVisible();
  const after = await progress(page);
  for (const [i, name] of CONTESTANTS.entries())
    expect(after[i], `${name} after the reload`).toBeGreaterThanOrEqual(before[i]);
  expect(await lossPoints(page)).toBeGreaterThanOrEqual(pointsBefore);
  // ...and still racing: the progress goes on, and the race can be stopped from the page.
  await expect
    .poll(async () => Math.min(...(await progress(page))), { timeout: 60_000 })
    .toBeGreaterThan(Math.min(...after));
  await training(page).getByRole('button', { name: 'Stop race' }).click();
  await expect(training(page).getByRole('button', { name: 'Start race' })).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole('region', { name: 'Recovery' })).toBeHidden();
  expect(errors).toEqual([]);
});
