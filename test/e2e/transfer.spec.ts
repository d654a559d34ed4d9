// Transfer learning in the app (browser mode), the workflow of issue 10: open ResNet-50 with its
// weights, give it a new classifier for 10 classes, freeze the backbone, train one epoch on a
// folder of pictures written here, export the trained model; the file runs in onnxruntime, with
// the backbone's weights as they were and a 10-way head.
import { expect, test } from '@playwright/test';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import * as ort from 'onnxruntime-node';
import { decodeModel } from '../../engine/onnx/proto.ts';
import {
  download,
  findLayer,
  inspector,
  lightOnnx,
  openApp,
  openTraining,
  runEnded,
  startRun,
  training,
  watchErrors,
} from './helpers.ts';

const RESNET50 = lightOnnx('light_resnet50.onnx');

/** Ten class folders of three 40x40 pictures each, a colour and stripe per class. */
function writePictures(root: string): void {
  for (let c = 0; c < 10; c++) {
    mkdirSync(join(root, `class${c}`), { recursive: true });
    for (let i = 0; i < 3; i++) {
      const png = new PNG({ width: 40, height: 40 });
      for (let p = 0; p < 1600; p++) {
        const stripe = Math.floor((p % 40) / (c + 2)) % 2;
        png.data[4 * p] = (c * 25 + i * 9) % 256;
        png.data[4 * p + 1] = stripe ? 220 : 30;
        png.data[4 * p + 2] = (255 - c * 20) % 256;
        png.data[4 * p + 3] = 255;
      }
      writeFileSync(join(root, `class${c}`, `${i}.png`), PNG.sync.write(png));
    }
  }
}

test('ResNet-50: new 10-class head, frozen backbone, one epoch on a picture folder, exported ONNX runs', async ({
  page,
}) => {
  test.setTimeout(480_000);
  const errors = watchErrors(page);
  const pictures = test.info().outputPath('pictures');
  writePictures(pictures);
  await openApp(page);
  const status = page.getByRole('status', { name: 'Status' });
  await page.locator('input[data-role="import-onnx"]').setInputFiles(RESNET50);
  await expect(status).toContainText('178 layers', { timeout: 120_000 });
  await expect(page.getByRole('region', { name: 'Import notes' })).not.toContainText('imported without');

  // A new classifier for 10 classes, in place of the 1000-way "pred".
  await findLayer(page, 'pred');
  const transfer = inspector(page).getByRole('region', { name: 'Transfer learning' });
  await transfer.getByLabel('classes').fill('10');
  await transfer.getByRole('button', { name: 'Replace classifier' }).click();
  await expect(inspector(page).getByRole('heading', { level: 2 })).toHaveText('pred');
  await expect(inspector(page).getByLabel('out_features')).toHaveValue('10');

  // Freeze everything up to the pooled features.
  await findLayer(page, 'res5_2_branch2c_bn_flatten');
  await transfer.getByRole('button', { name: 'Freeze up to here' }).click();
  await expect(transfer).toContainText('Frozen');

  // The pictures, resized to the model's 224x224 and normalised with ImageNet's statistics.
  await openTraining(page);
  await training(page).getByLabel('Dataset').selectOption('file');
  await training(page).getByLabel('Format').selectOption('images');
  await training(page).getByLabel('Data folder').setInputFiles(pictures);
  await expect(training(page)).toContainText('30 samples of 3×28×28, 10 classes', { timeout: 60_000 });
  const preprocessing = training(page).getByRole('group', { name: 'Preprocessing' });
  await expect(preprocessing.getByLabel('Resize height')).toHaveAttribute('placeholder', '224');
  await expect(preprocessing.getByLabel('Mean')).toHaveAttribute('placeholder', '0.485, 0.456, 0.406');
  await training(page).getByLabel('Epochs').fill('1');
  await training(page).getByLabel('Batch size').fill('8');
  const t0 = Date.now();
  await startRun(page);
  await runEnded(page, 300_000);
  const trainMs = Date.now() - t0;

  // The run's test-set evaluation first (two evaluateRun calls, seconds here), so the time below is the export's.
  await expect(training(page).getByTestId('confusion-matrix').locator('td.confusion__cell')).toHaveCount(
    100,
    {
      timeout: 60_000,
    },
  );
  const e0 = Date.now();
  const path = await download(
    page,
    () => training(page).getByRole('button', { name: 'Export trained ONNX' }).click(),
    'fine-tuned.onnx',
  );
  // Until Playwright's copy of the downloaded file is written (a little more than the export).
  const exportMs = Date.now() - e0;
  const exported = decodeModel(new Uint8Array(readFileSync(path)));
  const original = decodeModel(new Uint8Array(readFileSync(RESNET50)));
  // The frozen backbone's first convolution is the file's, bit for bit. The light fixture stores
  // its weights as ConstantOfShape fills, so the file's tensor is that fill over conv1's shape.
  const firstConvWeightName = (m: typeof exported) =>
    m.graph.nodes.find((n) => n.opType === 'Conv')!.inputs[1];
  const floatsOf = (t: (typeof exported)['graph']['initializers'][number]) =>
    t.floatData
      ? Float32Array.from(t.floatData)
      : new Float32Array(new Uint8Array(t.rawData!).slice().buffer);
  const exportedInit = exported.graph.initializers.find((i) => i.name === firstConvWeightName(exported))!;
  const exportedConv1 = floatsOf(exportedInit);
  expect(exportedConv1.length).toBe(64 * 3 * 7 * 7);
  const fill = original.graph.nodes.find((n) => n.outputs.includes(firstConvWeightName(original)))!;
  expect(fill.opType).toBe('ConstantOfShape');
  const fillValue = fill.attributes.find((a) => a.name === 'value')!;
  if (fillValue.type !== 'TENSOR') throw new Error('ConstantOfShape value is not a tensor');
  const [expectedValue] = floatsOf(fillValue.value);
  expect(exportedConv1.every((v) => v === expectedValue)).toBe(true);
  const session = await ort.InferenceSession.create(readFileSync(path));
  const x = new Float32Array(3 * 224 * 224).map((_, i) => Math.sin(i));
  const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x, [1, 3, 224, 224]) });
  const y = out[session.outputNames[0]];
  expect(y.dims).toEqual([1, 10]);
  expect([...(y.data as Float32Array)].every(Number.isFinite)).toBe(true);
  console.log(
    `ResNet-50 fine-tuning in the app: one epoch over 24 pictures (features cached) ${trainMs} ms, export trained ONNX ${exportMs} ms`,
  );
  expect(errors).toEqual([]);
});
