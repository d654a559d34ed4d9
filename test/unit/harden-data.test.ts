// Issue 13 item 8 for data: a 1 MB gzip IDX upload that inflates past MAX_DECOMPRESSED_BYTES is
// refused while it inflates, naming the limit, instead of growing the host by gigabytes; images
// are refused from their header; data sets have a size and class cap.
import assert from 'node:assert/strict';
import { createGzip } from 'node:zlib';
import { describe, it } from 'node:test';
import { PNG } from 'pngjs';
import { MAX_CLASSES, MAX_DECOMPRESSED_BYTES } from '../../engine/index.ts';
import { parseCsv } from '../../engine/data/index.ts';
import { decodeImage } from '../../host/data/images.ts';
import { connectedHost } from '../helpers/host.ts';

/** An IDX header of [n, 28, 28] bytes followed by `inflated` zero bytes, gzip-compressed. */
async function idxBomb(n: number, inflated: number): Promise<Buffer> {
  const head = Buffer.alloc(16);
  head[2] = 0x08;
  head[3] = 3;
  [n, 28, 28].forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  const gzip = createGzip({ level: 9 });
  const parts: Buffer[] = [];
  gzip.on('data', (c: Buffer) => parts.push(c));
  const done = new Promise((r) => gzip.on('end', r));
  gzip.write(head);
  const zeros = Buffer.alloc(1 << 20);
  for (let left = inflated; left > 0; left -= zeros.length)
    gzip.write(zeros.subarray(0, Math.min(left, zeros.length)));
  gzip.end();
  await done;
  return Buffer.concat(parts);
}

describe('item 8: a gzip IDX bomb uploaded by a client', () => {
  it('is refused naming MAX_DECOMPRESSED_BYTES, without holding the inflated bytes', async () => {
    const inflated = MAX_DECOMPRESSED_BYTES + 64 * 2 ** 20;
    const bomb = await idxBomb(Math.floor(inflated / 784), inflated);
    assert.ok(bomb.length < 1.5 * 2 ** 20, `${bomb.length} bytes of gzip`);
    const labels = Buffer.alloc(8 + 10);
    labels[2] = 0x08;
    labels[3] = 1;
    labels.writeUInt32BE(10, 4);
    const host = connectedHost();
    const rss0 = process.memoryUsage().rss;
    await assert.rejects(
      host.client.addDataset({
        format: 'idx',
        files: [
          { path: 'train-images.gz', base64: bomb.toString('base64') },
          { path: 'train-labels', base64: labels.toString('base64') },
        ],
      }),
      (e: Error & { code?: string }) => {
        assert.equal(e.code, 'bad-request');
        assert.match(
          e.message,
          /train-images\.gz: decompresses to more than 268,435,456 \(MAX_DECOMPRESSED_BYTES\)/,
        );
        return true;
      },
    );
    const grown = (process.memoryUsage().rss - rss0) / 2 ** 20;
    assert.ok(grown < 600, `RSS grew ${grown.toFixed(0)} MB`);
  });
});

describe('other data caps', () => {
  it('a PNG whose header claims 100000×100000 pixels is refused before decoding', () => {
    const png = PNG.sync.write(new PNG({ width: 1, height: 1 }));
    png.writeUInt32BE(100_000, 16);
    png.writeUInt32BE(100_000, 20);
    assert.throws(
      () => decodeImage(png, 'big.png'),
      /big\.png: .*100,000x100,000 image is larger than .*MAX_IMAGE_PIXELS/,
    );
  });

  it('a CSV label beyond MAX_CLASSES is refused, naming the line', () => {
    assert.throws(
      () => parseCsv(`a,b\n1,0\n2,${MAX_CLASSES}\n`),
      /line 3, label column "b": class 65536 is beyond/,
    );
  });
});
