// Step through inside sequence layers, as a student uses it: the tiny transformer's attention
// weights for a chosen head, and the char LSTM's hidden state over time and gates at a chosen step.
import type { Page } from '@playwright/test';
import { expect, test } from '@playwright/test';
import { openApp, openTemplate, openTraining, shot, training, watchErrors } from './helpers.ts';

test.describe.configure({ timeout: 90_000 });

const stepper = (page: Page) => training(page).getByRole('group', { name: 'Step through the batch' });
const label = (page: Page) => training(page).getByTestId('step-label');

/** Opens a template, picks the generated text, runs one batch and steps forward `steps` times. */
async function stepTo(page: Page, template: string, steps: number): Promise<void> {
  await page.setViewportSize({ width: 1400, height: 900 });
  await openApp(page);
  await openTemplate(page, template);
  await openTraining(page);
  await training(page)
    .getByRole('combobox', { name: /^Dataset/ })
    .selectOption('chars');
  await training(page).getByRole('spinbutton', { name: 'Windows' }).fill('200');
  await training(page).getByRole('button', { name: 'Step through' }).click();
  await training(page).getByRole('button', { name: 'Run one batch' }).click();
  await expect(label(page)).toHaveText(/^Forward 1 of \d+: input \(Input\)$/);
  for (let i = 0; i < steps; i++) await stepper(page).getByRole('button', { name: 'Next step' }).click();
}

test('the tiny transformer’s attention weights show as a heat map for the chosen head', async ({ page }) => {
  const errors = watchErrors(page);
  await stepTo(page, 'Tiny transformer', 2);
  await expect(label(page)).toHaveText(/: multiheadattention_1 \(MultiheadAttention\)$/);
  const view = training(page).getByTestId('attention-map');
  await expect(view).toContainText('head 0 of 4');
  await expect(view).toContainText('query step 0–15');
  await expect(view).toContainText('key step 0–15');
  const map = view.getByRole('img', { name: 'Attention weights of head 0: query step × key step' });
  await expect(map).toHaveAttribute('width', '16');
  await expect(map).toHaveAttribute('height', '16');
  await view.getByRole('combobox', { name: 'Head' }).selectOption('2');
  await expect(view.getByRole('img', { name: /of head 2:/ })).toBeVisible();
  await view.scrollIntoViewIfNeeded();
  await shot(page, 'seqviews-attention');
  expect(errors).toEqual([]);
});

test('the char LSTM shows its hidden state over time and its gates at a chosen step', async ({ page }) => {
  const errors = watchErrors(page);
  await stepTo(page, 'Character-level LSTM', 2);
  await expect(label(page)).toHaveText(/: lstm_1 \(LSTM\)$/);
  const hidden = training(page).getByRole('img', { name: 'Hidden state over time: step × unit' });
  await expect(hidden).toHaveAttribute('height', '16');
  await expect(hidden).toHaveAttribute('width', '64');
  const gates = training(page).getByTestId('gates-map');
  await expect(gates).toContainText('Gates at step 15');
  await gates.getByRole('combobox', { name: 'Step' }).selectOption('3');
  await expect(gates.getByRole('img', { name: 'Gates i, f, g, o at step 3: gate × unit' })).toHaveAttribute(
    'height',
    '4',
  );
  await gates.scrollIntoViewIfNeeded();
  await shot(page, 'seqviews-lstm-gates');
  expect(errors).toEqual([]);
});
