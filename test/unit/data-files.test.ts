// Node loaders on small files of each format, written by the tests into a temp folder.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { classCounts, encodeIdx } from '../../engine/data/index.ts';
import {
  loadCifar10,
  loadCsv,
  loadDataset,
  loadIdxFiles,
  loadImageFolder,
  loadTrainTest,
  parseDatasetSpec,
} from '../../host/data/index.ts';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netwright-data-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** N images of 4x4 where image i is filled with i*10, labels i % 3. */
async function writeIdxPair(name: string, n: number, gz = false) {
  const images = encodeIdx({
    dtype: 'uint8',
    dims: [n, 4, 4],
    data: Uint8Array.from({ length: n * 16 }, (_, t) => Math.floor(t / 16) * 10),
  });
  const labels = encodeIdx({
    dtype: 'uint8',
    dims: [n],
    data: Uint8Array.from({ length: n }, (_, i) => i % 3),
  });
  const ext = gz ? '.gz' : '';
  const paths = {
    images: join(dir, `${name}-images-idx3-ubyte${ext}`),
    labels: join(dir, `${name}-labels-idx1-ubyte${ext}`),
  };
  await writeFile(paths.images, gz ? gzipSync(images) : images);
  await writeFile(paths.labels, gz ? gzipSync(labels) : labels);
  return { ...paths, imageBytes: images };
}

test('IDX files: plain and gzipped load the same; a truncated file names itself', async () => {
  const plain = await writeIdxPair('plain', 12);
  const gz = await writeIdxPair('gz', 12, true);
  const a = await loadIdxFiles(plain.images, plain.labels, { name: 'fashion' });
  const b = await loadIdxFiles(gz.images, gz.labels);
  assert.equal(a.name, 'fashion');
  assert.deepEqual(a.inputShape, [1, 4, 4]);
  assert.equal(a.length, 12);
  assert.deepEqual(a.x, b.x);
  assert.deepEqual(a.y, b.y);
  assert.ok(Math.abs(a.x[16 * 11] - 110 / 255) < 1e-6);
  assert.equal((await loadIdxFiles(plain.images, plain.labels, { limit: 5 })).length, 5);

  const truncated = join(dir, 'truncated-images');
  await writeFile(truncated, plain.imageBytes.subarray(0, 100));
  await assert.rejects(loadIdxFiles(truncated, plain.labels), (e: Error) => {
    assert.match(
      e.message,
      /truncated-images: truncated IDX data: dims 12x4x4 of uint8 need 208 bytes, got 100/,
    );
    return true;
  });
  const other = await writeIdxPair('other', 5);
  await assert.rejects(
    loadIdxFiles(plain.images, other.labels),
    /other-labels-idx1-ubyte: holds 5 labels but .*plain-images-idx3-ubyte holds 12 images/,
  );
  await assert.rejects(
    loadIdxFiles(join(dir, 'missing'), plain.labels),
    /missing: cannot read the file \(no such file or directory\)/,
  );
});

function cifarRecords(labels: number[]): Uint8Array {
  const out = new Uint8Array(labels.length * 3073);
  labels.forEach((l, i) => {
    out[i * 3073] = l;
    out.fill(i * 40, i * 3073 + 1, (i + 1) * 3073);
  });
  return out;
}

test('CIFAR-10: one batch file of 3 records, a folder of batches, and a clear error for a bad file', async () => {
  const file = join(dir, 'one_batch.bin');
  await writeFile(file, cifarRecords([6, 1, 8]));
  const ds = await loadCifar10(file);
  assert.equal(ds.length, 3);
  assert.deepEqual(ds.inputShape, [3, 32, 32]);
  assert.deepEqual([...ds.y], [6, 1, 8]);
  assert.ok(Math.abs(ds.x[2 * 3072 + 5] - 80 / 255) < 1e-6);
  assert.deepEqual(
    [...ds.y].map((c) => ds.classNames?.[c]),
    ['frog', 'automobile', 'ship'],
  );

  const folder = join(dir, 'cifar', 'cifar-10-batches-bin');
  await mkdir(folder, { recursive: true });
  for (let i = 1; i <= 5; i++) await writeFile(join(folder, `data_batch_${i}.bin`), cifarRecords([i, i, 0]));
  await writeFile(join(folder, 'test_batch.bin'), cifarRecords([9, 9]));
  await writeFile(join(folder, 'batches.meta.txt'), 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n\n');
  const train = await loadCifar10(join(dir, 'cifar'));
  assert.equal(train.length, 15);
  assert.deepEqual(classCounts(train), [5, 2, 2, 2, 2, 2, 0, 0, 0, 0]);
  assert.equal(train.classNames?.[9], 'j');
  assert.equal((await loadCifar10(folder, { split: 'test' })).length, 2);
  assert.equal((await loadCifar10(folder, { limit: 4 })).length, 4);

  const bad = join(dir, 'bad.bin');
  await writeFile(bad, new Uint8Array(5000));
  await assert.rejects(
    loadCifar10(bad),
    /bad\.bin: 5000 bytes is not a whole number of 3073-byte CIFAR-10 records/,
  );
});

test('CSV file: header and string labels; a malformed row names the file, line and column', async () => {
  const file = join(dir, 'iris.csv');
  await writeFile(
    file,
    'sepal_length,sepal_width,species\n5.1,3.5,setosa\n7.0,3.2,versicolor\n6.3,3.3,virginica\n4.9,3.0,setosa\n',
  );
  const ds = await loadCsv(file);
  assert.equal(ds.name, 'iris.csv');
  assert.equal(ds.length, 4);
  assert.deepEqual(ds.inputShape, [2]);
  assert.deepEqual(ds.classNames, ['setosa', 'versicolor', 'virginica']);
  assert.deepEqual([...ds.y], [0, 1, 2, 0]);

  const bad = join(dir, 'bad.csv');
  await writeFile(bad, 'x,y,label\n1,2,a\n3,4,b\n5,six,a\n');
  await assert.rejects(loadCsv(bad), (e: Error) => {
    assert.equal(e.message, `${bad}: line 4, column 2 ("y"): "six" is not a number`);
    return true;
  });
});

function png(w: number, h: number, rgba: [number, number, number, number]): Buffer {
  const img = new PNG({ width: w, height: h });
  for (let p = 0; p < w * h; p++) img.data.set(rgba, 4 * p);
  return PNG.sync.write(img);
}

test('image folder: two classes of tiny PNGs (and a JPEG), sorted classes, common size', async () => {
  const root = join(dir, 'shapes');
  await mkdir(join(root, 'red'), { recursive: true });
  await mkdir(join(root, 'blue'), { recursive: true });
  await writeFile(join(root, 'red', 'a.png'), png(4, 4, [255, 0, 0, 255]));
  await writeFile(join(root, 'red', 'b.png'), png(8, 6, [255, 0, 0, 255]));
  await writeFile(join(root, 'red', 'notes.txt'), 'not an image');
  await writeFile(join(root, 'blue', 'a.png'), png(4, 4, [0, 0, 255, 255]));
  const jpg = jpeg.encode({ width: 4, height: 4, data: Buffer.alloc(64, 0).fill(255, 0, 64) }, 95).data;
  await writeFile(join(root, 'blue', 'white.jpg'), jpg);

  const ds = await loadImageFolder(root);
  assert.deepEqual(ds.classNames, ['blue', 'red'], 'classes sorted by folder name');
  assert.equal(ds.length, 4);
  assert.deepEqual(ds.inputShape, [3, 4, 4], 'the first image sets the size');
  assert.deepEqual([...ds.y], [0, 0, 1, 1]);
  const px = (i: number, c: number) => ds.x[i * 48 + c * 16 + 5];
  assert.deepEqual([px(0, 0), px(0, 1), px(0, 2)], [0, 0, 1], 'blue PNG');
  assert.ok(px(1, 0) > 0.95 && px(1, 1) > 0.95 && px(1, 2) > 0.95, 'white JPEG');
  assert.deepEqual([px(3, 0), px(3, 1), px(3, 2)], [1, 0, 0], 'resized red PNG');

  const gray = await loadImageFolder(root, { size: [2, 3], grayscale: true });
  assert.deepEqual(gray.inputShape, [1, 2, 3]);
  assert.ok(Math.abs(gray.x[0] - 0.114) < 1e-6, 'blue luma');

  await writeFile(join(root, 'red', 'broken.png'), Buffer.from('not really a png'));
  await assert.rejects(loadImageFolder(root), /broken\.png: not a PNG or JPEG file/);
  await mkdir(join(root, 'empty'));
  await assert.rejects(
    loadImageFolder(root),
    /empty: class folder "empty" has no \.png\/\.jpg\/\.jpeg images/,
  );
});

test('loadDataset and loadTrainTest apply seed, limit, random labels and normalization', async () => {
  const spiral = await loadDataset({ kind: 'synthetic', generator: 'spiral', n: 300, classes: 3, seed: 4 });
  assert.equal(spiral.length, 300);
  assert.deepEqual(classCounts(spiral), [100, 100, 100]);

  const limited = await loadDataset({ kind: 'mnist', limit: 50, seed: 1 });
  assert.equal(limited.length, 50);
  const firstN = await loadDataset({ kind: 'mnist', split: 'test', limit: 3 });
  assert.deepEqual([...firstN.y], [7, 2, 1]);

  const mem = await loadTrainTest({
    kind: 'mnist',
    limit: 1000,
    testLimit: 200,
    randomLabels: true,
    seed: 2,
    normalize: 'standardize',
  });
  assert.equal(mem.train.length, 1000);
  assert.equal(mem.test.length, 200);
  assert.ok(mem.stats && Math.abs(mem.stats.mean[0] - 0.1307) < 0.01, `MNIST mean ${mem.stats?.mean}`);
  assert.deepEqual([...mem.test.y.subarray(0, 3)], [7, 2, 1], 'test labels stay true');
  const trainMean = mem.train.x.reduce((a, v) => a + v, 0) / mem.train.x.length;
  assert.ok(Math.abs(trainMean) < 1e-4);

  const moons = await loadTrainTest({
    kind: 'synthetic',
    generator: 'moons',
    n: 100,
    testFraction: 0.25,
    seed: 1,
  });
  assert.equal(moons.train.length, 75);
  assert.equal(moons.test.length, 25);

  assert.throws(
    () => parseDatasetSpec({ kind: 'synthetic', generator: 'swirl', n: 10 }),
    /dataset spec: generator:/,
  );
  assert.throws(() => parseDatasetSpec({ kind: 'tfrecord' }), /dataset spec: kind:/);
});
