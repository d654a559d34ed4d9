// `netwright train` for transfer learning: a folder of pictures resized and normalised the way the
// model expects, a new classifier for its classes (--classes), a frozen backbone (--freeze-up-to)
// whose features are computed once and give the same run as training the whole graph frozen.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import * as ort from 'onnxruntime-node';
import { GraphBuilder, newDocument, serializeDocument } from '../../engine/index.ts';
import { decodeModel } from '../../engine/onnx/proto.ts';
import { repoRoot } from '../helpers/templates.ts';
import { tempDir } from '../helpers/tempDir.ts';

const netwright = (...args: string[]) =>
  spawnSync(process.execPath, [join(repoRoot, 'bin', 'netwright.js'), ...args], { encoding: 'utf8' });
const dir = tempDir('netwright-transfer-cli-');
after(() => rmSync(dir, { recursive: true, force: true }));

/** Three classes of 20x20 pictures: reddish, greenish, bluish, with seeded noise. */
function writeFolder(root: string, perClass: number): void {
  let s = 7;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 80;
  ['red', 'green', 'blue'].forEach((cls, c) => {
    mkdirSync(join(root, cls), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const png = new PNG({ width: 20, height: 20 });
      for (let p = 0; p < 400; p++) {
        for (let k = 0; k < 3; k++) png.data[4 * p + k] = (k === c ? 160 : 40) + rand();
        png.data[4 * p + 3] = 255;
      }
      writeFileSync(join(root, cls, `${i}.png`), PNG.sync.write(png));
    }
  });
}

/** A small CNN "pretrained" for 5 classes: conv, BatchNorm, ReLU, pool, flatten, fc. */
function writeModel(path: string): void {
  const b = new GraphBuilder();
  const x = b.input([3, 16, 16]);
  const features = b.chain(x, [
    ['Conv2d', { out_channels: 8, kernel_size: 3, padding: 1 }],
    ['BatchNorm2d'],
    ['ReLU'],
    ['GlobalAvgPool2d'],
  ]);
  b.add('Flatten', {}, features, 'features');
  const fc = b.add('Linear', { out_features: 5 }, b.graph.nodes.at(-1)!.id, 'fc');
  void fc;
  writeFileSync(path, serializeDocument(newDocument('small-cnn', b.graph)));
}

const folder = join(dir, 'pictures');
const model = join(dir, 'model.netwright.json');
writeFolder(folder, 8);
writeModel(model);

const epochs = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { trainLoss: number; testLoss: number });

test('images:<dir> with --classes and --freeze-up-to: features computed once, the same run as the whole graph', async () => {
  const out = join(dir, 'fine-tuned.onnx');
  const common = ['train', model, '--data', `images:${folder}`, '--classes', '--freeze-up-to', 'features'];
  const flags = ['--epochs', '3', '--batch-size', '4', '--lr', '0.1', '--json'];
  const cached = netwright(...common, ...flags, '--out', out);
  assert.equal(cached.status, 0, cached.stderr);
  assert.match(cached.stderr, /Frozen up to features: its features \[8\] computed once/);
  const whole = netwright(...common, ...flags, '--no-cache-features');
  assert.equal(whole.status, 0, whole.stderr);
  assert.match(whole.stderr, /^(?![\s\S]*computed once)/);
  const a = epochs(cached.stdout);
  const b = epochs(whole.stdout);
  assert.equal(a.length, 3);
  for (let i = 0; i < 3; i++) {
    assert.ok(Math.abs(a[i].trainLoss - b[i].trainLoss) <= 1e-5 * Math.abs(b[i].trainLoss), `epoch ${i + 1}`);
    assert.ok(Math.abs(a[i].testLoss - b[i].testLoss) <= 1e-5 * Math.abs(b[i].testLoss), `epoch ${i + 1}`);
  }
  assert.ok(a[2].trainLoss < a[0].trainLoss, 'the head learns');
  // The exported model: 3 classes, ImageNet's statistics in its metadata, and it runs.
  const onnx = decodeModel(readFileSync(out));
  const meta = onnx.metadataProps?.find((p) => p.key === 'netwright.normalize');
  assert.deepEqual(JSON.parse(meta!.value).mean, [0.485, 0.456, 0.406]);
  const session = await ort.InferenceSession.create(readFileSync(out));
  const y = await session.run({
    [session.inputNames[0]]: new ort.Tensor('float32', new Float32Array(3 * 16 * 16), [1, 3, 16, 16]),
  });
  assert.deepEqual(y[session.outputNames[0]].dims, [1, 3]);
});

test('images:<dir> preprocessing flags, and bad pictures named in the error', () => {
  const base = ['train', model, '--data', `images:${folder}`, '--classes', '--epochs', '1', '--json'];
  const r = netwright(...base, '--mean', '0.5,0.5', '--std', '0.2,0.2,0.2');
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /mean and std go together, one value per channel \(got 2 and 3\)/);
  assert.match(
    netwright(...base, '--image-size', '0x3').stderr,
    /--image-size 0x3: give <size> or <height>x<width>/,
  );
  assert.match(netwright(...base, '--std', '1,1,1').stderr, /--mean and --std go together/);
  assert.match(
    netwright(...base, '--freeze-up-to', 'feat').stderr,
    /no node of that name; did you mean features/,
  );
  const sized = netwright(
    ...base,
    '--image-size',
    '12x12',
    '--mean',
    '0.5,0.5,0.5',
    '--std',
    '0.25,0.25,0.25',
  );
  // The model's Input is 3x16x16; pictures resized to 12x12 no longer fit it, and the error says so.
  assert.notEqual(sized.status, 0);
  assert.match(sized.stderr, /16/);
  const broken = join(dir, 'broken');
  writeFolder(broken, 2);
  writeFileSync(join(broken, 'red', 'zz.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]));
  const bad = netwright('train', model, '--data', `images:${broken}`, '--classes', '--json');
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /red[/\\]zz\.png: cannot decode the PNG image/);
});
