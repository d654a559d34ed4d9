// Sequence models in the app: the tiny transformer learns the next character of the generated text
// and the GRU forecaster learns the noisy sine, each picked from the dataset list and trained from
// the Training drawer as a user does; the charts must show them learning.
import type { Page } from '@playwright/test';
import { expect, test } from '@playwright/test';
import {
  chartEnds,
  openApp,
  openTemplate,
  openTraining,
  runEnded,
  shot,
  startRun,
  training,
  watchErrors,
} from './helpers.ts';

test.describe.configure({ timeout: 120_000 });

/** The dataset from the picker, its size, and Adam at lr 0.005 for `epochs` epochs. */
async function setUp(page: Page, set: string, points: number, epochs: number): Promise<void> {
  await openTraining(page);
  await training(page).getByLabel('Dataset').selectOption(set);
  await training(page)
    .getByRole('spinbutton', { name: set === 'chars' ? 'Windows' : 'Sequences' })
    .fill(String(points));
  await training(page).getByLabel('Optimizer', { exact: true }).selectOption('adam');
  await training(page).getByLabel('Learning rate').fill('0.005');
  await training(page).getByLabel('Epochs').fill(String(epochs));
}

test.describe('When a student trains sequence models', () => {
  test('the tiny transformer learns the next character from the picker’s text', async ({ page }) => {
    const errors = watchErrors(page);
    await openApp(page);
    await openTemplate(page, 'Tiny transformer');
    await setUp(page, 'chars', 4000, 3);
    const preview = training(page).getByRole('group', { name: 'Dataset preview' });
    await expect(preview).toContainText('chars: samples of 16, 25 classes');
    await startRun(page);
    await runEnded(page);
    const [acc0, acc3] = await chartEnds(page, 'accuracy-chart', 'test');
    // Untrained it guesses among 25 characters; the space alone is about 1 in 6 of them.
    expect(acc0).toBeLessThan(25);
    expect(acc3).toBeGreaterThan(60);
    await shot(page, 'tiny-transformer-chars');
    expect(errors).toEqual([]);
  });

  test('the GRU forecaster learns the noisy sine with mean squared error', async ({ page }) => {
    const errors = watchErrors(page);
    await openApp(page);
    await openTemplate(page, 'GRU forecaster');
    await setUp(page, 'sine', 3000, 5);
    await training(page).getByLabel('Loss', { exact: true }).selectOption('mse');
    await startRun(page);
    await runEnded(page);
    const [loss0, loss5] = await chartEnds(page, 'loss-chart', 'test');
    expect(loss5).toBeLessThan(0.2 * loss0);
    await shot(page, 'gru-forecaster-sine');
    expect(errors).toEqual([]);
  });
});
