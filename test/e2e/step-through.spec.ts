// Step-through mode as a student uses it: open LeNet-5, run one batch of MNIST, step forward to a
// convolution and look at its feature maps, go on through the loss into the backward pass, click
// a node on the canvas to jump there, and check that layer's gradients against finite differences.
import type { Page } from '@playwright/test';
import { expect, test } from '@playwright/test';
import { node, openApp, openTemplate, openTraining, training, watchErrors } from './helpers.ts';

test.describe.configure({ timeout: 90_000 });

const SCRATCH = '.scratch';
const stepper = (page: Page) => training(page).getByRole('group', { name: 'Step through the batch' });
const label = (page: Page) => training(page).getByTestId('step-label');

test('a student steps one LeNet-5 batch forward and backward and checks conv1’s gradient', async ({
  page,
}) => {
  const errors = watchErrors(page);
  await page.setViewportSize({ width: 1600, height: 1000 });
  await openApp(page);
  await openTemplate(page, 'Lesson: LeNet-5 on MNIST');
  await openTraining(page);
  await training(page).getByLabel('Training images').fill('300');
  await training(page).getByRole('button', { name: 'Step through' }).click();
  await training(page).getByRole('button', { name: 'Run one batch' }).click();

  await expect(label(page)).toHaveText('Forward 1 of 13: input (Input)');
  await expect(training(page).getByTestId('step-about')).toContainText('the first batch of 32 from MNIST');
  await expect(training(page).getByTestId('step-about')).toContainText('initial weights');
  await expect(node(page, 'input_1')).toHaveAttribute('data-step', 'forward');
  // The canvas badges show this batch's gradients (no run has trained yet).
  const badges = node(page, 'conv2d_1').getByTestId('grad-badges');
  await expect(badges).toHaveAttribute('aria-label', /^This batch: gradient norm/);
  expect(Number(await badges.getAttribute('data-grad-norm'))).toBeGreaterThan(0);

  // ▶ to the first convolution: six 28x28 feature maps, one per channel, and the 5x5 kernels.
  await stepper(page).getByRole('button', { name: 'Next step' }).click();
  await expect(label(page)).toHaveText('Forward 2 of 13: conv2d_1 (Conv2d)');
  await expect(node(page, 'conv2d_1')).toHaveAttribute('data-step', 'forward');
  await expect(node(page, 'input_1')).not.toHaveAttribute('data-step', /.*/);
  const maps = training(page).getByTestId('forward-tensor').getByRole('img');
  await expect(maps).toHaveCount(6);
  await expect(maps.first()).toHaveAttribute('width', '28');
  await expect(training(page).getByTestId('param-bias')).toBeVisible();
  await training(page).getByTestId('step-node').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SCRATCH}/step-through-forward-conv1.png` });

  // The keyboard walks on: to the end of the forward pass, then the loss.
  await stepper(page).getByRole('button', { name: 'Next step' }).focus();
  for (let i = 0; i < 12; i++) await page.keyboard.press('ArrowRight');
  await expect(label(page)).toHaveText(/^Loss = \d+\.\d{4}$/);
  await expect(training(page).getByTestId('step-loss')).toContainText('cross-entropy');
  await page.keyboard.press('ArrowRight');
  await expect(label(page)).toHaveText('Backward 1 of 12: linear_3 (Linear)');
  await expect(node(page, 'linear_3')).toHaveAttribute('data-step', 'backward');
  // The canvas follows the step: the node being stepped through moves to the middle of the pane.
  await expect
    .poll(async () => {
      const pane = (await page.locator('.react-flow').boundingBox())!;
      const box = (await node(page, 'linear_3').boundingBox())!;
      return Math.hypot(
        box.x + box.width / 2 - (pane.x + pane.width / 2),
        box.y + box.height / 2 - (pane.y + pane.height / 2),
      );
    })
    .toBeLessThan(20);

  // Clicking conv2d_1 on the canvas (after fitting the whole network in view) jumps to its backward stop.
  // At fit the layers draw as compact tiles (name and shape): the student clicks conv2d_1's tile.
  await page.getByRole('button', { name: /fit view/i }).click();
  await expect(node(page, 'conv2d_1')).toHaveClass(/layer-node--compact/);
  await node(page, 'conv2d_1').click();
  await expect(label(page)).toHaveText('Backward 12 of 12: conv2d_1 (Conv2d)');
  await expect(node(page, 'conv2d_1')).toHaveAttribute('data-step', 'backward');
  await expect(training(page).getByTestId('backward-tensor').getByRole('img')).toHaveCount(6);
  await expect(training(page).getByTestId('grad-weight').getByRole('img')).toHaveCount(6);
  await expect(training(page).getByTestId('grad-bias')).toContainText('dLoss/d bias');

  await training(page).getByRole('button', { name: 'Check gradient' }).click();
  const results = training(page).getByTestId('gradcheck-results').getByRole('listitem');
  await expect(results).toHaveCount(2);
  for (const item of await results.all()) {
    await expect(item).toHaveAttribute('data-pass', 'true');
    await expect(item).toContainText('✓ passes');
    expect(Number(await item.getAttribute('data-rel-error'))).toBeLessThan(1e-2);
  }
  await results.first().scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SCRATCH}/step-through-backward-conv1.png` });

  await training(page).getByTestId('grad-weight').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SCRATCH}/step-through-backward-maps.png` });

  // Another sample of the batch: its own maps.
  await training(page).getByLabel('Sample of the batch').fill('3');
  await expect(training(page).getByTestId('backward-tensor').getByRole('img')).toHaveCount(6);
  expect(errors).toEqual([]);
});
