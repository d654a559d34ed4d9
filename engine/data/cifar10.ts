// The CIFAR-10 "binary version" batches (data_batch_1.bin ... data_batch_5.bin, test_batch.bin):
// 10,000 records of 3073 bytes each: one label byte (0-9), then 1024 red, 1024 green and 1024
// blue bytes of a 32x32 image, row-major. The planes are already channel-first, so a record
// maps straight onto a [3, 32, 32] sample.
import { makeDataset, type Dataset } from './dataset.ts';

export const CIFAR10_CLASSES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
];

const PIXELS = 3 * 32 * 32;
const RECORD = 1 + PIXELS;

export interface Cifar10Options {
  name?: string;
  /** Default 1/255: pixels in [0, 1]. */
  scale?: number;
  classNames?: string[];
}

export function parseCifar10Batch(
  bytes: Uint8Array,
  source = 'CIFAR-10 batch',
  opts: Cifar10Options = {},
): Dataset {
  if (bytes.length === 0 || bytes.length % RECORD !== 0) {
    throw new Error(
      `${source}: ${bytes.length} bytes is not a whole number of 3073-byte CIFAR-10 records ` +
        `(1 label byte + 3x32x32 pixels); truncated, or CIFAR-100 (2 label bytes per record)?`,
    );
  }
  const n = bytes.length / RECORD;
  const scale = opts.scale ?? 1 / 255;
  const classNames = opts.classNames ?? CIFAR10_CLASSES;
  const x = new Float32Array(n * PIXELS);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const at = i * RECORD;
    const label = bytes[at];
    if (label >= classNames.length) {
      throw new Error(`${source}: record ${i} (byte ${at}) has label ${label}; CIFAR-10 labels are 0-9`);
    }
    y[i] = label;
    const out = i * PIXELS;
    for (let j = 0; j < PIXELS; j++) x[out + j] = bytes[at + 1 + j] * scale;
  }
  return makeDataset({
    name: opts.name ?? 'cifar10',
    inputShape: [3, 32, 32],
    numClasses: classNames.length,
    classNames,
    x,
    y,
  });
}
