// The live decision boundary: open the spiral lesson, train with its settings, and watch the
// coloured class regions redrawn after every epoch until they follow the three arms.
import { expect, test } from '@playwright/test';
import {
  openApp,
  openLesson,
  runEnded,
  shot,
  startRun,
  training,
  useLessonSettings,
  watchErrors,
} from './helpers.ts';

test.describe.configure({ timeout: 90_000 });

const LABEL = /^Decision boundary after epoch (\d+), training accuracy ([\d.]+)$/;

test.describe('When a student trains the spiral lesson', () => {
  test('the decision boundary appears, is redrawn every epoch and ends up fitting the arms', async ({
    page,
  }) => {
    const errors = watchErrors(page);
    await openApp(page);
    await openLesson(page, 'Decision boundary on a spiral');
    await useLessonSettings(page);

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
    await startRun(page);

    const boundary = training(page).getByRole('img', { name: /^Decision boundary after epoch/ });
    await expect(boundary).toBeVisible({ timeout: 30_000 });
    await runEnded(page, 30_000);
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
