// MNIST denoising in the app: picking it switches the loss to mean squared error (and a set with
// classes switches it back), the U-Net denoiser trains on it from the Training drawer, and Try it
// shows a drawn digit, the noise the network is given and what it makes of it.
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

test.describe.configure({ timeout: 150_000 });

const loss = (page: Page) => training(page).getByLabel('Loss', { exact: true });
const pick = (page: Page, set: string) =>
  training(page)
    .getByRole('combobox', { name: /^Dataset/ })
    .selectOption(set);

test.describe('When a student picks a data set', () => {
  test('the loss follows it: MSE for numbers, cross-entropy for classes, unless the student chose one', async ({
    page,
  }) => {
    const errors = watchErrors(page);
    await openApp(page);
    await openTraining(page);
    await expect(loss(page)).toHaveValue('cross-entropy');
    await pick(page, 'sine');
    await expect(loss(page)).toHaveValue('mse');
    await expect(training(page).getByTestId('loss-note')).toContainText('Switched to mean squared error');
    await pick(page, 'spiral');
    await expect(loss(page)).toHaveValue('cross-entropy');
    await expect(training(page).getByTestId('loss-note')).toContainText('Switched back to cross-entropy');
    // A loss the student picks stays across data sets.
    await loss(page).selectOption('mse');
    await expect(training(page).getByTestId('loss-note')).toBeHidden();
    await pick(page, 'mnist');
    await expect(loss(page)).toHaveValue('mse');
    await pick(page, 'mnist-denoise');
    await expect(loss(page)).toHaveValue('mse');
    expect(errors).toEqual([]);
  });
});

test.describe('When a student trains the U-Net denoiser', () => {
  test('it learns to clean noisy digits, and Try it shows clean, noisy and denoised side by side', async ({
    page,
  }) => {
    const errors = watchErrors(page);
    await page.setViewportSize({ width: 1400, height: 900 });
    await openApp(page);
    await openTemplate(page, 'U-Net denoiser');
    await openTraining(page);
    await pick(page, 'mnist-denoise');
    await expect(loss(page)).toHaveValue('mse');
    await training(page).getByRole('spinbutton', { name: 'Training images' }).fill('1000');
    await training(page).getByRole('spinbutton', { name: 'Test images' }).fill('300');
    await expect(training(page).getByRole('spinbutton', { name: 'Noise' })).toHaveValue('0.5');
    await expect(training(page).getByRole('group', { name: 'Dataset preview' })).toContainText('denoising');
    await training(page).getByLabel('Optimizer', { exact: true }).selectOption('adam');
    await training(page).getByLabel('Learning rate').fill('0.003');
    await training(page).getByLabel('Epochs').fill('2');
    await startRun(page);
    await runEnded(page, 120_000);
    await expect(training(page).getByTestId('training-headline')).toContainText(
      'numeric targets, so no accuracy',
    );
    // No empty accuracy axes: the chart's place says why there is none.
    await expect(training(page).locator('[data-chart="accuracy"]')).toContainText('there is no accuracy');
    await expect(training(page).getByTestId('accuracy-chart')).toHaveCount(0);
    const [loss0, loss2] = await chartEnds(page, 'loss-chart', 'test');
    // Untrained outputs sit near 0 where the digit is; the noisy input itself scores about 0.12.
    expect(loss2).toBeLessThan(0.05);
    expect(loss2).toBeLessThan(0.5 * loss0);

    const pad = training(page).locator('canvas.draw-pad');
    await pad.scrollIntoViewIfNeeded();
    const box = (await pad.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.25);
    await page.mouse.down();
    for (let i = 1; i <= 10; i++)
      await page.mouse.move(box.x + box.width * (0.3 + i * 0.04), box.y + box.height * (0.25 + i * 0.05));
    await page.mouse.up();
    await expect(training(page).getByTestId('prediction-weights')).toHaveText('Weights: trained 2 epochs');
    for (const name of [/clean \(yours\)/, /noisy: the input/, /denoised: the output/])
      await expect(
        training(page).getByRole('img', { name }).or(training(page).getByLabel(name)),
      ).toBeVisible();
    await expect(training(page).getByRole('list', { name: 'Class probabilities' })).toHaveCount(0);
    await training(page).getByRole('group', { name: 'What the network made of it' }).scrollIntoViewIfNeeded();
    await shot(page, 'unet-denoiser-try-it');
    await training(page).getByTestId('loss-chart').scrollIntoViewIfNeeded();
    await shot(page, 'unet-denoiser-curves');
    expect(errors).toEqual([]);
  });
});
