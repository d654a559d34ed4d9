// Teaching aids: the receptive-field viewer and the predict-then-reveal overlays of a lesson.
import { expect, test } from '@playwright/test';
import { inspector, node, openApp, openTemplate, selectNode, shot } from './helpers.ts';

test.describe('When a student studies the receptive-field stack', () => {
  test('the viewer highlights the input window of an output position', async ({ page }) => {
    await openApp(page);
    await openTemplate(page, 'Lesson: Receptive fields of a conv/pool stack');
    await page.waitForTimeout(400);
    await selectNode(page, 'maxpool2d_2');
    // The lesson hides the field: the viewer opens once the student has made a guess and revealed it.
    await expect(inspector(page).getByRole('button', { name: 'Show receptive field' })).toBeDisabled();
    const guess = inspector(page).getByRole('group', { name: 'Guess the receptive field' });
    await guess.getByLabel('Your guess').fill('16');
    await guess.getByRole('button', { name: 'Reveal' }).click();
    await inspector(page).getByRole('button', { name: 'Show receptive field' }).click();
    const viewer = page.getByRole('region', { name: 'Receptive field' });
    await expect(viewer).toBeVisible();
    await viewer.getByRole('button', { name: 'Output (1, 1)' }).click();
    await expect(viewer.getByRole('button', { name: 'Output (1, 1)' })).toHaveAttribute(
      'aria-pressed',
      'true',
    );

    // size 16, stride 4, start −6: 1·4 − 6 = −2 … −2 + 15 = 13
    await expect(viewer.getByTestId('rf-formula')).toContainText('1·4 − 6 … 1·4 − 6 + 16 − 1 = −2 … 13');
    await expect(viewer.getByTestId('rf-region-text')).toContainText('rows −2…13, cols −2…13');
    await expect(viewer.getByTestId('rf-region-text')).toContainText(
      'inside the image: rows 0…13, cols 0…13',
    );
    const region = viewer.getByTestId('rf-region');
    for (const [attr, value] of [
      ['x', '-2'],
      ['y', '-2'],
      ['width', '16'],
      ['height', '16'],
    ])
      await expect(region).toHaveAttribute(attr, value);
    const inside = viewer.getByTestId('rf-inside');
    await expect(inside).toHaveAttribute('x', '0');
    await expect(inside).toHaveAttribute('width', '14');
    await shot(page, 'receptive-field-viewer');
  });

  test('the lesson hides params and fields until the student guesses', async ({ page }) => {
    await openApp(page);
    await openTemplate(page, 'Lesson: Receptive fields of a conv/pool stack');
    await expect(node(page, 'conv2d_2').getByTestId('params')).toHaveText('? params');
    await expect(node(page, 'conv2d_2').getByTestId('rf')).toHaveText('RF ?');
    await selectNode(page, 'conv2d_2');
    const facts = inspector(page).getByRole('definition').nth(1);
    await expect(facts).toHaveText('?');

    const params = inspector(page).getByRole('group', { name: 'Guess the parameters' });
    await params.getByLabel('Your guess').fill('2,416');
    await params.getByRole('button', { name: 'Reveal' }).click();
    await expect(params.getByText('Not quite: 2,320')).toBeVisible();
    // out·(in·k·k) + out with 16 channels in and out and 3×3 kernels
    await expect(params).toContainText('= 16·(16·3·3) + 16 = 2,320');
    await params.getByLabel('Your guess').fill('2320');
    await params.getByRole('button', { name: 'Reveal' }).click();
    await expect(params.getByText('Right: 2,320')).toBeVisible();

    const rf = inspector(page).getByRole('group', { name: 'Guess the receptive field' });
    await rf.getByLabel('Your guess').fill('5');
    await rf.getByRole('button', { name: 'Reveal' }).click();
    await expect(rf.getByText('Right: RF 5×5 /1 @-2')).toBeVisible();
    await expect(rf).toContainText('r = 3 + (3 − 1)·1 = 5');
    await shot(page, 'predict-then-reveal');
  });
});
