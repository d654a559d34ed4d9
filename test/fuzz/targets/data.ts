// The data loaders: CSV, IDX (plain and gzip), CIFAR-10 batches, images (PNG, JPEG) and text, each from
// a small valid file made here and then mutated (bytes, truncation, header fields, odd text and
// numbers), and now and then the whole upload path (HostApi addDataset). Documented outcomes: a
// loaded data set, or an Error whose message starts with the file it is about (the loaders'
// contract), or the upload's HostError 'bad-request'.
import { gzipSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import {
  encodeIdx,
  idxToDataset,
  parseCifar10Batch,
  parseCsv,
  parseIdx,
  resizeBilinear,
  rgbaToChw,
} from '../../../engine/data/index.ts';
import { gunzipCapped, isGzip } from '../../../host/data/files.ts';
import { decodeImage } from '../../../host/data/images.ts';
import { parseText } from '../../../host/data/text.ts';
import { addDataset } from '../../../host/data/uploads.ts';
import { HostError } from '../../../protocol/hostApi.ts';
import { int, pick, prng, type FuzzTarget, type Rand } from '../target.ts';

type Format = 'csv' | 'idx' | 'cifar10' | 'images' | 'text';
interface Input {
  format: Format;
  files: { path: string; bytes: Uint8Array }[];
  /** Through HostApi addDataset (files on disk, the upload schema), not the parsers alone. */
  upload: boolean;
  /** Text: characters per window. */
  window?: number;
}

function csvText(rand: Rand): string {
  const cols = int(rand, 1, 5);
  const rows = int(rand, 0, 30);
  const cell = () =>
    rand() < 0.9
      ? (rand() * 20 - 10).toFixed(int(rand, 0, 4))
      : pick(rand, ['', 'NaN', '1e999', '"3"', 'x', '-', '0x10', ' 7 ', '١٢']);
  const label = () =>
    rand() < 0.5 ? String(int(rand, 0, 4)) : pick(rand, ['cat', 'dog', 'ému', '', '"a,b"', '99999']);
  const header =
    rand() < 0.5 ? [...Array.from({ length: cols }, (_, i) => `f${i}`), 'label'].join(',') + '\n' : '';
  const body = Array.from({ length: rows }, () =>
    [...Array.from({ length: cols }, cell), label()].join(pick(rand, [',', ',', ',', ';', '\t'])),
  );
  return header + body.join(pick(rand, ['\n', '\r\n', '\n\n']));
}

/** Words, whitespace and now and then characters from far planes or the control range. */
function someText(rand: Rand): string {
  const parts = Array.from({ length: int(rand, 0, 40) }, () =>
    rand() < 0.85
      ? pick(rand, ['the', 'fox', 'ému', ' ', ' ', '.', '\n', '\t'])
      : pick(rand, [
          '🐍',
          '\u0000',
          '\u007f',
          '\ud800',
          'Ω',
          String.fromCodePoint(0x4e00 + int(rand, 0, 400)),
        ]),
  );
  return parts.join('');
}

function idxFiles(rand: Rand): { path: string; bytes: Uint8Array }[] {
  const n = int(rand, 1, 20);
  const [h, w] = [int(rand, 1, 8), int(rand, 1, 8)];
  const images = encodeIdx({
    dtype: 'uint8',
    dims: [n, h, w],
    data: Uint8Array.from({ length: n * h * w }, () => int(rand, 0, 255)),
  });
  const labels = encodeIdx({
    dtype: 'uint8',
    dims: [n],
    data: Uint8Array.from({ length: n }, () => int(rand, 0, 9)),
  });
  const gz = rand() < 0.3;
  return [
    { path: gz ? 'train-images.gz' : 'train-images', bytes: gz ? new Uint8Array(gzipSync(images)) : images },
    { path: 'train-labels', bytes: labels },
  ];
}

function cifarBatch(rand: Rand): Uint8Array {
  const n = int(rand, 1, 4);
  return Uint8Array.from({ length: n * 3073 }, (_, i) =>
    i % 3073 === 0 ? int(rand, 0, 9) : int(rand, 0, 255),
  );
}

/** Valid images made once per thread: the JPEG encoder builds its tables on every call. */
let images: { name: string; bytes: Uint8Array }[] = [];

function makeImage(rand: Rand, asPng: boolean): Uint8Array {
  const [w, h] = [int(rand, 1, 12), int(rand, 1, 12)];
  const data = Buffer.from(Uint8Array.from({ length: w * h * 4 }, () => int(rand, 0, 255)));
  if (asPng) {
    const png = new PNG({ width: w, height: h });
    data.copy(png.data);
    return new Uint8Array(PNG.sync.write(png));
  }
  return new Uint8Array(jpeg.encode({ width: w, height: h, data }, 80).data);
}

function mutate(bytes: Uint8Array, rand: Rand): Uint8Array {
  if (!bytes.length) return bytes;
  const out = Uint8Array.from(bytes);
  switch (int(rand, 0, 4)) {
    case 0:
      return out.slice(0, int(rand, 0, out.length));
    case 1:
      for (let i = int(rand, 1, 6); i > 0; i--) out[int(rand, 0, out.length - 1)] = int(rand, 0, 255);
      return out;
    case 2:
      // Header fields: IDX dims and type, PNG IHDR size, CIFAR label bytes.
      for (let i = int(rand, 1, 3); i > 0; i--)
        out[int(rand, 0, Math.min(out.length - 1, 24))] = pick(
          rand,
          [0, 1, 0x7f, 0x80, 0xff, 0x08, 0x0d, 0x0e],
        );
      return out;
    case 3: {
      const at = int(rand, 0, out.length);
      return Uint8Array.from([
        ...out.subarray(0, at),
        ...Array.from({ length: int(rand, 1, 8) }, () => int(rand, 0, 255)),
        ...out.subarray(at),
      ]);
    }
    default:
      return out; // unchanged: the valid file itself
  }
}

const tag = (path: string) => `fuzz/${path}`;

function parse(input: Input): void {
  const { format, files } = input;
  if (format === 'csv') {
    const text = new TextDecoder().decode(files[0].bytes);
    parseCsv(text, { name: tag(files[0].path) });
  } else if (format === 'cifar10') parseCifar10Batch(files[0].bytes, tag(files[0].path));
  else if (format === 'text') parseText(files[0].bytes, tag(files[0].path), input.window);
  else if (format === 'images') {
    const img = decodeImage(files[0].bytes, tag(files[0].path));
    resizeBilinear(rgbaToChw(img, false), 3, img.height, img.width, 8, 8);
  } else {
    const [images, labels] = files.map((f) =>
      parseIdx(isGzip(f.bytes) ? gunzipCapped(f.bytes, tag(f.path)) : f.bytes, tag(f.path)),
    );
    idxToDataset(images, labels, { name: tag(files[0].path) });
  }
}

async function attempt(input: Input): Promise<string> {
  if (input.upload) {
    try {
      await addDataset({
        format: input.format,
        ...(input.window !== undefined ? { options: { window: input.window } } : {}),
        files: input.files.map((f, i) => ({
          path: input.format === 'images' ? `cls${i % 2}/${f.path}` : f.path,
          base64: Buffer.from(f.bytes).toString('base64'),
        })),
      });
      return 'uploaded';
    } catch (e) {
      if (e instanceof HostError && e.code === 'bad-request') return 'upload-refused';
      throw e;
    }
  }
  try {
    parse(input);
    return 'loaded';
  } catch (e) {
    // The loaders' errors are plain Errors that start with the file they are about.
    if (e instanceof Error && e.constructor === Error && e.message.startsWith('fuzz/'))
      return `${input.format}-error`;
    throw e;
  }
}

export const target: FuzzTarget<Input> = {
  name: 'data',
  outcomes: [
    'loaded',
    'csv-error',
    'idx-error',
    'cifar10-error',
    'images-error',
    'text-error',
    'uploaded',
    'upload-refused',
  ],
  async setup() {
    if (images.length) return;
    const rand = prng(7);
    images = Array.from({ length: 24 }, (_, i) => ({
      name: i % 2 ? 'png' : 'jpg',
      bytes: makeImage(rand, i % 2 === 1),
    }));
  },
  generate(rand) {
    const format = pick(rand, ['csv', 'idx', 'cifar10', 'images', 'text'] as const);
    let files: Input['files'];
    let window: number | undefined;
    if (format === 'text') {
      files = [{ path: 'story.txt', bytes: new TextEncoder().encode(someText(rand)) }];
      window = int(rand, 1, 24);
    } else if (format === 'csv')
      files = [{ path: 'data.csv', bytes: new TextEncoder().encode(csvText(rand)) }];
    else if (format === 'idx') files = idxFiles(rand);
    else if (format === 'cifar10') files = [{ path: 'data_batch_1.bin', bytes: cifarBatch(rand) }];
    else
      files = Array.from({ length: int(rand, 1, 3) }, (_, i) => {
        const img = pick(rand, images);
        return { path: `img${i}.${img.name}`, bytes: img.bytes };
      });
    const k = int(rand, 0, files.length - 1);
    files[k] = { ...files[k], bytes: mutate(files[k].bytes, rand) };
    return { format, files, upload: rand() < 0.03, ...(window !== undefined ? { window } : {}) };
  },
  run: attempt,
  save: (input) => ({
    ...input,
    files: input.files.map((f) => ({ path: f.path, base64: Buffer.from(f.bytes).toString('base64') })),
  }),
  load: (saved) => {
    const s = saved as Omit<Input, 'files'> & { files: { path: string; base64: string }[] };
    return {
      ...s,
      files: s.files.map((f) => ({ path: f.path, bytes: new Uint8Array(Buffer.from(f.base64, 'base64')) })),
    };
  },
};
