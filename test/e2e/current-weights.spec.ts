// Issue 16 item 2: after training, "the current weights" are the run's everywhere. File → Export
// ONNX writes the trained weights (the same network the drawer's Export trained ONNX writes), and
// says so; choosing the initial weights writes those instead; Try it and Step through say which
// weights answer, and follow the choice.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { expect, test } from '@playwright/test';
import { download, menu, openApp, openLesson, runEnded, training, useLessonSettings } from './helpers.ts';

test.describe.configure({ timeout: 150_000 });

/** The model's scores for a few fixed digits-like inputs. */
async function scores(path: string): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(readFileSync(path));
  const x = Float32Array.from({ length: 4 * 784 }, (_, i) => ((i * 7919) % 256) / 255);
  const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x, [4, 1, 28, 28]) });
  const y = out[session.outputNames[0]].data as Float32Array;
  await session.release();
  return y;
}

const maxDiff = (a: Float32Array, b: Float32Array) => {
  expect(a.length).toBe(b.length);
  return Math.max(...a.map((v, i) => Math.abs(v - b[i])));
};

test('File → Export ONNX after training writes the trained weights unless the initial ones are chosen', async ({
  page,
}) => {
  await openApp(page);
  await openLesson(page, 'LeNet-5 on MNIST');
  await useLessonSettings(page);
  await training(page).getByLabel('Training images').fill('1000');
  await training(page).getByLabel('Epochs').fill('1');
  await training(page).getByRole('button', { name: 'Train', exact: true }).click();
  await runEnded(page);

  const runFile = await download(
    page,
    () => training(page).getByRole('button', { name: 'Export trained ONNX' }).click(),
    'run.onnx',
  );

  // File → Export ONNX says which weights it writes: the run's.
  await menu(page, 'File', 'Export ONNX…');
  const dialog = page.getByRole('dialog', { name: 'Export ONNX' });
  await expect(dialog.getByTestId('export-weights')).toContainText(/with the trained weights of run run-/);
  const trainedFile = await download(
    page,
    () => dialog.getByRole('button', { name: 'Export' }).click(),
    'trained.onnx',
  );

  // The initial weights, when chosen, say so and go into the file instead.
  await menu(page, 'File', 'Export ONNX…');
  await dialog.getByRole('combobox', { name: /^Weights/ }).selectOption('initial');
  await expect(dialog.getByTestId('export-weights')).toContainText('with the initial weights');
  const initialFile = await download(
    page,
    () => dialog.getByRole('button', { name: 'Export' }).click(),
    'initial.onnx',
  );

  const [run, trained, initial] = await Promise.all([runFile, trainedFile, initialFile].map(scores));
  expect(maxDiff(trained, run)).toBeLessThan(1e-5);
  expect(maxDiff(initial, run)).toBeGreaterThan(1e-2);

  // Try it follows the same choice, and says which weights answer.
  const tryIt = training(page).getByRole('group', { name: 'Try it' });
  await expect(tryIt.getByTestId('try-it-weights')).toContainText('With the initial weights');
  await tryIt.getByRole('combobox', { name: /^Weights/ }).selectOption('trained');
  await expect(tryIt.getByTestId('try-it-weights')).toContainText(/With the trained weights of run run-/);
  await menu(page, 'File', 'Export ONNX…');
  await expect(dialog.getByTestId('export-weights')).toContainText(/with the trained weights of run run-/);
  await dialog.getByRole('button', { name: 'Cancel' }).click();

  // Step through follows the same choice: the host says whose weights ran the batch.
  await training(page).getByRole('button', { name: 'Step through' }).click();
  const stepThrough = training(page).getByRole('region', { name: 'Step through' });
  await expect(stepThrough).toContainText(/with the trained weights of run run-/);
  await stepThrough.getByRole('button', { name: 'Run one batch' }).click();
  await expect(stepThrough).toContainText(/the weights of run-/, { timeout: 60_000 });
  await stepThrough.getByRole('combobox', { name: /^Weights/ }).selectOption('initial');
  await expect(stepThrough).toContainText('with the initial weights');
  await stepThrough.getByRole('button', { name: /Run one batch/ }).click();
  await expect(stepThrough).toContainText('the initial weights a run would start from', { timeout: 60_000 });
});
