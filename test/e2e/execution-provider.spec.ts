// The Training drawer's "Runs on" choice: GPU asked for on a machine whose onnxruntime has no CUDA
// libraries (this one: .npmrc skips them) trains on the CPU and says why in one line.
import { availableParallelism } from 'node:os';
import { expect, test } from '@playwright/test';
import { openApp, openLesson, runEnded, shot, training, useLessonSettings, watchErrors } from './helpers.ts';

test.describe.configure({ timeout: 120_000 });
test.use({ viewport: { width: 1400, height: 900 } });

test.describe('When a user asks to train on the GPU', () => {
  test('the run falls back to the CPU, the drawer says why, and it still trains', async ({ page }) => {
    const errors = watchErrors(page);
    await openApp(page);
    await openLesson(page, 'LeNet-5 on MNIST');
    await useLessonSettings(page);
    const runsOn = training(page).getByLabel('Runs on');
    await expect(runsOn).toHaveValue('cpu');
    await runsOn.selectOption('gpu');
    await expect(training(page)).toContainText('if its provider can’t load, on the CPU');
    await training(page).getByLabel('Training images').fill('500');
    await training(page).getByLabel('Epochs').fill('1');
    await training(page).getByRole('button', { name: 'Train', exact: true }).click();

    const line = training(page).getByTestId('training-provider');
    await expect(line).toContainText('Runs on CPU');
    await expect(line).toContainText('no GPU provider could be loaded (CUDA:');
    await runEnded(page);
    await expect(line).toContainText('Runs on CPU');
    // It trained: the test accuracy after epoch 1 is above the untrained network's.
    const before = await training(page).getByTestId('accuracy-before').textContent();
    const after = await training(page).getByTestId('accuracy-after').textContent();
    expect(parseFloat(after ?? '0')).toBeGreaterThan(parseFloat(before ?? '100') + 5);
    // The choice stays with the settings for the next run.
    await expect(runsOn).toHaveValue('gpu');
    await line.scrollIntoViewIfNeeded();
    await shot(page, 'training-provider-fallback');

    // CPU chosen: no fallback sentence.
    await runsOn.selectOption('cpu');
    await training(page).getByRole('button', { name: 'Train again' }).click();
    await expect(line).toHaveText('Runs on CPU');
    await runEnded(page);

    // LeNet-5 at batch 128 splits its batch across the two threads (host/training/splitRunner.ts),
    // where the machine has two cores to give it.
    await training(page).getByLabel('Batch size').fill('128');
    await training(page).getByLabel('Training images').fill('1280');
    await training(page).getByRole('button', { name: 'Train again' }).click();
    await runEnded(page);
    await expect(line).toHaveText(
      availableParallelism() >= 2 ? 'Runs on CPU · batch split across 2 threads' : 'Runs on CPU',
    );
    expect(errors).toEqual([]);
  });
});
