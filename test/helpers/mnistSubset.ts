// The first digits of MNIST's IDX files as a folder of their own (for train.py and `netwright
// train` alike), and LeNet-5 with stored initial weights, so both sides start from the same place.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProjectDocument } from '../../engine/index.ts';
import { analyze, resolveWeights, storeWeights } from '../../engine/index.ts';
import { loadTrainTest } from '../../host/data/index.ts';
import { mnistFiles } from '../../host/data/idx.ts';
import { loadTemplate } from './templates.ts';

/** The first `count` items of an MNIST IDX file, as an IDX file of its own. */
function idxPrefix(path: string, count: number, headerBytes: number, itemBytes: number): Uint8Array {
  const bytes = new Uint8Array(readFileSync(path));
  const out = bytes.slice(0, headerBytes + count * itemBytes);
  new DataView(out.buffer).setUint32(4, count, false);
  return out;
}

/** `train` training and `test` test digits under MNIST's standard names, written to `folder` and loaded. */
export async function mnistSubset(folder: string, train: number, test: number) {
  mkdirSync(folder, { recursive: true });
  for (const [split, prefix, count] of [
    ['train', 'train', train],
    ['test', 't10k', test],
  ] as const) {
    const files = mnistFiles(split);
    writeFileSync(join(folder, `${prefix}-images-idx3-ubyte`), idxPrefix(files.images, count, 16, 784));
    writeFileSync(join(folder, `${prefix}-labels-idx1-ubyte`), idxPrefix(files.labels, count, 8, 1));
  }
  return loadTrainTest({
    kind: 'idx',
    images: join(folder, 'train-images-idx3-ubyte'),
    labels: join(folder, 'train-labels-idx1-ubyte'),
    testImages: join(folder, 't10k-images-idx3-ubyte'),
    testLabels: join(folder, 't10k-labels-idx1-ubyte'),
  });
}

/** LeNet-5 with its initial weights stored in the project, so both sides start from them. */
export function lenetWithWeights(): ProjectDocument {
  const doc = loadTemplate('lenet5');
  const analysis = analyze(doc.graph);
  return { ...doc, weights: storeWeights(resolveWeights(analysis, undefined, 5), analysis) };
}
