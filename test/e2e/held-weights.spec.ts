// The inspector of a model whose weights the host holds (an imported ResNet-50: 100 MB stay on
// the host): it shows the file's values, fetched through HostApi heldTensor, not a random draw;
// a value typed in the page is stored on the host (no base64 in the document) and exported.
import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { exportInference } from '../../engine/onnx/export.ts';
import { importOnnx } from '../../engine/onnx/import.ts';
import { decodeModel } from '../../engine/onnx/proto.ts';
import { weightBytes } from '../helpers/onnxCases.ts';
import { runPythonJson } from '../helpers/python.ts';
import {
  download,
  findLayer,
  heldFirstValues,
  lightOnnx,
  menu,
  openApp,
  watchErrors,
  weightsOf,
} from './helpers.ts';

// The light fixture's convolutions are constants (ConstantOfShape): conv1's weight becomes a
// seeded random initializer, so the file's values can't be mistaken for anything else.
const WITH_RANDOM_CONV1 = `
import json, sys
import numpy as np
import onnx
from onnx import numpy_helper
src, dst = sys.argv[1], sys.argv[2]
m = onnx.load(src)
name = 'gpu_0/conv1_w_0'
node = next(n for n in m.graph.node if n.op_type == 'ConstantOfShape' and n.output[0] == name)
m.graph.node.remove(node)
w = (np.random.default_rng(7).standard_normal((64, 3, 7, 7)) * 0.05).astype(np.float32)
m.graph.initializer.append(numpy_helper.from_array(w, name))
onnx.save(m, dst)
back = numpy_helper.to_array(next(i for i in onnx.load(dst).graph.initializer if i.name == name))
flat = back.ravel().astype(np.float64)
counts, _ = np.histogram(flat, bins=32, range=(flat.min(), flat.max()))
print(json.dumps({'first': flat[:8].tolist(), 'min': flat.min(), 'max': flat.max(), 'mean': flat.mean(),
                  'std': flat.std(), 'histogram': counts.tolist()}))
`;

interface FileStats {
  first: number[];
  min: number;
  max: number;
  mean: number;
  std: number;
  histogram: number[];
}

test('the inspector of a host-held ResNet-50 shows the file’s weights; edits stay on the host', async ({
  page,
}) => {
  test.setTimeout(300_000);
  const errors = watchErrors(page);
  const file = test.info().outputPath('resnet50-random-conv1.onnx');
  const want = runPythonJson<FileStats>(WITH_RANDOM_CONV1, [lightOnnx('light_resnet50.onnx'), file]);

  const sent: string[] = [];
  page.on('websocket', (ws) =>
    ws.on('framesent', (f) => typeof f.payload === 'string' && sent.push(f.payload)),
  );
  await openApp(page);
  await page.locator('input[data-role="import-onnx"]').setInputFiles(file);
  await expect(page.getByRole('status', { name: 'Status' })).toContainText('178 layers', {
    timeout: 120_000,
  });

  // conv1's weight [64, 3, 7, 7]: too many values to type in, so statistics, a histogram and the
  // first values, all of the file's.
  expect(await heldFirstValues(page, 'conv1')).toEqual(want.first.map((v) => Number(String(v))));
  const weights = weightsOf(page);
  const statsText = await weights.getByLabel('Statistics of weight').textContent();
  const stat = (key: string) => Number(new RegExp(`${key} (-?[\\d.e+-]+)`).exec(statsText ?? '')?.[1]);
  for (const key of ['min', 'max', 'mean', 'std'] as const)
    expect(Math.abs(stat(key) - want[key]), `${key}: ${statsText}`).toBeLessThanOrEqual(
      Math.abs(want[key]) * 1e-3 + 1e-9,
    );
  const bars = await weights
    .getByRole('img', { name: /^Histogram of weight/ })
    .locator('rect title')
    .allTextContents();
  const counts = bars.map((t) => Number(/: (\d+) values$/.exec(t)?.[1]));
  expect(counts.reduce((a, b) => a + b, 0)).toBe(64 * 3 * 7 * 7);
  // Bin edges computed in float64 by both; a value on an edge may fall either side.
  counts.forEach((c, i) => expect(Math.abs(c - want.histogram[i]), `bin ${i}`).toBeLessThanOrEqual(2));

  // A small held tensor is a row of number fields with the file's values; a typed one is kept by
  // the host, and undo brings the file's back.
  const original = importOnnx(decodeModel(new Uint8Array(readFileSync(file))), { embedWeights: false });
  const gamma = original.weights.get('batchnorm2d_1')!.get('weight')!;
  await findLayer(page, 'res_conv1_bn');
  const cell = weightsOf(page).getByLabel('weight [0]', { exact: true });
  await expect(cell).toHaveAttribute('title', `weight [0] = ${gamma[0]}`);
  sent.length = 0;
  await cell.fill('0.5');
  await expect(cell).toHaveAttribute('title', 'weight [0] = 0.5');
  await menu(page, 'File', 'Export ONNX…');
  const exportButton = page
    .getByRole('dialog', { name: 'Export ONNX' })
    .getByRole('button', { name: 'Export' });
  const onnxPath = await download(page, () => exportButton.click(), 'edited.onnx', 120_000);
  // What the page sent since the edit names held weights, never a tensor's values.
  expect(sent.some((m) => m.includes('"editHeldWeights"'))).toBe(true);
  expect(sent.filter((m) => m.includes('"exportOnnx"')).length).toBe(1);
  // A stored tensor in a document is {"shape": […], "dtype": "float32", "data": "<base64>"}.
  const tensors = sent.filter((m) => /"dtype":"float32","data":"/.test(m));
  expect(tensors.map((m) => m.slice(0, 80))).toEqual([]);
  const edited = new Map(original.weights);
  edited.set('batchnorm2d_1', new Map(original.weights.get('batchnorm2d_1')));
  edited.get('batchnorm2d_1')!.set(
    'weight',
    Float32Array.from(gamma, (v, i) => (i === 0 ? 0.5 : v)),
  );
  const exported = weightBytes(decodeModel(new Uint8Array(readFileSync(onnxPath))));
  const direct = weightBytes(exportInference(original.doc, { weights: edited }));
  expect(exported.length).toBe(direct.length);
  direct.forEach((b, k) => expect(b.equals(exported[k]), `initializer ${k}`).toBe(true));

  await menu(page, 'Edit', 'Undo');
  await expect(cell).toHaveAttribute('title', `weight [0] = ${gamma[0]}`);
  expect(errors).toEqual([]);
});
