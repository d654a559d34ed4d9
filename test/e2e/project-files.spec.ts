// A real model through the .netwright file in the app (browser mode): import ResNet-50, save it
// (a download the browser fetches from the host), open the saved file again, export ONNX; the weights survive each
// step bit for bit, and nothing says they were left out. Prints how long save and reopen take,
// and the page's heap with the model open (less than its weights: the host holds those).
import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { decodeProjectArchive } from '../../engine/index.ts';
import { exportInference } from '../../engine/onnx/export.ts';
import { importOnnx } from '../../engine/onnx/import.ts';
import { decodeModel } from '../../engine/onnx/proto.ts';
import { weightBytes } from '../helpers/onnxCases.ts';
import { lightOnnx, menu, openApp, watchErrors } from './helpers.ts';

const RESNET50 = lightOnnx('light_resnet50.onnx');

test('ResNet-50 keeps its weights through import, save, reopen and ONNX export', async ({ page }) => {
  test.setTimeout(300_000);
  const errors = watchErrors(page);
  await openApp(page);
  const status = page.getByRole('status', { name: 'Status' });
  let t0 = Date.now();
  await page.locator('input[data-role="import-onnx"]').setInputFiles(RESNET50);
  await expect(status).toContainText('178 layers', { timeout: 120_000 });
  const importMs = Date.now() - t0;
  await expect(page.getByRole('region', { name: 'Import notes' })).not.toContainText('imported without');
  // The host holds the 102 MB of weights; the page's heap (after a collection) holds the graph.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  console.log(`Renderer JS heap with ResNet-50 open: ${(usedSize / 2 ** 20).toFixed(1)} MiB`);
  expect(usedSize).toBeLessThan(102e6);

  t0 = Date.now();
  const [saved] = await Promise.all([
    page.waitForEvent('download', { timeout: 120_000 }),
    menu(page, 'File', 'Save'),
  ]);
  // Until the browser has the whole file (Playwright's own copy below is not counted).
  await saved.path();
  const saveMs = Date.now() - t0;
  const path = test.info().outputPath('resnet50.netwright');
  await saved.saveAs(path);
  expect(saved.suggestedFilename()).toBe('light-resnet50.netwright');

  // The file holds every weight of the model, bit for bit.
  const original = importOnnx(decodeModel(new Uint8Array(readFileSync(RESNET50))), { embedWeights: false });
  const archive = decodeProjectArchive(readFileSync(path));
  expect(archive.weights.size).toBe(original.weights.size);
  const raw = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  for (const [id, params] of original.weights)
    for (const [p, v] of params)
      expect(raw(archive.weights.get(id)!.get(p)!).equals(raw(v)), `${id}.${p}`).toBe(true);

  // Open the saved file in a fresh page: the graph comes back and its export has the same weights.
  await page.reload();
  await openApp(page);
  t0 = Date.now();
  await page.locator('input[data-role="open-project"]').setInputFiles(path);
  await expect(page.locator('.toast')).toContainText('Opened resnet50.netwright', { timeout: 120_000 });
  await expect(status).toContainText('178 layers');
  const reopenMs = Date.now() - t0;

  await menu(page, 'File', 'Export ONNX…');
  const dialog = page.getByRole('dialog', { name: 'Export ONNX' });
  t0 = Date.now();
  const [file] = await Promise.all([
    page.waitForEvent('download', { timeout: 120_000 }),
    dialog.getByRole('button', { name: 'Export' }).click(),
  ]);
  await file.path();
  const exportMs = Date.now() - t0;
  const onnxPath = test.info().outputPath('resnet50.onnx');
  await file.saveAs(onnxPath);
  const exported = weightBytes(decodeModel(new Uint8Array(readFileSync(onnxPath))));
  const direct = weightBytes(exportInference(original.doc, { weights: original.weights }));
  expect(exported.length).toBe(direct.length);
  direct.forEach((b, k) => expect(b.equals(exported[k]), `initializer ${k}`).toBe(true));
  console.log(
    `ResNet-50 in the app: import ${importMs} ms, save (download) ${saveMs} ms, reopen ${reopenMs} ms, export ONNX ${exportMs} ms`,
  );
  expect(errors).toEqual([]);
});
