// The pure data layer: parsers on bytes/text made here, synthetic sets, and dataset ops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  batches,
  batchCount,
  blobs,
  channelStats,
  circles,
  classCounts,
  createRng,
  encodeIdx,
  idxToDataset,
  makeDataset,
  moons,
  normalize,
  oneHot,
  parseCifar10Batch,
  parseCsv,
  parseIdx,
  permutation,
  randomLabels,
  resizeBilinear,
  rgbaToChw,
  shuffle,
  split,
  spiral,
  subset,
  SYNTHETIC,
  xor,
  type Dataset,
} from '../../engine/data/index.ts';

test('rng: same seed same stream, different seeds differ, normal() has mean 0 and std 1', () => {
  const a = createRng(42);
  const b = createRng(42);
  const c = createRng(43);
  const sa = Array.from({ length: 5 }, () => a.next());
  assert.deepEqual(
    sa,
    Array.from({ length: 5 }, () => b.next()),
  );
  assert.notDeepEqual(
    sa,
    Array.from({ length: 5 }, () => c.next()),
  );
  const r = createRng(1);
  let s = 0;
  let s2 = 0;
  const n = 20000;
  for (let i = 0; i < n; i++) {
    const v = r.normal();
    s += v;
    s2 += v * v;
  }
  assert.ok(Math.abs(s / n) < 0.03);
  assert.ok(Math.abs(Math.sqrt(s2 / n) - 1) < 0.03);
  const p = permutation(100, 7);
  assert.deepEqual(
    [...p].sort((x, y) => x - y),
    Array.from({ length: 100 }, (_, i) => i),
  );
});

test('IDX: every element type round-trips through encodeIdx/parseIdx', () => {
  const cases = [
    { dtype: 'uint8', data: Uint8Array.from([0, 1, 127, 255, 3, 4]) },
    { dtype: 'int8', data: Int8Array.from([-128, -1, 0, 1, 127, 5]) },
    { dtype: 'int16', data: Int16Array.from([-32768, -2, 0, 2, 300, 32767]) },
    { dtype: 'int32', data: Int32Array.from([-(2 ** 31), -7, 0, 7, 70000, 2 ** 31 - 1]) },
    { dtype: 'float32', data: Float32Array.from([-1.5, 0, 0.25, 3.5, 1e-3, 1e6]) },
    { dtype: 'float64', data: Float64Array.from([-1.5, 0, Math.PI, 3.5, 1e-300, 1e300]) },
  ] as const;
  for (const c of cases) {
    const bytes = encodeIdx({ dtype: c.dtype, dims: [2, 3], data: c.data });
    const back = parseIdx(bytes);
    assert.equal(back.dtype, c.dtype);
    assert.deepEqual(back.dims, [2, 3]);
    assert.deepEqual([...back.data], [...c.data]);
  }
  // Big-endian, as the format says: dims 2x3 are stored 00 00 00 02, 00 00 00 03.
  const bytes = encodeIdx({ dtype: 'int16', dims: [1], data: Int16Array.from([0x0102]) });
  assert.deepEqual([...bytes], [0, 0, 0x0b, 1, 0, 0, 0, 1, 0x01, 0x02]);
});

test('IDX: bad magic, unknown type, truncation and gzip give errors that say what is wrong', () => {
  const good = encodeIdx({ dtype: 'uint8', dims: [2, 2, 2], data: new Uint8Array(8) });
  assert.throws(
    () => parseIdx(good.subarray(0, good.length - 1), 'x.idx'),
    /x\.idx: truncated IDX data: dims 2x2x2 of uint8 need 24 bytes, got 23/,
  );
  assert.throws(
    () => parseIdx(good.subarray(0, 10), 'x.idx'),
    /truncated IDX header: 3 dimensions need 16 bytes, got 10/,
  );
  assert.throws(() => parseIdx(Uint8Array.from([1, 2, 8, 1, 0, 0, 0, 0])), /bad IDX magic number 0x01020801/);
  assert.throws(
    () => parseIdx(Uint8Array.from([0, 0, 0x07, 1, 0, 0, 0, 0])),
    /unknown element type code 0x07/,
  );
  assert.throws(() => parseIdx(Uint8Array.from([0x1f, 0x8b, 8, 0])), /gzip-compressed/);
  assert.throws(() => parseIdx(new Uint8Array([...good, 0])), /1 unexpected bytes after the IDX data/);
});

test('IDX to dataset: [N,H,W] images get a channel axis, bytes are scaled to [0,1], limit cuts early', () => {
  const images = {
    dtype: 'uint8' as const,
    dims: [3, 2, 2],
    data: Uint8Array.from({ length: 12 }, (_, i) => i * 20),
  };
  const labels = { dtype: 'uint8' as const, dims: [3], data: Uint8Array.from([2, 0, 1]) };
  const ds = idxToDataset(images, labels, { name: 'tiny' });
  assert.deepEqual(ds.inputShape, [1, 2, 2]);
  assert.equal(ds.length, 3);
  assert.equal(ds.numClasses, 3);
  assert.ok(Math.abs(ds.x[11] - 220 / 255) < 1e-6);
  assert.deepEqual([...ds.y], [2, 0, 1]);
  const two = idxToDataset(images, labels, { limit: 2 });
  assert.equal(two.length, 2);
  assert.equal(two.numClasses, 3, 'class count comes from the whole labels file');
  assert.throws(
    () => idxToDataset(images, { ...labels, dims: [2], data: labels.data.subarray(0, 2) }),
    /3 images but 2 labels/,
  );
});

function cifarRecords(labels: number[]): Uint8Array {
  const out = new Uint8Array(labels.length * 3073);
  labels.forEach((l, i) => {
    out[i * 3073] = l;
    for (let j = 0; j < 3072; j++) out[i * 3073 + 1 + j] = (i * 50 + Math.floor(j / 1024) * 100) % 256;
  });
  return out;
}

test('CIFAR-10: 3 records of label + R,G,B planes become [3,32,32] samples', () => {
  const ds = parseCifar10Batch(cifarRecords([3, 9, 0]));
  assert.equal(ds.length, 3);
  assert.deepEqual(ds.inputShape, [3, 32, 32]);
  assert.deepEqual([...ds.y], [3, 9, 0]);
  assert.equal(ds.classNames?.[3], 'cat');
  // Record 1: red plane 50, green 150, blue 250.
  const s = 3072;
  assert.ok(Math.abs(ds.x[s] - 50 / 255) < 1e-6);
  assert.ok(Math.abs(ds.x[s + 1024] - 150 / 255) < 1e-6);
  assert.ok(Math.abs(ds.x[s + 2048 + 1023] - 250 / 255) < 1e-6);
  assert.throws(
    () => parseCifar10Batch(new Uint8Array(3074), 'b.bin'),
    /b\.bin: 3074 bytes is not a whole number of 3073-byte/,
  );
  assert.throws(() => parseCifar10Batch(cifarRecords([1, 12])), /record 1 \(byte 3073\) has label 12/);
});

test('CSV: header, string labels mapped in sorted order, quoted fields, label column by name', () => {
  const text = 'a,b,species\n1,2,setosa\n3,4,virginica\n\n5,"6",setosa\r\n7,8,versicolor\n';
  const ds = parseCsv(text);
  assert.deepEqual(ds.inputShape, [2]);
  assert.equal(ds.length, 4);
  assert.deepEqual(ds.classNames, ['setosa', 'versicolor', 'virginica']);
  assert.deepEqual([...ds.y], [0, 2, 0, 1]);
  assert.deepEqual([...ds.x], [1, 2, 3, 4, 5, 6, 7, 8]);

  const byName = parseCsv('label,x,y\ncat,1,2\ndog,3,4\n', { labelColumn: 'label' });
  assert.deepEqual([...byName.x], [1, 2, 3, 4]);
  assert.deepEqual(byName.classNames, ['cat', 'dog']);

  const noHeader = parseCsv('0.5,1,0\n0.25,2,1\n');
  assert.equal(noHeader.length, 2);
  assert.equal(noHeader.numClasses, 2);
  assert.equal(noHeader.classNames, undefined);

  const reg = parseCsv('x,t\n1,0.5\n2,1.5\n', { regression: true });
  assert.ok(reg.y instanceof Float32Array);
  assert.deepEqual([...reg.y], [0.5, 1.5]);
});

test('CSV: a malformed row names the line and column', () => {
  const text = 'a,b,label\n1,2,x\n3,oops,y\n';
  assert.throws(
    () => parseCsv(text, { name: 'data.csv' }),
    /data\.csv: line 3, column 2 \("b"\): "oops" is not a number/,
  );
  assert.throws(() => parseCsv('a,b,label\n1,2,x\n3,y\n'), /line 3 has 2 fields, expected 3/);
  assert.throws(() => parseCsv('a,b,label\n1,,x\n'), /line 2, column 2 \("b"\): is empty/);
  assert.throws(() => parseCsv('a,b\n1,2\n', { labelColumn: 'c' }), /no column named "c"/);
  assert.throws(
    () => parseCsv('a,b,l\n1,2,x\n', { classNames: ['y'] }),
    /line 2, label column "l": "x" is not one of the classes y/,
  );
});

const generators = ['spiral', 'circles', 'xor', 'blobs', 'moons'] as const;

test('synthetic sets: requested size, balanced classes, reproducible by seed, different by seed', () => {
  for (const g of generators) {
    const classes = g === 'spiral' || g === 'blobs' ? 4 : undefined;
    const a = SYNTHETIC[g]({ n: 203, classes, seed: 1 });
    const k = a.numClasses;
    assert.equal(a.length, 203, g);
    assert.deepEqual(a.inputShape, [2]);
    assert.equal(a.x.length, 406);
    assert.equal(k, classes ?? 2, g);
    const counts = classCounts(a);
    assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `${g}: ${counts}`);
    assert.ok(a.x.every(Number.isFinite));
    assert.deepEqual(a.x, SYNTHETIC[g]({ n: 203, classes, seed: 1 }).x, `${g} reproducible`);
    assert.notDeepEqual(a.x, SYNTHETIC[g]({ n: 203, classes, seed: 2 }).x, `${g} differs by seed`);
  }
});

test('synthetic sets have the geometry their names promise', () => {
  const c = circles({ n: 400, noise: 0, seed: 3 });
  for (let i = 0; i < c.length; i++) {
    const r = Math.hypot(c.x[2 * i], c.x[2 * i + 1]);
    assert.ok(Math.abs(r - (c.y[i] === 0 ? 1 : 0.5)) < 1e-5);
  }
  const x = xor({ n: 400, seed: 3 });
  for (let i = 0; i < x.length; i++) assert.equal(x.x[2 * i] * x.x[2 * i + 1] > 0 ? 0 : 1, x.y[i]);
  const b = blobs({ n: 300, classes: 3, noise: 0.1, seed: 3 });
  for (let i = 0; i < b.length; i++) {
    const a = (2 * Math.PI * b.y[i]) / 3;
    assert.ok(Math.hypot(b.x[2 * i] - 3 * Math.cos(a), b.x[2 * i + 1] - 3 * Math.sin(a)) < 1);
  }
  const s = spiral({ n: 300, classes: 3, noise: 0, seed: 3 });
  for (let i = 0; i < s.length; i++) assert.ok(Math.hypot(s.x[2 * i], s.x[2 * i + 1]) <= 1 + 1e-6);
  const m = moons({ n: 200, noise: 0, seed: 3 });
  for (let i = 0; i < m.length; i++) {
    const [px, py] = [m.x[2 * i], m.x[2 * i + 1]];
    const r = m.y[i] === 0 ? Math.hypot(px, py) : Math.hypot(px - 1, py - 0.5);
    assert.ok(Math.abs(r - 1) < 1e-5);
  }
});

function labelled(n: number, k: number, per = 3): Dataset {
  // Sample i holds values i*10 + j, so a sample can be recognised after shuffling.
  const x = Float32Array.from({ length: n * per }, (_, t) => Math.floor(t / per) * 10 + (t % per));
  const y = Int32Array.from({ length: n }, (_, i) => i % k);
  return makeDataset({ name: 't', inputShape: [per], numClasses: k, x, y });
}

test('shuffle keeps each sample with its label; subset takes the first N; split partitions', () => {
  const ds = labelled(50, 5);
  const sh = shuffle(ds, 9);
  assert.notDeepEqual(sh.x, ds.x);
  for (let i = 0; i < sh.length; i++) {
    const id = sh.x[i * 3] / 10;
    assert.equal(sh.y[i], id % 5);
    assert.equal(sh.x[i * 3 + 2], id * 10 + 2);
  }
  assert.deepEqual(shuffle(ds, 9).x, sh.x);
  const sub = subset(ds, 7);
  assert.equal(sub.length, 7);
  assert.deepEqual([...sub.y], [0, 1, 2, 3, 4, 0, 1]);
  assert.equal(subset(ds, 1000), ds);
  const { train, test: held } = split(ds, { test: 0.2, seed: 1 });
  assert.equal(train.length, 40);
  assert.equal(held.length, 10);
  const ids = new Set([...train.x, ...held.x].filter((_, t) => t % 3 === 0));
  assert.equal(ids.size, 50);
  assert.equal(split(ds, { test: 5 }).test.x[0], 450, 'without a seed the tail is the test set');
});

test('randomLabels keeps the size and spreads labels uniformly', () => {
  const ds = labelled(10000, 10);
  const r = randomLabels(ds, 5);
  assert.equal(r.length, ds.length);
  assert.equal(r.x, ds.x);
  const counts = classCounts(r);
  assert.equal(
    counts.reduce((a, b) => a + b),
    10000,
  );
  for (const c of counts) assert.ok(c > 880 && c < 1120, `counts ${counts}`);
  let same = 0;
  for (let i = 0; i < ds.length; i++) if (r.y[i] === ds.y[i]) same++;
  assert.ok(same > 850 && same < 1150, `about 1 in 10 labels unchanged by chance, got ${same}`);
  assert.deepEqual(randomLabels(ds, 5).y, r.y);
  assert.notDeepEqual(randomLabels(ds, 6).y, r.y);
});

test('batches cover every sample exactly once per epoch, contiguous and matching their labels', () => {
  const ds = labelled(103, 4);
  for (const seed of [undefined, 1, 2]) {
    const seen = new Int32Array(ds.length);
    const sizes: number[] = [];
    for (const b of batches(ds, 10, { seed })) {
      sizes.push(b.size);
      assert.equal(b.x.length, b.size * 3);
      for (let i = 0; i < b.size; i++) {
        const id = b.x[i * 3] / 10;
        assert.equal(id, b.indices[i]);
        assert.equal(b.y[i], id % 4);
        seen[id]++;
      }
    }
    assert.deepEqual(sizes, [10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 3]);
    assert.ok(seen.every((c) => c === 1));
  }
  assert.equal([...batches(ds, 10, { dropLast: true })].length, batchCount(103, 10, true));
  const order1 = [...batches(ds, 103, { seed: 1 })][0].indices;
  const order2 = [...batches(ds, 103, { seed: 2 })][0].indices;
  assert.notDeepEqual(order1, order2);
});

test('oneHot rows, and batches of one-hot targets', () => {
  assert.deepEqual([...oneHot(Int32Array.from([2, 0]), 3)], [0, 0, 1, 1, 0, 0]);
  assert.throws(() => oneHot(Int32Array.from([3]), 3), /label 3 at 0 is out of range/);
  const ds = labelled(5, 3);
  const hot = { ...ds, y: oneHot(ds.y as Int32Array, 3) };
  const [b] = [...batches(hot, 2)];
  assert.deepEqual([...b.y], [1, 0, 0, 0, 1, 0]);
});

test('normalize: per-channel statistics from the train set, applied to the test set', () => {
  // Two channels of 2 values: channel 0 around 10, channel 1 around -4.
  const x = Float32Array.from([9, 11, -5, -3, 11, 9, -3, -5]);
  const train = makeDataset({ name: 'tr', inputShape: [2, 2], numClasses: 2, x, y: Int32Array.from([0, 1]) });
  const stats = channelStats(train);
  assert.deepEqual(stats.mean, [10, -4]);
  assert.deepEqual(stats.std, [1, 1]);
  const test = { ...train, x: Float32Array.from([10, 12, -4, -4, 10, 10, -4, -4]) };
  const n = normalize(train, test, 'standardize');
  assert.deepEqual([...n.train.x], [-1, 1, -1, 1, 1, -1, 1, -1]);
  assert.deepEqual([...n.test!.x], [0, 2, 0, 0, 0, 0, 0, 0]);
  assert.equal(normalize(train, test, 'none').train, train);
});

test('image helpers: RGBA over white, luma grayscale, bilinear resize', () => {
  const img = { width: 2, height: 1, data: Uint8Array.from([255, 0, 0, 255, 0, 0, 0, 0]) };
  assert.deepEqual([...rgbaToChw(img, false)], [1, 1, 0, 1, 0, 1]);
  const g = rgbaToChw(img, true);
  assert.ok(Math.abs(g[0] - 0.299) < 1e-6 && Math.abs(g[1] - 1) < 1e-6);
  // 2x2 -> 4x4 keeps the corners and interpolates between them (align_corners=False).
  const up = resizeBilinear(Float32Array.from([0, 1, 2, 3]), 1, 2, 2, 4, 4);
  assert.deepEqual([...up.subarray(0, 4)], [0, 0.25, 0.75, 1]);
  assert.deepEqual([...up.subarray(12, 16)], [2, 2.25, 2.75, 3]);
  const down = resizeBilinear(
    Float32Array.from({ length: 16 }, (_, i) => i),
    1,
    4,
    4,
    2,
    2,
  );
  assert.deepEqual([...down], [2.5, 4.5, 10.5, 12.5]);
});
