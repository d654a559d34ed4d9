// The user's own data files over the HostApi: a CSV made here uploads, previews as written and
// trains a small MLP; an IDX pair written byte by byte (per the IDX format) loads with its shapes
// and labels; bad paths, oversize uploads, malformed files and unknown ids are refused with errors
// that name the file or field; nothing is written outside the host's private folder; and the
// folders of a killed host are removed by the next one.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import type { ProjectDocument } from '../../engine/index.ts';
import { GraphBuilder, newDocument } from '../../engine/index.ts';
import { removeOrphanedUploads, uploadsRoot } from '../../host/data/uploads.ts';
import { HostError } from '../../protocol/hostApi.ts';
import { dispatch } from '../../protocol/rpc.ts';
import { connectedHost } from '../helpers/host.ts';

const b64 = (data: string | Uint8Array) => Buffer.from(data).toString('base64');

/** A small seeded generator, so the data is the same every run. */
function lcg(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** Three Gaussian blobs around well-separated centres: a 2-feature, 3-class CSV and its rows. */
function blobsCsv(n: number) {
  const rand = lcg(7);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const centres = [
    [3, 0],
    [-1.5, 2.6],
    [-1.5, -2.6],
  ];
  const names = ['north', 'south', 'west'];
  const rows = Array.from({ length: n }, (_, i) => {
    const c = i % 3;
    return { x: centres[c][0] + 0.5 * normal(), y: centres[c][1] + 0.5 * normal(), label: c };
  });
  const text = ['x,y,kind', ...rows.map((r) => `${r.x.toFixed(4)},${r.y.toFixed(4)},${names[r.label]}`)].join(
    '\n',
  );
  // Nearest centre, as an independent statement that the classes are separable.
  const nearest = rows.filter((r) => {
    const d = centres.map(([cx, cy]) => (r.x - cx) ** 2 + (r.y - cy) ** 2);
    return d.indexOf(Math.min(...d)) === r.label;
  }).length;
  return { text, rows, names, nearestCentreAccuracy: nearest / n };
}

/** An IDX file per the format: two zero bytes, the type (0x08 = unsigned byte), the rank, big-endian sizes, data. */
function idx(dims: number[], data: number[]): Uint8Array {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = 0x08;
  head[3] = dims.length;
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return new Uint8Array(Buffer.concat([head, Buffer.from(data)]));
}

function mlp(): ProjectDocument {
  const b = new GraphBuilder();
  b.chain(b.input([2]), [['Linear', { out_features: 16 }], ['ReLU'], ['Linear', { out_features: 3 }]]);
  return newDocument('Blobs MLP', b.graph);
}

const rejects = (p: Promise<unknown>, code: string, pattern: RegExp) =>
  assert.rejects(p, (e: HostError) => {
    assert.equal(e.code, code, e.message);
    assert.match(e.message, pattern);
    assert.doesNotMatch(
      e.message,
      /netwright-datasets/,
      'errors name the user’s file, not the host’s folder',
    );
    return true;
  });

/** Every file under a folder, relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)));
}

describe('Uploading the user’s own data files', () => {
  const { service, client, finished: runEvents } = connectedHost();

  it('a CSV uploads, previews as written and trains an MLP well above chance', async () => {
    const data = blobsCsv(300);
    assert.ok(data.nearestCentreAccuracy > 0.97, 'the generated classes are separable');
    const info = await client.addDataset({
      format: 'csv',
      files: [{ path: 'blobs.csv', base64: b64(data.text) }],
    });
    assert.equal(info.samples, 300);
    assert.deepEqual(info.inputShape, [2]);
    assert.equal(info.numClasses, 3);
    assert.deepEqual([...(info.classNames ?? [])].sort(), [...data.names].sort());
    assert.deepEqual(filesUnder(join(uploadsRoot(), info.id)), ['blobs.csv']);

    const preview = await client.datasetPreview({ kind: 'file', id: info.id }, 20);
    assert.equal(preview.samples.length, 20);
    assert.equal(preview.trainSize, 240, '20% held out by default');
    preview.samples.forEach((s, i) => {
      assert.ok(
        Math.abs(s.values[0] - data.rows[i].x) < 1e-3 && Math.abs(s.values[1] - data.rows[i].y) < 1e-3,
      );
      assert.equal(preview.classNames?.[s.label], data.names[data.rows[i].label]);
    });

    const { runId, trainSamples, testSamples } = await client.startTraining({
      document: mlp(),
      dataset: { kind: 'file', id: info.id, seed: 1 },
      config: {
        epochs: 4,
        batchSize: 16,
        loss: 'cross-entropy',
        optimizer: { kind: 'adam' },
        lr: 0.02,
        seed: 1,
      },
    });
    assert.deepEqual([trainSamples, testSamples], [240, 60]);
    const events = await runEvents(runId);
    const epochs = events.filter((e) => e.event === 'epoch');
    assert.equal(epochs.length, 4, JSON.stringify(events.at(-1)));
    const last = epochs.at(-1)!;
    // Chance is 1/3; nearest centre gets the above. The net must come close to it.
    assert.ok(last.testAccuracy! >= data.nearestCentreAccuracy - 0.1, `test accuracy ${last.testAccuracy}`);
    const baseline = events.find((e) => e.event === 'baseline')!;
    assert.ok(last.trainLoss! < baseline.trainLoss! / 2, `loss ${baseline.trainLoss} -> ${last.trainLoss}`);
  });

  it('an IDX images/labels pair (and a test pair) loads with the right shapes, pixels and labels', async () => {
    const pixels = Array.from({ length: 5 * 4 * 3 }, (_, i) => (i * 37) % 256);
    const labels = [3, 1, 4, 1, 5];
    const info = await client.addDataset({
      format: 'idx',
      files: [
        { path: 'train-images-idx3-ubyte', base64: b64(idx([5, 4, 3], pixels)) },
        { path: 'train-labels-idx1-ubyte', base64: b64(idx([5], labels)) },
        { path: 't10k-images-idx3-ubyte', base64: b64(idx([2, 4, 3], pixels.slice(0, 24))) },
        { path: 't10k-labels-idx1-ubyte', base64: b64(idx([2], [0, 2])) },
      ],
    });
    assert.deepEqual(info.inputShape, [1, 4, 3]);
    assert.equal(info.samples, 5);
    assert.equal(info.testSamples, 2);
    const preview = await client.datasetPreview({ kind: 'file', id: info.id }, 5);
    assert.equal(preview.trainSize, 5, 'a test pair of its own: nothing held out');
    assert.deepEqual(
      preview.samples.map((s) => s.label),
      labels,
    );
    preview.samples.forEach((s, n) =>
      s.values.forEach((v, i) =>
        assert.ok(Math.abs(v - pixels[n * 12 + i] / 255) < 1e-3, `sample ${n} pixel ${i}`),
      ),
    );
  });

  it('refuses paths that leave the upload, and writes nothing outside the private folder', async () => {
    for (const path of ['../x', 'a/../../x', '/etc/x', 'C:/x', 'a\\..\\x', 'a//x']) {
      const r = await dispatch(service, 'addDataset', [
        { format: 'csv', files: [{ path, base64: b64('1,0\n') }] },
      ]);
      assert.equal(r.ok, false, path);
      assert.equal(!r.ok && r.error.code, 'bad-request');
      assert.match(!r.ok ? r.error.message : '', /files\.0\.path/, path);
    }
    assert.equal(existsSync(join(uploadsRoot(), '..', 'x')), false);
    assert.equal(existsSync(join(tmpdir(), 'x')), false);
    assert.deepEqual(
      filesUnder(uploadsRoot()).filter((f) => !/^data-[0-9a-f]{12}\//.test(f)),
      [],
      'only files inside upload folders',
    );
  });

  it('refuses uploads over the size limit, naming the limit', async () => {
    // Two files of 40 MB each (as base64 text): each fits, together they do not.
    const big = 'A'.repeat(Math.ceil((40 * 2 ** 20) / 3) * 4);
    const r = await dispatch(service, 'addDataset', [
      {
        format: 'cifar10',
        files: [
          { path: 'data_batch_1.bin', base64: big },
          { path: 'data_batch_2.bin', base64: big },
        ],
      },
    ]);
    assert.equal(r.ok, false);
    assert.match(
      !r.ok ? r.error.message : '',
      /files: the files inside the message hold 80\.0 MB; at most 70 MB fit \(send the larger ones as transfers\)/,
    );
  });

  it('malformed files are refused with the file and the problem named, and leave nothing behind', async () => {
    const before = readdirSync(uploadsRoot()).length;
    await rejects(
      client.addDataset({
        format: 'csv',
        files: [{ path: 'bad.csv', base64: b64('x,y,label\n1,2,a\n3,oops,b\n') }],
      }),
      'bad-request',
      /bad\.csv.*line 3/,
    );
    await rejects(
      client.addDataset({
        format: 'idx',
        files: [
          { path: 'images.idx', base64: b64(idx([5, 2, 2], new Array(20).fill(0))) },
          { path: 'labels.idx', base64: b64(idx([4], [0, 1, 0, 1])) },
        ],
      }),
      'bad-request',
      /labels\.idx: 4 labels for 5 images in images\.idx/,
    );
    await rejects(
      client.addDataset({ format: 'idx', files: [{ path: 'only.idx', base64: b64('not an idx file') }] }),
      'bad-request',
      /only\.idx/,
    );
    await rejects(
      client.addDataset({
        format: 'cifar10',
        files: [{ path: 'data_batch_1.bin', base64: b64(new Uint8Array(100)) }],
      }),
      'bad-request',
      /data_batch_1\.bin/,
    );
    await rejects(
      client.addDataset({ format: 'images', files: [{ path: 'pics/cat.png', base64: b64('x') }] }),
      'bad-request',
      /pics\/cat\.png: not in a class folder/,
    );
    assert.equal(readdirSync(uploadsRoot()).length, before, 'failed uploads are removed');
  });

  it('an unknown or forgotten id says to add the data again', async () => {
    const gone = { kind: 'file' as const, id: 'data-000000000000' };
    await rejects(client.datasetPreview(gone, 10), 'not-found', /no longer loaded.*add it again/);
    await rejects(
      client.startTraining({
        document: mlp(),
        dataset: gone,
        config: { epochs: 1, batchSize: 8, loss: 'cross-entropy', optimizer: { kind: 'sgd' }, lr: 0.1 },
      }),
      'not-found',
      /no longer loaded/,
    );
    const r = await dispatch(service, 'datasetPreview', [{ kind: 'file', id: '../../etc' }, 10]);
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.error.message : '', /id/);
  });
});

describe('Upload folders of a host that was killed', () => {
  it('are removed by the next host; a live host’s folder is kept', () => {
    const base = join(tmpdir(), 'netwright-datasets');
    // A pid that surely ended: a child that has exited and been reaped.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    const orphan = join(base, `${dead}-killed`);
    const live = join(base, `${process.pid}-mine`);
    for (const dir of [orphan, live]) mkdirSync(join(dir, 'data-000000000000'), { recursive: true });
    try {
      removeOrphanedUploads(base);
      assert.equal(existsSync(orphan), false, 'the dead host’s uploads are removed');
      assert.equal(existsSync(live), true, 'the running host’s uploads stay');
    } finally {
      rmSync(live, { recursive: true, force: true });
    }
  });
});
