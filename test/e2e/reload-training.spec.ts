// Issue 16 item 3: reloading the page mid-training keeps the run (it trains on in the host and the
// page follows it again, curves and all) and keeps the training settings the user chose.
import type { Page } from '@playwright/test';
import { expect, test } from '@playwright/test';
import { openApp, openLesson, training, useLessonSettings, watchErrors } from './helpers.ts';

test.describe.configure({ timeout: 180_000 });

const progress = (page: Page) => training(page).getByRole('progressbar', { name: 'Training progress' });
const stepOf = async (page: Page) =>
  Number(
    /step (\d+) of/.exec((await training(page).getByTestId('training-progress').textContent()) ?? '')?.[1],
  );
const lossPoints = async (page: Page) =>
  Number(await training(page).getByTestId('loss-chart').getAttribute('data-points'));

test('a reload in the middle of a run keeps the run going, its curves and the settings', async ({ page }) => {
  const errors = watchErrors(page);
  await openApp(page);
  await openLesson(page, 'LeNet-5 on MNIST');
  await useLessonSettings(page);
  // The user's own settings, unlike the lesson's: they must come back after the reload.
  await training(page).getByLabel('Training images').fill('4000');
  await training(page).getByLabel('Epochs').fill('30');
  await training(page).getByLabel('Learning rate').fill('0.003');
  await training(page).getByLabel('Batch size').fill('40');
  await training(page).getByRole('button', { name: 'Train', exact: true }).click();
  await expect(training(page).getByTestId('training-progress')).toContainText(/step \d+ of 3000/, {
    timeout: 60_000,
  });
  await expect.poll(() => lossPoints(page), { timeout: 60_000 }).toBeGreaterThanOrEqual(3);
  const before = await stepOf(page);
  const pointsBefore = await lossPoints(page);

  await page.reload();
  await openApp(page, { keepRecovery: true });

  // The network, the drawer and the settings are back...
  await expect(training(page)).toBeVisible();
  await expect(page.getByTestId('status-params')).toHaveText('61,706 params');
  await expect(training(page).getByLabel('Learning rate')).toHaveValue('0.003');
  await expect(training(page).getByLabel('Batch size')).toHaveValue('40');
  await expect(training(page).getByLabel('Epochs')).toHaveValue('30');
  await expect(training(page).getByLabel('Training images')).toHaveValue('4000');
  // ...and so is the run: its curves so far, and it is still training.
  await expect(training(page).getByRole('button', { name: 'Stop' })).toBeEnabled();
  expect(await lossPoints(page)).toBeGreaterThanOrEqual(pointsBefore);
  await expect(training(page).getByTestId('training-progress')).toContainText(/step \d+ of 3000/);
  expect(await stepOf(page)).toBeGreaterThanOrEqual(before);
  const after = await stepOf(page);
  await expect.poll(() => stepOf(page), { timeout: 60_000 }).toBeGreaterThan(after);
  expect(Number(await progress(page).getAttribute('aria-valuenow'))).toBeLessThan(100);
  await expect(page.getByRole('region', { name: 'Recovery' })).toBeHidden();

  await training(page).getByRole('button', { name: 'Stop' }).click();
  await expect(training(page).getByRole('button', { name: 'Train again' })).toBeVisible({ timeout: 30_000 });
  expect(errors).toEqual([]);
});
