// The first digits of MNIST's IDX files as a folder of their own (for train.py and `netwright
// train` alike), LeNet-5 with stored initial weights, so both sides start from the same place, and
// the Python that runs an exported train.py on them case by case.
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

/**
 * Python that runs the exported train.py (argv[1]: its project folder) on the MNIST subset in
 * argv[2] once per case of argv[3] (JSON: optimizer, lr, weightDecay, schedule), one epoch of
 * `limit` samples in batches of `batch`, in order, and prints each case's per-step losses.
 * argv[4] is where train.py may write its checkpoint.
 */
export function trainPyCases(limit: number, batch: number): string {
  return `
import contextlib, io, json, sys
sys.path.insert(0, sys.argv[1])
import torch
torch.set_num_threads(1)
import train
losses = []
for case in json.loads(sys.argv[3]):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        train.main(["--data", "mnist", "--data-dir", sys.argv[2], "--limit", "${limit}", "--test-limit", "64",
                    "--epochs", "1", "--batch-size", "${batch}", "--loss", "cross-entropy", "--init", "default",
                    "--normalize", "none", "--shuffle", "none", "--json", "--log-every", "1",
                    "--optimizer", case["optimizer"], "--lr", str(case["lr"]),
                    "--weight-decay", str(case["weightDecay"]), "--schedule", case["schedule"],
                    "--checkpoint", sys.argv[4], "--out", ""])
    lines = [json.loads(l) for l in out.getvalue().splitlines() if l.startswith("{")]
    losses.append([l["loss"] for l in lines if l["event"] == "step"])
print(json.dumps(losses))
`;
}
