// The live decision boundary: open the spiral lesson, train with its settings, and watch the
// coloured class regions redrawn after every epoch until they follow the three arms.
import type { Page } from '@playwright/test';
import { expect, test } from '@playwright/test';
import { openApp, shot, watchErrors } from './helpers.ts';

test.describe.configure({ timeout: 90_000 });

const training = (page: Page) => page.getByRole('region', { name: 'Training' });
const lesson = (page: Page) => page.getByRole('region', { name: 'Lesson' });
const LABEL = /^Decision boundary after epoch (\d+), training accuracy ([\d.]+)$/;

test.describe('When a student trains the spiral lesson', () => {
  test('the decision boundary appears, is redrawn every epoch and ends up fitting the arms', async ({
    page,
  }) => {
    const errors = watchErrors(page);
    await openApp(page);
    await page.getByRole('button', { name: 'Templates' }).click();
    await page
      .getByRole('dialog', { name: 'Templates' })
      .getByRole('button', { name: 'Lesson: Decision boundary on a spiral', exact: true })
      .click();
    await expect(lesson(page).getByRole('heading', { name: 'Decision boundary on a spiral' })).toBeVisible();
    await lesson(page).getByRole('button', { name: 'Train with these settings' }).click();
    await expect(training(page)).toBeVisible();

    // Every label and picture the boundary shows while training, sampled once a frame.
    await page.evaluate(() => {
      const seen = { labels: [] as string[], images: [] as string[] };
      (window as unknown as { boundarySeen: typeof seen }).boundarySeen = seen;
      const sample = () => {
        const canvas = document.querySelector<HTMLCanvasElement>('canvas[aria-label^="Decision boundary"]');
        if (canvas) {
          const label = canvas.getAttribute('aria-label')!;
          if (!seen.labels.includes(label)) seen.labels.push(label);
          const image = canvas.toDataURL();
          if (!seen.images.includes(image)) seen.images.push(image);
        }
        requestAnimationFrame(sample);
      };
      requestAnimationFrame(sample);
    });
    await training(page)
      .getByRole('button', { name: /^Train/ })
      .click();

    const boundary = training(page).getByRole('img', { name: /^Decision boundary after epoch/ });
    await expect(boundary).toBeVisible({ timeout: 30_000 });
    await expect(training(page).getByRole('button', { name: 'Train again' })).toBeVisible({
      timeout: 30_000,
    });
    await expect(boundary).toHaveAttribute('aria-label', /after epoch 30,/);

    const label = (await boundary.getAttribute('aria-label')) ?? '';
    const accuracy = Number(LABEL.exec(label)?.[2]);
    expect(accuracy, label).toBeGreaterThan(0.9);

    const seen = await page.evaluate(
      () => (window as unknown as { boundarySeen: { labels: string[]; images: string[] } }).boundarySeen,
    );
    const epochs = seen.labels.map((l) => Number(LABEL.exec(l)?.[1]));
    expect(epochs.length, seen.labels.join('\n')).toBeGreaterThanOrEqual(2);
    expect(epochs).toEqual([...epochs].sort((a, b) => a - b));
    expect(seen.images.length).toBeGreaterThanOrEqual(2);

    await page.setViewportSize({ width: 1440, height: 1300 });
    await boundary.scrollIntoViewIfNeeded();
    await shot(page, 'decision-boundary');
    expect(errors).toEqual([]);
  });
});
