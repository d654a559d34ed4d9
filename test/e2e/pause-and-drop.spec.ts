// Pausing a run part way (the bar and step count hold still, the weights so far can be tried),
// resuming it to the end, and trying the trained LeNet on a picture file instead of a drawing.
import type { Page } from '@playwright/test';
import { expect, test } from '@playwright/test';
import {
  openApp,
  openLesson,
  runEnded,
  startRun,
  training,
  useLessonSettings,
  watchErrors,
} from './helpers.ts';

test.describe.configure({ timeout: 150_000 });

const shot = (page: Page, name: string) => page.screenshot({ path: `.scratch/${name}.png` });

/** A PNG of a dark "7" on light paper, off-centre and small, drawn by the page's own canvas. */
async function sevenPng(page: Page): Promise<string> {
  return page.evaluate(() => {
    const c = document.createElement('canvas');
    c.width = 160;
    c.height = 120;
    const ctx = c.getContext('2d')!;
    ctx.fillStyle = '#f2efe6';
    ctx.fillRect(0, 0, c.width, c.height);
    ctx.strokeStyle = '#1c1c28';
    ctx.lineWidth = 9;
    ctx.lineCap = 'round';
    ctx.beginPath();
    ctx.moveTo(80, 22);
    ctx.lineTo(128, 22);
    ctx.lineTo(96, 104);
    ctx.stroke();
    return c.toDataURL('image/png').split(',')[1];
  });
}

/** Drops a file on the Try-it area the way a file manager would. */
async function dropFile(page: Page, name: string, type: string, base64: string): Promise<void> {
  const target = training(page).getByTestId('try-it-drop');
  const transfer = await page.evaluateHandle(
    ({ name, type, base64 }) => {
      const bytes = Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], name, { type }));
      return dt;
    },
    { name, type, base64 },
  );
  await target.dispatchEvent('dragover', { dataTransfer: transfer });
  await target.dispatchEvent('drop', { dataTransfer: transfer });
}

const progressNow = async (page: Page) =>
  Number(await training(page).getByRole('progressbar').getAttribute('aria-valuenow'));

test('a run pauses and resumes; Try it answers for a dropped picture', async ({ page }) => {
  const errors = watchErrors(page);
  await openApp(page);
  await openLesson(page, 'LeNet-5 on MNIST');
  await useLessonSettings(page);
  await training(page).getByLabel('Training images').fill('2000');
  await training(page).getByLabel('Epochs').fill('2');
  await startRun(page);

  await page.waitForFunction(
    () => {
      const now = Number(document.querySelector('[role="progressbar"]')?.getAttribute('aria-valuenow') ?? 0);
      return now >= 5 && now < 60;
    },
    null,
    { polling: 100, timeout: 60_000 },
  );
  await training(page).getByRole('button', { name: 'Pause', exact: true }).click();
  const progress = training(page).getByTestId('training-progress');
  await expect(progress).toContainText('Paused');
  await expect(training(page).getByRole('button', { name: 'Resume', exact: true })).toBeVisible();
  // Nothing moves while paused: the bar, the step count, the time left.
  const [bar, text] = [await progressNow(page), await progress.textContent()];
  expect(bar).toBeGreaterThan(0);
  await page.waitForTimeout(1200);
  expect(await progressNow(page)).toBe(bar);
  await expect(progress).toHaveText(text!);
  expect(text).toMatch(/step \d+ of 124 · about .* left/);

  // The weights so far can be tried while paused: a picture file instead of a drawing.
  const seven = await sevenPng(page);
  await dropFile(page, 'seven.png', 'image/png', seven);
  await expect(training(page).getByTestId('try-it-source')).toHaveText('From the picture seven.png');
  await expect(training(page).getByTestId('prediction-weights')).toContainText('paused after');
  await training(page).getByRole('group', { name: 'Try it' }).scrollIntoViewIfNeeded();
  await shot(page, 'pause-paused');

  await training(page).getByRole('button', { name: 'Resume', exact: true }).click();
  await expect(progress).not.toContainText('Paused');
  await runEnded(page);
  await expect(progress).toContainText('took');

  // The finished network reads the picture (chosen this time) as a 7.
  await training(page)
    .getByLabel('Picture to try')
    .setInputFiles({
      name: 'seven-again.png',
      mimeType: 'image/png',
      buffer: Buffer.from(seven, 'base64'),
    });
  await expect(training(page).getByTestId('try-it-source')).toHaveText('From the picture seven-again.png');
  await expect(training(page).getByTestId('prediction-weights')).toHaveText('Weights: trained 2 epochs');
  await expect(training(page).getByTestId('predicted-class')).toHaveText('7');
  await expect(
    training(page).getByRole('list', { name: 'Class probabilities' }).getByRole('listitem'),
  ).toHaveCount(10);
  // What the network gets: a white digit on black, not the light paper.
  const corner = await training(page)
    .getByRole('img', { name: /What the network sees/ })
    .or(training(page).locator('.seen canvas'))
    .first()
    .evaluate((c: HTMLCanvasElement) => Array.from(c.getContext('2d')!.getImageData(0, 0, 1, 1).data));
  expect(corner.slice(0, 3)).toEqual([0, 0, 0]);
  await training(page).getByRole('group', { name: 'Try it' }).scrollIntoViewIfNeeded();
  await shot(page, 'pause-try-picture');

  // Not a picture: a clear message, and the last answer stays.
  await dropFile(page, 'notes.txt', 'text/plain', btoa('not an image'));
  await expect(training(page).getByRole('alert')).toContainText('“notes.txt” is not a picture');
  await expect(training(page).getByTestId('predicted-class')).toHaveText('7');
  expect(errors).toEqual([]);
});
