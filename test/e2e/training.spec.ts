// Training and teaching, as a new user meets them: open a lesson, train on a subset of MNIST,
// watch the curves, try a drawn digit, and see vanishing gradients on the canvas.
import type { Page } from '@playwright/test';
import { expect, test } from '@playwright/test';
import {
  chartEnds,
  lesson,
  menu,
  node,
  openApp,
  openLesson,
  runEnded,
  shot,
  startRun,
  training,
  useLessonSettings,
  watchErrors,
} from './helpers.ts';

test.describe.configure({ timeout: 120_000 });

/** Lesson settings, made shorter so the test stays quick. */
async function trainWithLessonSettings(page: Page, images: number, epochs: number): Promise<void> {
  await useLessonSettings(page);
  await training(page).getByLabel('Training images').fill(String(images));
  await training(page).getByLabel('Epochs').fill(String(epochs));
  await startRun(page);
}

async function waitUntilTrained(page: Page): Promise<void> {
  await runEnded(page);
  await expect(training(page).getByTestId('training-progress')).toContainText('took');
}

/** The whole network with its badges, readable: the drawer closed and a window tall enough. */
async function overview(page: Page, name: string): Promise<void> {
  const size = page.viewportSize()!;
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await expect(training(page)).toBeHidden();
  await page.setViewportSize({ width: size.width, height: 2300 });
  await page.getByRole('button', { name: 'Fit View' }).click();
  await page.waitForTimeout(400);
  await shot(page, name);
  await page.setViewportSize(size);
  await page.getByRole('button', { name: 'Train', exact: true }).click();
}

const gradNorm = async (page: Page, id: string) =>
  Number(await node(page, id).getByTestId('grad-badges').getAttribute('data-grad-norm'));

test.describe('When a new user opens the LeNet-5 lesson', () => {
  test('they train on 2,000 digits, watch loss fall and accuracy rise, export, and try a drawn digit', async ({
    page,
  }) => {
    const errors = watchErrors(page);
    await openApp(page);
    await openLesson(page, 'LeNet-5 on MNIST');
    await expect(page.getByTestId('status-params')).toHaveText('61,706 params');
    await expect(lesson(page)).toContainText('61,706 parameters');

    await useLessonSettings(page);
    // The lesson's settings are in the form, each with its help text; the data preview shows digits.
    await expect(training(page).getByLabel('Optimizer')).toHaveValue('adam');
    await expect(training(page).getByLabel('Learning rate')).toHaveValue('0.002');
    await expect(training(page)).toContainText('How far each step moves the weights');
    await expect(
      training(page).getByRole('group', { name: 'Dataset preview' }).locator('canvas'),
    ).toHaveCount(12);
    await expect(training(page).getByTestId('memory-estimate')).toContainText('MiB');

    await training(page).getByLabel('Training images').fill('2000');
    await training(page).getByLabel('Epochs').fill('2');
    await training(page).getByRole('button', { name: 'Train', exact: true }).click();

    // Mid-run: some steps plotted, the bar partly filled, the time left estimated.
    await page.waitForFunction(
      () => {
        const chart = document.querySelector<HTMLElement>('[data-testid="loss-chart"]');
        const bar = document.querySelector('[role="progressbar"]');
        const now = Number(bar?.getAttribute('aria-valuenow') ?? 0);
        return Number(chart?.dataset.points ?? 0) >= 20 && now > 10 && now < 90;
      },
      null,
      { polling: 'raf', timeout: 60_000 },
    );
    await shot(page, 'training-mid-run');
    await expect(training(page).getByTestId('training-progress')).toContainText(/step \d+ of 124/);

    await waitUntilTrained(page);
    await shot(page, 'training-finished');
    const [firstLoss, lastLoss] = await chartEnds(page, 'loss-chart', 'train per step');
    expect(lastLoss).toBeLessThan(firstLoss * 0.5);
    const [testLoss0, testLoss2] = await chartEnds(page, 'loss-chart', 'test');
    expect(testLoss2).toBeLessThan(testLoss0);
    const [acc0, acc2] = await chartEnds(page, 'accuracy-chart', 'test');
    expect(acc0).toBeLessThan(25); // untrained: about one in ten
    expect(acc2).toBeGreaterThan(75);
    expect(acc2).toBeGreaterThan(acc0 + 50);
    await expect(training(page).getByTestId('accuracy-after')).toHaveText(/^\d+\.\d%$/);

    // Every layer with weights wears its gradient badges.
    await expect(page.getByTestId('grad-badges')).toHaveCount(5);

    // Exports: the trained ONNX model, the curves, the charts.
    const [onnx] = await Promise.all([
      page.waitForEvent('download'),
      training(page).getByRole('button', { name: 'Export trained ONNX' }).click(),
    ]);
    expect(onnx.suggestedFilename()).toBe('lenet-5-trained.onnx');
    const [csv] = await Promise.all([
      page.waitForEvent('download'),
      training(page).getByRole('button', { name: 'Curves CSV' }).click(),
    ]);
    const csvText = await (await import('node:fs/promises')).readFile((await csv.path())!, 'utf8');
    expect(csvText.split('\n')[0]).toContain('grad_norm:conv2d_1');
    expect(csvText).toMatch(/^epoch,2,124,/m);
    const [png] = await Promise.all([
      page.waitForEvent('download'),
      training(page).getByRole('button', { name: 'Charts PNG' }).click(),
    ]);
    expect(png.suggestedFilename()).toBe('lenet-5-training.png');

    // Try it: draw a "1" (one stroke down the middle) and read the answer.
    const pad = training(page)
      .getByRole('img', { name: /Drawing pad/ })
      .or(training(page).locator('canvas.draw-pad'));
    const box = (await pad.first().boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.52, box.y + box.height * 0.15);
    await page.mouse.down();
    for (let i = 1; i <= 10; i++)
      await page.mouse.move(box.x + box.width * (0.52 - i * 0.006), box.y + box.height * (0.15 + i * 0.07));
    await page.mouse.up();
    await expect(training(page).getByTestId('prediction-weights')).toHaveText('Weights: trained 2 epochs');
    await expect(training(page).getByTestId('predicted-class')).toHaveText('1');
    const bars = training(page).getByRole('list', { name: 'Class probabilities' }).getByRole('listitem');
    await expect(bars).toHaveCount(10);
    await training(page).scrollIntoViewIfNeeded();
    await shot(page, 'try-it');

    // The weights can go into the project file, and a long run can be stopped part way.
    await training(page).getByRole('button', { name: 'Keep weights in project' }).click();
    await expect(page.getByText('The trained weights are now part of the project')).toBeVisible();
    await training(page).getByLabel('Epochs').fill('30');
    await training(page).getByRole('button', { name: 'Train again' }).click();
    await expect(training(page).getByTestId('training-progress')).toContainText(/step [1-9]\d* of 1860/, {
      timeout: 30_000,
    });
    await training(page).getByRole('button', { name: 'Stop' }).click();
    await expect(
      training(page).getByText(/Training was stopped at epoch \d+, step \d+; the weights so far are kept/),
    ).toBeVisible();
    await expect(training(page).getByRole('button', { name: 'Export trained ONNX' })).toBeEnabled();
    await menu(page, 'View', 'Dark theme');
    await page.waitForTimeout(300);
    await shot(page, 'training-dark');
    await menu(page, 'View', 'Dark theme');
    expect(errors).toEqual([]);
  });
});

test.describe('When a teacher opens the vanishing-gradient lesson', () => {
  test('the sigmoid network’s first layer gets a millionth of the last one’s gradient; the ReLU network’s does not', async ({
    page,
  }) => {
    const errors = watchErrors(page);
    await openApp(page);
    await openLesson(page, 'Vanishing gradients');
    await trainWithLessonSettings(page, 2000, 1);
    await waitUntilTrained(page);
    const sigmoid = { first: await gradNorm(page, 'linear_1'), last: await gradNorm(page, 'linear_9') };
    expect(sigmoid.first / sigmoid.last).toBeLessThan(1e-4);
    // The badges' colours differ: dark for the first layer, light for the last.
    const colour = (id: string) =>
      node(page, id)
        .getByTestId('grad-badges')
        .locator('.grad-badge')
        .first()
        .evaluate((e) => getComputedStyle(e).backgroundColor);
    expect(await colour('linear_1')).not.toEqual(await colour('linear_9'));
    await expect(training(page).getByTestId('gradient-chart')).toHaveAttribute('aria-label', /linear_1 .*e-/);
    await overview(page, 'gradient-badges-sigmoid');

    await lesson(page).getByRole('button', { name: 'Open the ReLU version' }).click();
    await expect(
      lesson(page).getByRole('heading', { name: 'Vanishing gradients: the ReLU network' }),
    ).toBeVisible();
    await expect(page.getByTestId('grad-badges')).toHaveCount(0); // a new document starts untrained
    await trainWithLessonSettings(page, 2000, 1);
    await waitUntilTrained(page);
    const relu = { first: await gradNorm(page, 'linear_1'), last: await gradNorm(page, 'linear_9') };
    expect(relu.first / relu.last).toBeGreaterThan(1e-2);
    expect(relu.first / relu.last).toBeGreaterThan((sigmoid.first / sigmoid.last) * 1000);
    await overview(page, 'gradient-badges-relu');
    expect(errors).toEqual([]);
  });
});

test.describe('When a teacher races optimizers on LeNet-5', () => {
  test('SGD, momentum, Nesterov and Adam train side by side from the same start', async ({ page }) => {
    const errors = watchErrors(page);
    await openApp(page);
    await openLesson(page, 'LeNet-5 on MNIST');
    await useLessonSettings(page);
    await training(page).getByLabel('Training images').fill('2000');
    await training(page).getByLabel('Epochs').fill('2');
    await training(page).getByRole('button', { name: 'Optimizer race' }).click();
    await expect(training(page).getByLabel('Optimizer', { exact: true })).toHaveCount(0); // each brings its own
    await training(page).getByRole('button', { name: 'Start race' }).click();
    await page.waitForFunction(
      () =>
        Number(document.querySelector<HTMLElement>('[data-testid="race-loss-chart"]')?.dataset.points) > 20,
      null,
      { polling: 'raf', timeout: 60_000 },
    );
    await shot(page, 'optimizer-race-mid-run');
    const results = training(page).getByRole('table', { name: 'Race results' });
    await expect(results.getByRole('cell', { name: 'done' })).toHaveCount(4, { timeout: 90_000 });
    await shot(page, 'optimizer-race');
    const accuracy = async (label: string) =>
      parseFloat(
        (await results.getByTestId(`race-${label}`).getByTestId('race-accuracy').textContent()) ?? '',
      );
    const [sgd, momentum, adam] = [await accuracy('SGD'), await accuracy('Momentum'), await accuracy('Adam')];
    expect(momentum).toBeGreaterThan(sgd);
    expect(adam).toBeGreaterThan(sgd);
    await expect(training(page).getByTestId('race-accuracy-chart')).toHaveAttribute(
      'aria-label',
      /Test accuracy: SGD [\d.]+%, Momentum [\d.]+%, Nesterov [\d.]+%, Adam [\d.]+%/,
    );
    expect(errors).toEqual([]);
  });
});
