// Convolution as a filter: open the lesson, read the typed-in kernels in the inspector, see the
// two feature maps of a digit, change a kernel value and watch the maps change; undo brings the
// old maps back.
import type { Page } from '@playwright/test';
import { expect, test } from '@playwright/test';
import { inspector, openApp, openLesson, selectNode, shot, watchErrors } from './helpers.ts';

const featureMaps = (page: Page) => page.getByRole('region', { name: 'Feature maps' });
const weights = (page: Page) => inspector(page).getByRole('region', { name: 'Weights' });

test.describe('When a teacher shows convolution as a filter', () => {
  test('typed kernels show up as feature maps of a digit, and an edit changes them', async ({ page }) => {
    const errors = watchErrors(page);
    await openApp(page);
    await openLesson(page, 'Convolution as a filter');
    await selectNode(page, 'conv2d_1');

    // The two 3x3 kernels the lesson typed in: a difference in x and one in y.
    const grid0 = weights(page).getByRole('group', { name: 'weight out 0 · in 0' });
    await expect(grid0.getByRole('textbox')).toHaveCount(9);
    await expect(grid0.getByLabel('weight out 0 · in 0 [1, 1]')).toHaveValue('-1');
    await expect(grid0.getByLabel('weight out 0 · in 0 [1, 2]')).toHaveValue('1');
    await expect(weights(page).getByLabel('weight out 1 · in 0 [2, 1]')).toHaveValue('1');
    await expect(weights(page).getByText('Stored in the project.').first()).toBeVisible();

    await inspector(page).getByRole('button', { name: 'Feature maps' }).click();
    const maps = featureMaps(page);
    await expect(maps.getByRole('list', { name: 'Channels' }).getByRole('img')).toHaveCount(2);
    await expect(maps.getByTestId('feature-maps-weights')).toContainText('stored weights');
    const range = maps.getByTestId('feature-maps-range');
    await expect(range).toContainText('output [2, 28, 28]');
    const before = await range.textContent();
    await shot(page, 'feature-maps-conv-as-filter');

    // Bad text: the cell says why and nothing changes.
    const cell = grid0.getByLabel('weight out 0 · in 0 [1, 2]');
    await cell.fill('two');
    await expect(cell).toHaveAttribute('aria-invalid', 'true');
    await expect(grid0.getByRole('alert')).toContainText('not a number');
    await expect(range).toHaveText(before!);

    // A real value: the right-hand tap becomes 3, so channel 0 reaches about 3 where it reached 1.
    await cell.fill('3');
    await expect(cell).not.toHaveAttribute('aria-invalid', 'true');
    await expect(range).not.toHaveText(before!);
    const after = await range.textContent();
    const hi = (text: string) => Number(/to (-?[\d.]+)/.exec(text)![1]);
    expect(hi(after!)).toBeGreaterThan(2 * hi(before!));
    await shot(page, 'feature-maps-after-edit');

    // Another digit: the same two channels.
    await maps.getByRole('list', { name: 'MNIST digits' }).getByRole('button').nth(3).click();
    await expect(range).not.toHaveText(after!);
    await expect(maps.getByRole('list', { name: 'Channels' }).getByRole('img')).toHaveCount(2);
    await maps.getByRole('list', { name: 'MNIST digits' }).getByRole('button').first().click();
    await expect(range).toHaveText(after!);

    // One undo step puts the kernel (and the maps) back.
    await page.getByRole('button', { name: 'Undo', exact: true }).click();
    await expect(weights(page).getByLabel('weight out 0 · in 0 [1, 2]')).toHaveValue('1');
    await expect(range).toHaveText(before!);

    // A preset: Sobel x in channel 1.
    await weights(page).getByLabel('Preset for weight out 1 · in 0').selectOption({ label: 'Sobel x' });
    await expect(weights(page).getByLabel('weight out 1 · in 0 [1, 0]')).toHaveValue('-2');
    await expect(range).not.toHaveText(before!); // Sobel reaches about ±4
    await weights(page).getByRole('group', { name: 'weight out 1 · in 0' }).scrollIntoViewIfNeeded();
    await shot(page, 'inspector-weights');
    expect(errors).toEqual([]);
  });

  test('the RGB-to-gray lesson shows the built-in test image and its one gray map', async ({ page }) => {
    await openApp(page);
    await openLesson(page, 'RGB to grayscale is a 1×1 convolution');
    await selectNode(page, 'conv2d_1');
    await expect(weights(page).getByLabel('weight out 0 · in 1 [0]')).toHaveValue('0.587');
    await inspector(page).getByRole('button', { name: 'Feature maps' }).click();
    const maps = featureMaps(page);
    await expect(maps.getByRole('img', { name: 'Input image (RGB)' })).toBeVisible();
    await expect(maps.getByRole('list', { name: 'Channels' }).getByRole('img')).toHaveCount(1);
    // Black bar 0, white bar 1.
    await expect(maps.getByTestId('feature-maps-range')).toHaveText('output [1, 32, 32]: from 0 to 1');
    await shot(page, 'feature-maps-rgb-to-gray');
  });
});
