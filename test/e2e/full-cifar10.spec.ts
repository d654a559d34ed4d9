// The full CIFAR-10 (binary version: five training batches and the test batch, 184 MB) uploads
// from the page, its large files streamed in chunks instead of one message, and Mini-VGG trains
// on it. The batches are written here in the format's layout (a label byte, then 3×32×32 pixel
// bytes per image, 10,000 images per file); nothing is downloaded.
import { expect, test } from '@playwright/test';
import { openApp, openTemplate, openTraining, runEnded, startRun, training, watchErrors } from './helpers.ts';
import { writeFileSync } from 'node:fs';

const IMAGES_PER_BATCH = 10_000;
const RECORD = 1 + 3 * 32 * 32;

/** One batch: class c images are brighter in channel c % 3 (so there is something to learn). */
function batch(seed: number): Buffer {
  const out = Buffer.alloc(IMAGES_PER_BATCH * RECORD);
  let s = seed;
  for (let i = 0; i < IMAGES_PER_BATCH; i++) {
    const label = (i * 7 + seed) % 10;
    const at = i * RECORD;
    out[at] = label;
    for (let p = 0; p < 3 * 1024; p++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      out[at + 1 + p] = (s >>> 25) + (Math.floor(p / 1024) === label % 3 ? 128 : 0);
    }
  }
  return out;
}

test('the full CIFAR-10 uploads and Mini-VGG trains on it', async ({ page }) => {
  test.setTimeout(300_000);
  const errors = watchErrors(page);
  const names = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`).concat('test_batch.bin');
  const paths = names.map((name, i) => {
    const path = test.info().outputPath(name);
    writeFileSync(path, batch(i + 1));
    return path;
  });
  await openApp(page);
  await openTemplate(page, 'Mini-VGG (CIFAR-10)');
  await openTraining(page);
  await training(page).getByLabel('Dataset').selectOption('file');
  await training(page).getByLabel('Format').selectOption('cifar10');
  const files = training(page).getByRole('group', { name: 'Your files' });
  const t0 = Date.now();
  await files.getByLabel('Data files').setInputFiles(paths);
  await expect(training(page)).toContainText('60,000 samples of 3×32×32, 10 classes', { timeout: 240_000 });
  console.log(
    `Full CIFAR-10 (${(6 * IMAGES_PER_BATCH * RECORD) / 1e6} MB) uploaded and checked in ${Date.now() - t0} ms`,
  );
  await expect(files.getByRole('alert')).toHaveCount(0);

  // A short run on a subset of it: the loss is a number and the run ends.
  await training(page).getByLabel('Training samples').fill('512');
  await training(page).getByLabel('Epochs').fill('1');
  await startRun(page);
  await runEnded(page, 180_000);
  const label = (await training(page).getByTestId('loss-chart').getAttribute('aria-label')) ?? '';
  expect(label).toMatch(/train per step [\d.]+ → [\d.]+/);
  expect(errors).toEqual([]);
});
