// A real model as users have one: the ResNet-50 that PyTorch exports, 102 MB of ONNX. It is more
// than one HostApi message may carry, so the page uploads the file (raw bytes over HTTP in
// browser mode) and the host imports the upload; before, the import was refused for its size.
import { expect, test } from '@playwright/test';
import { statSync } from 'node:fs';
import { runPythonJson } from '../helpers/python.ts';
import { exportTorchModels } from '../helpers/torchModels.ts';
import {
  expectClearOnCanvas,
  heldFirstValues,
  lightOnnx,
  openApp,
  openTraining,
  watchErrors,
} from './helpers.ts';

/** The first values of an initializer, read from the file by the onnx package. */
const FIRST_VALUES = `
import json, sys
import onnx
from onnx import numpy_helper
m = onnx.load(sys.argv[1])
t = next(i for i in m.graph.initializer if i.name == sys.argv[2])
print(json.dumps(numpy_helper.to_array(t).ravel()[:8].astype(float).tolist()))
`;

test('a 102 MB ResNet-50 exported by PyTorch imports in the app with every parameter and the file’s weights', async ({
  page,
}) => {
  test.setTimeout(300_000);
  const errors = watchErrors(page);
  const model = exportTorchModels(['resnet50']).get('resnet50')!;
  const bytes = statSync(model.path).size;
  expect(bytes).toBeGreaterThan(100e6);

  await openApp(page);
  const started = Date.now();
  await page.locator('input[data-role="import-onnx"]').setInputFiles(model.path);
  // PyTorch's own count of model.parameters(): 25,557,032.
  await expect(page.getByTestId('status-params')).toHaveText(
    `${model.params.toLocaleString('en-US')} params`,
    { timeout: 120_000 },
  );
  const seconds = (Date.now() - started) / 1000;
  test.info().annotations.push({
    type: 'import',
    description: `${(bytes / 1e6).toFixed(0)} MB in ${seconds.toFixed(1)} s`,
  });

  // The classifier's weights are the file's, held on the host and shown from there.
  const want = runPythonJson<number[]>(FIRST_VALUES, [model.path, 'fc.weight']);
  expect(await heldFirstValues(page, 'fc')).toEqual(want.map((v) => Number(String(v))));
  await page.screenshot({ path: test.info().outputPath('resnet50-imported.png') });
  expect(errors).toEqual([]);
});

test('the import notes stay in the canvas, clear of its buttons, the minimap and the Training drawer', async ({
  page,
}) => {
  await openApp(page);
  await page.locator('input[data-role="import-onnx"]').setInputFiles(lightOnnx('light_densenet121.onnx'));
  const notes = page.getByRole('region', { name: 'Import notes' });
  await expect(notes).toContainText('folded into values', { timeout: 60_000 });
  for (const drawerOpen of [false, true]) {
    if (drawerOpen) await openTraining(page);
    await expectClearOnCanvas(
      page,
      (await notes.boundingBox())!,
      `the notes (drawer ${drawerOpen ? 'open' : 'closed'})`,
    );
  }
});
