// The Training panel's dataset preview over the HostApi: an uploaded folder of 224×224 pictures
// comes averaged down to at most 64 px a side (the numbers checked against PyTorch's avg_pool2d),
// in a small fraction of the JSON the whole pictures took; MNIST digits, 2-D points and sequences
// come as they did, whole.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PNG } from 'pngjs';
import { sampleSize } from '../../engine/data/index.ts';
import { loadDataset } from '../../host/data/index.ts';
import { datasetPreviewSchema } from '../../protocol/training.ts';
import { connectedHost } from '../helpers/host.ts';
import { needTorch, runPythonJson } from '../helpers/python.ts';

const round = (v: number) => Math.round(v * 1000) / 1000;
const SIDE = 224;
const PER_CLASS = 6;

/** Picture n's byte for channel ch at pixel p: a pattern that varies inside every 4×4 cell. */
const byte = (n: number, ch: number, p: number) =>
  (p * 7 + Math.floor(p / SIDE) * 13 + n * 29 + ch * 101) % 256;

function picture(n: number): string {
  const img = new PNG({ width: SIDE, height: SIDE });
  for (let p = 0; p < SIDE * SIDE; p++)
    img.data.set([byte(n, 0, p), byte(n, 1, p), byte(n, 2, p), 255], 4 * p);
  return PNG.sync.write(img).toString('base64');
}

describe('The dataset preview', () => {
  const { client } = connectedHost();

  it('sends a 224×224 picture folder averaged down to 56×56, as avg_pool2d does, in under a 14th of the JSON', async (t) => {
    if (!needTorch(t)) return;
    const files = ['cats', 'dogs'].flatMap((cls, c) =>
      Array.from({ length: PER_CLASS }, (_, k) => ({
        path: `pets/${cls}/${String(k).padStart(2, '0')}.png`,
        base64: picture(c * PER_CLASS + k),
      })),
    );
    const info = await client.addDataset({ format: 'images', files });
    assert.deepEqual(info.inputShape, [3, SIDE, SIDE]);

    const preview = await client.datasetPreview({ kind: 'file', id: info.id }, 12);
    assert.deepEqual(preview.inputShape, [3, SIDE, SIDE], 'the shape the network takes, as before');
    assert.deepEqual(preview.sampleShape, [3, 56, 56]);
    assert.equal(preview.samples.length, 12);
    assert.deepEqual(
      preview.samples.map((s) => s.label),
      [...new Array<number>(PER_CLASS).fill(0), ...new Array<number>(PER_CLASS).fill(1)],
    );

    // The same pictures made again in Python from their formula and pooled over 4×4 cells.
    const pooled = runPythonJson<number[][]>(
      `import json, torch
p = torch.arange(${SIDE * SIDE}, dtype=torch.float64)
rows = []
for n in range(12):
    x = torch.stack([(p * 7 + torch.div(p, ${SIDE}, rounding_mode='floor') * 13 + n * 29 + ch * 101) % 256 for ch in range(3)])
    x = (x / 255).reshape(1, 3, ${SIDE}, ${SIDE})
    rows.append(torch.nn.functional.avg_pool2d(x, 4, 4, ceil_mode=True).reshape(-1).tolist())
print(json.dumps(rows))`,
    );
    preview.samples.forEach((s, n) => {
      assert.equal(s.values.length, 3 * 56 * 56);
      // Rounded to 3 decimals, as the preview always was.
      const worst = s.values.reduce((d, v, i) => Math.max(d, Math.abs(v - pooled[n][i])), 0);
      assert.ok(worst <= 0.0005 + 1e-6, `sample ${n} differs from avg_pool2d by ${worst}`);
      assert.ok(
        s.values.every((v) => v === round(v)),
        `sample ${n}: values rounded`,
      );
    });

    // The same preview with every pixel, as it was sent before: 12 × 150,528 numbers.
    const whole = {
      ...preview,
      sampleShape: undefined,
      samples: preview.samples.map((s, n) => ({
        label: s.label,
        values: Array.from({ length: 3 * SIDE * SIDE }, (_, i) =>
          round(byte(n, Math.floor(i / (SIDE * SIDE)), i % (SIDE * SIDE)) / 255),
        ),
      })),
    };
    const [now, before] = [JSON.stringify(preview).length, JSON.stringify(whole).length];
    t.diagnostic(`preview JSON: ${now} bytes; with whole pictures: ${before} bytes`);
    assert.ok(before > 9_000_000, `whole pictures: ${before} bytes`);
    assert.ok(now < 700_000, `preview: ${now} bytes`);
    assert.ok(now * 14 < before, `preview ${now} bytes, whole pictures ${before}`);
  });

  it('sends MNIST digits whole, exactly as they load', async () => {
    const preview = await client.datasetPreview({ kind: 'mnist', limit: 100, testLimit: 16, seed: 1 }, 12);
    assert.deepEqual(preview.inputShape, [1, 28, 28]);
    assert.deepEqual(preview.sampleShape, [1, 28, 28]);
    const ds = await loadDataset({ kind: 'mnist', limit: 12 });
    assert.deepEqual(
      preview.samples.map((s) => s.values),
      Array.from({ length: 12 }, (_, i) => Array.from(ds.x.subarray(i * 784, (i + 1) * 784), round)),
    );
    assert.deepEqual(
      preview.samples.map((s) => s.label),
      [...ds.y],
    );
  });

  it('sends 2-D points and sequences whole, their shape as the sample shape', async () => {
    for (const generator of ['spiral', 'sine', 'chars'] as const) {
      const preview = await client.datasetPreview({ kind: 'synthetic', generator, n: 200, seed: 1 }, 50);
      assert.deepEqual(preview.sampleShape, preview.inputShape, generator);
      for (const s of preview.samples)
        assert.equal(s.values.length, sampleSize(preview.inputShape), generator);
    }
  });

  it('still parses an answer from a host that sends no sample shape', () => {
    const old = { name: 'mnist', inputShape: [1, 2, 2], numClasses: 10, trainSize: 5, samples: [] };
    assert.equal(datasetPreviewSchema.parse(old).sampleShape, undefined);
  });
});
