// CIFAR-10 from the "binary version" download (cifar-10-binary.tar.gz, unpacked): a folder with
// data_batch_1.bin ... data_batch_5.bin (train), test_batch.bin (test) and batches.meta.txt
// (class names), or explicit batch files.
import { stat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { concat, parseCifar10Batch, subset, type Dataset } from '../../engine/data/index.ts';
import { describe, readBytes, readText } from './files.ts';

export interface Cifar10LoadOptions {
  /** Which batches of a folder: train = data_batch_1..5, test = test_batch. Default train. */
  split?: 'train' | 'test';
  limit?: number;
}

/** `source` is the unpacked folder (or its parent), one batch file, or a list of batch files. */
export async function loadCifar10(
  source: string | string[],
  opts: Cifar10LoadOptions = {},
): Promise<Dataset> {
  const split = opts.split ?? 'train';
  let files: string[];
  let classNames: string[] | undefined;
  if (Array.isArray(source)) files = source;
  else if (await isDirectory(source)) {
    const dir = await findBatchDir(source);
    files =
      split === 'train'
        ? [1, 2, 3, 4, 5].map((i) => join(dir, `data_batch_${i}.bin`))
        : [join(dir, 'test_batch.bin')];
    classNames = await readClassNames(join(dir, 'batches.meta.txt'));
  } else files = [source];
  if (files.length === 0) throw new Error('CIFAR-10: no batch files given');

  const parts: Dataset[] = [];
  let have = 0;
  for (const file of files) {
    // Stop reading once the limit is met: a 100-image demo need not decode all 50,000.
    if (opts.limit !== undefined && have >= opts.limit) break;
    const part = parseCifar10Batch(await readBytes(file), file, { name: `cifar10-${split}`, classNames });
    parts.push(part);
    have += part.length;
  }
  return subset(parts.length === 1 ? parts[0] : concat(parts, `cifar10-${split}`), opts.limit);
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (e) {
    throw new Error(`${path}: cannot open CIFAR-10 data (${describe(e)})`);
  }
}

/** The folder itself, or the cifar-10-batches-bin folder the archive unpacks to. */
async function findBatchDir(dir: string): Promise<string> {
  const names = await readdir(dir);
  if (names.some((n) => n.endsWith('.bin'))) return dir;
  if (names.includes('cifar-10-batches-bin')) return join(dir, 'cifar-10-batches-bin');
  throw new Error(
    `${dir}: no CIFAR-10 batch files (expected data_batch_1.bin ... test_batch.bin, from the binary version of the dataset)`,
  );
}

async function readClassNames(path: string): Promise<string[] | undefined> {
  try {
    const names = (await readText(path))
      .split(/\r?\n/)
      .map((s) => s.trim())
      .filter(Boolean);
    return names.length === 10 ? names : undefined;
  } catch {
    return undefined; // optional: the built-in names are the same
  }
}
