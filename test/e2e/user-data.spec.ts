// Training on the user's own files: choose "Your files…", upload a CSV made here (three separable
// blobs, two features), see its points, train the spiral MLP on it and watch the loss fall; then
// upload an IDX images/labels pair written byte by byte and see its pictures; a broken file is
// refused in place; and a text file, read as windows of characters, trains the character LSTM.
import type { Page } from '@playwright/test';
import { expect, test } from '@playwright/test';
import { grammarText } from '../../engine/data/index.ts';
import {
  openApp,
  openLesson,
  openTemplate,
  openTraining,
  runEnded,
  shot,
  startRun,
  trainToEnd,
  training,
  useLessonSettings,
  watchErrors,
} from './helpers.ts';

test.describe.configure({ timeout: 120_000 });

const dataFieldset = (page: Page) =>
  training(page).locator('fieldset', { has: page.locator('legend', { hasText: 'Data' }) });
const preview = (page: Page) => training(page).getByRole('group', { name: 'Dataset preview' });

function blobsCsv(n: number): Buffer {
  let s = 11;
  const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const centres = [
    [3, 0],
    [-1.5, 2.6],
    [-1.5, -2.6],
  ];
  const rows = Array.from({ length: n }, (_, i) => {
    const [cx, cy] = centres[i % 3];
    return `${(cx + rand() - 0.5).toFixed(3)},${(cy + rand() - 0.5).toFixed(3)},${['a', 'b', 'c'][i % 3]}`;
  });
  return Buffer.from(['x,y,class', ...rows].join('\n'));
}

/** IDX per the format: 0, 0, type 0x08 (unsigned byte), rank, big-endian sizes, then the bytes. */
function idx(dims: number[], data: number[]): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = 0x08;
  head[3] = dims.length;
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(data)]);
}

/** Class 0 a vertical bar, class 1 a horizontal bar, 8×8. */
function bars(n: number): { images: Buffer; labels: Buffer } {
  const pixels: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    for (let r = 0; r < 8; r++)
      for (let c = 0; c < 8; c++)
        pixels.push((label === 0 ? c === 3 || c === 4 : r === 3 || r === 4) ? 255 : 0);
    labels.push(label);
  }
  return { images: idx([n, 8, 8], pixels), labels: idx([n], labels) };
}

/** "Loss: train per step 1.1 → 0.05; ..." -> [first, last]. */
async function lossEnds(page: Page): Promise<[number, number]> {
  const label = (await training(page).getByTestId('loss-chart').getAttribute('aria-label')) ?? '';
  const m = /train per step ([\d.]+) → ([\d.]+)/.exec(label);
  expect(m, label).not.toBeNull();
  return [Number(m![1]), Number(m![2])];
}

test('a user trains on their own CSV and previews their own IDX pictures', async ({ page }) => {
  const errors = watchErrors(page);
  await openApp(page);
  await openLesson(page, 'Decision boundary on a spiral');
  await useLessonSettings(page);

  await training(page).getByLabel('Dataset').selectOption('file');
  const files = training(page).getByRole('group', { name: 'Your files' });
  await expect(files).toContainText('one label column');

  // A broken CSV: the error names the file and line, in place.
  await files.getByLabel('Data files').setInputFiles({
    name: 'broken.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('x,y,class\n1,2,a\n3,oops,b\n'),
  });
  await expect(files.getByRole('alert')).toContainText('broken.csv');
  await expect(files.getByRole('alert')).toContainText('line 3');

  await files
    .getByLabel('Data files')
    .setInputFiles({ name: 'blobs.csv', mimeType: 'text/csv', buffer: blobsCsv(300) });
  await expect(training(page)).toContainText('blobs.csv: 300 samples of 2, 3 classes');
  await expect(files.getByRole('alert')).toHaveCount(0);
  await expect(preview(page).locator('canvas.scatter')).toBeVisible();
  await expect(preview(page)).toContainText('240 for training');
  await dataFieldset(page).screenshot({ path: '.scratch/user-data-csv-setup.png' });

  await training(page).getByLabel('Epochs').fill('5');
  await startRun(page);
  await runEnded(page);
  const [first, last] = await lossEnds(page);
  expect(last).toBeLessThan(first / 3);
  await shot(page, 'user-data-csv');
  await page.screenshot({ path: '.scratch/user-data-csv.png' });

  // An IDX pair: its pictures appear in the preview.
  await training(page).getByLabel('Format').selectOption('idx');
  const { images, labels } = bars(20);
  await files.getByLabel('Data files').setInputFiles([
    { name: 'bars-images-idx3-ubyte', mimeType: 'application/octet-stream', buffer: images },
    { name: 'bars-labels-idx1-ubyte', mimeType: 'application/octet-stream', buffer: labels },
  ]);
  await expect(training(page)).toContainText('20 samples of 1×8×8, 2 classes');
  await expect(preview(page).locator('canvas')).toHaveCount(12);
  await expect(preview(page).locator('figcaption').first()).toHaveText('0');
  await expect(preview(page).locator('figcaption').nth(1)).toHaveText('1');
  await dataFieldset(page).screenshot({ path: '.scratch/user-data-idx.png' });
  expect(errors).toEqual([]);
});

test('a user trains the character LSTM on their own text file', async ({ page }) => {
  const errors = watchErrors(page);
  await openApp(page);
  await openTemplate(page, 'Character-level LSTM');
  await openTraining(page);
  await training(page).getByLabel('Dataset').selectOption('file');
  const files = training(page).getByRole('group', { name: 'Your files' });
  await training(page).getByLabel('Format').selectOption('text');
  await expect(files).toContainText('the character that follows');
  // The template reads windows of 16 characters.
  await files.getByRole('spinbutton', { name: /^Window/ }).fill('16');
  await files
    .getByLabel('Data files')
    .setInputFiles({ name: 'story.txt', mimeType: 'text/plain', buffer: Buffer.from(grammarText(6000, 9)) });
  await expect(training(page)).toContainText('story.txt: 5,984 samples of 16, 25 classes');
  // The windows read as text, each with the character to predict.
  const windows = preview(page).getByRole('list', { name: 'First windows' });
  await expect(windows.getByRole('listitem')).toHaveCount(6);
  const first = grammarText(17, 9);
  await expect(windows.getByRole('listitem').first()).toContainText(first.slice(0, 16));
  await expect(windows.getByLabel(`next: ${first[16] === ' ' ? 'space' : first[16]}`).first()).toBeVisible();

  await windows.scrollIntoViewIfNeeded();
  await training(page).screenshot({ path: '.scratch/user-data-text-setup.png' });

  await training(page).getByLabel('Epochs').fill('2');
  const accuracy = await trainToEnd(page);
  // 25 characters: guessing scores 4%; the grammar's words make the next character predictable.
  expect(accuracy).toBeGreaterThan(50);
  await shot(page, 'user-data-text');
  expect(errors).toEqual([]);
});
