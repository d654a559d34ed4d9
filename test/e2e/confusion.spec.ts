// The confusion matrix as a teacher uses it: train LeNet-5 briefly on MNIST, read the 10×10 matrix
// of the test set, look at the mistakes the network was surest of, then click a cell to see the
// digits of that one confusion ("true 4 → predicted 9").
import type { Locator, Page } from '@playwright/test';
import { expect, test } from '@playwright/test';
import {
  openApp,
  openLesson,
  openTemplate,
  openTraining,
  runEnded,
  startRun,
  training,
  useLessonSettings,
  watchErrors,
} from './helpers.ts';

test.describe.configure({ timeout: 150_000 });

const SCRATCH = '.scratch';
const TEST_IMAGES = 300;
const matrix = (page: Page) => training(page).getByTestId('confusion-matrix');
const mistakes = (page: Page) => training(page).getByRole('group', { name: 'Misclassified examples' });

/** Every cell as { t, p, n }, read from the table's data attributes. */
async function cells(table: Locator) {
  return table.locator('td.confusion__cell').evaluateAll((tds) =>
    tds.map((td) => {
      const d = (td as HTMLElement).dataset;
      return { t: Number(d.true), p: Number(d.predicted), n: Number(d.count) };
    }),
  );
}

/** The (true, predicted) pair of every example card shown. */
async function examplePairs(group: Locator) {
  return group
    .getByTestId('mistake')
    .evaluateAll((figs) =>
      figs.map((f) => [
        Number((f as HTMLElement).dataset.true),
        Number((f as HTMLElement).dataset.predicted),
      ]),
    );
}

test('a teacher trains LeNet-5 briefly and shows which digits it confuses, and the sure-but-wrong ones', async ({
  page,
}) => {
  const errors = watchErrors(page);
  await page.setViewportSize({ width: 1600, height: 1000 });
  await openApp(page);
  await openTemplate(page, 'Lesson: LeNet-5 on MNIST');
  await openTraining(page);
  await training(page).getByLabel('Training images').fill('1500');
  await training(page).getByLabel('Test images').fill(String(TEST_IMAGES));
  await training(page).getByLabel('Epochs').fill('1');
  await startRun(page);
  await runEnded(page, 120_000);

  // 10×10, every test digit counted once, and the accuracy is the headline's.
  await expect(matrix(page).locator('td.confusion__cell')).toHaveCount(100);
  const all = await cells(matrix(page));
  expect(all.reduce((s, c) => s + c.n, 0)).toBe(TEST_IMAGES);
  const right = all.filter((c) => c.t === c.p).reduce((s, c) => s + c.n, 0);
  const headline = (await training(page).getByTestId('accuracy-after').textContent()) ?? '';
  expect(headline).toBe(`${((right / TEST_IMAGES) * 100).toFixed(1)}%`);
  await expect(training(page).getByRole('region', { name: 'Confusion matrix and mistakes' })).toContainText(
    `accuracy ${((right / TEST_IMAGES) * 100).toFixed(1)}%`,
  );

  // By default: the surest mistakes overall, all off the diagonal, as digit images.
  const wrong = all.filter((c) => c.t !== c.p).reduce((s, c) => s + c.n, 0);
  expect(wrong).toBeGreaterThan(0);
  await expect(mistakes(page)).toContainText('The surest mistakes');
  await expect(mistakes(page).getByTestId('mistake')).toHaveCount(Math.min(16, wrong));
  for (const [t, p] of await examplePairs(mistakes(page))) expect(t).not.toBe(p);
  await expect(mistakes(page).getByTestId('mistake').first().locator('canvas')).toHaveAttribute(
    'width',
    '28',
  );
  await expect(mistakes(page).getByTestId('mistake').first()).toHaveAttribute(
    'aria-label',
    /^true \d → predicted \d \((\d+%|<1%)\)$/,
  );
  await training(page)
    .getByRole('region', { name: 'Confusion matrix and mistakes' })
    .scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SCRATCH}/confusion-surest.png` });

  // Clicking the biggest confusion shows exactly its digits.
  const biggest = all.filter((c) => c.t !== c.p).sort((a, b) => b.n - a.n)[0];
  await matrix(page).locator(`td[data-true="${biggest.t}"][data-predicted="${biggest.p}"] button`).click();
  await expect(mistakes(page)).toContainText(`True ${biggest.t} predicted as ${biggest.p}`);
  await expect(mistakes(page).getByTestId('mistake')).toHaveCount(Math.min(16, biggest.n));
  for (const pair of await examplePairs(mistakes(page))) expect(pair).toEqual([biggest.t, biggest.p]);
  await expect(mistakes(page)).toContainText(`${Math.min(16, biggest.n)} of ${biggest.n}`);
  await training(page)
    .getByRole('region', { name: 'Confusion matrix and mistakes' })
    .scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SCRATCH}/confusion-cell.png` });
  await training(page).getByRole('button', { name: 'Confusion CSV' }).scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SCRATCH}/confusion-legend.png` });

  // The matrix as CSV: a header of classes and recall, ten rows of counts, then precision.
  const download = page.waitForEvent('download');
  await training(page).getByRole('button', { name: 'Confusion CSV' }).click();
  const file = await (await download).path();
  const { readFileSync } = await import('node:fs');
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  expect(lines).toHaveLength(12);
  expect(lines[0]).toBe('true \\ predicted,0,1,2,3,4,5,6,7,8,9,recall');
  const counts = lines.slice(1, 11).map((l) => l.split(',').slice(1, 11).map(Number));
  expect(counts.flat()).toEqual(all.map((c) => c.n));

  // Back to the surest mistakes overall.
  await mistakes(page).getByRole('button', { name: 'show the surest overall' }).click();
  await expect(mistakes(page)).toContainText('The surest mistakes');
  expect(errors).toEqual([]);
});

test('on the spiral lesson the matrix follows the epochs while training, and mistakes are 2-D points', async ({
  page,
}) => {
  const errors = watchErrors(page);
  await openApp(page);
  await openLesson(page, 'Decision boundary on a spiral');
  await useLessonSettings(page);
  // Ten times the lesson's 600 points, so the run lasts long enough (seconds) for the matrix to be
  // refetched several times while it trains, however fast training has become.
  await training(page).getByRole('spinbutton', { name: 'Points' }).fill('6000');
  // Every epoch the matrix shows while training, sampled once a frame.
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { matrixEpochs: string[] }).matrixEpochs = seen;
    const sample = () => {
      const view = document.querySelector('[aria-label="Confusion matrix and mistakes"]');
      const running = [...document.querySelectorAll('button')].some((b) => b.textContent === 'Stop');
      const epoch = view?.getAttribute('data-epoch');
      if (epoch && running && !seen.includes(epoch)) seen.push(epoch);
      requestAnimationFrame(sample);
    };
    requestAnimationFrame(sample);
  });
  await startRun(page);
  await runEnded(page, 60_000);
  const seen = await page.evaluate(() => (window as unknown as { matrixEpochs: string[] }).matrixEpochs);
  expect(seen.length, `epochs seen while training: ${seen.join(', ')}`).toBeGreaterThan(1);

  await expect(matrix(page).locator('td.confusion__cell')).toHaveCount(9);
  const all = await cells(matrix(page));
  const total = all.reduce((s, c) => s + c.n, 0);
  const right = all.filter((c) => c.t === c.p).reduce((s, c) => s + c.n, 0);
  await expect(training(page).getByTestId('accuracy-after')).toHaveText(
    `${((right / total) * 100).toFixed(1)}%`,
  );
  const wrong = total - right;
  await expect(mistakes(page).getByTestId('mistake')).toHaveCount(Math.min(16, wrong));
  if (wrong > 0)
    await expect(mistakes(page).getByTestId('mistake').first()).toContainText(/\(-?\d+\.\d\d, -?\d+\.\d\d\)/);
  await training(page)
    .getByRole('region', { name: 'Confusion matrix and mistakes' })
    .scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SCRATCH}/confusion-spiral.png` });
  expect(errors).toEqual([]);
});
