// The first samples of a dataset for the Training panel's preview: pixels (0..1) of a few images,
// or a few hundred points of a 2-D set, each with its label. Loads only what it shows.
import type { Dataset } from '../../engine/data/index.ts';
import { sampleSize } from '../../engine/data/index.ts';
import type { DatasetPreview, TrainingDataset } from '../../protocol/training.ts';
import { loadDataset } from './load.ts';
import type { DatasetSpec } from './spec.ts';
import { uploadedPreview } from './uploads.ts';

function previewSpec(spec: Exclude<TrainingDataset, { kind: 'file' }>, count: number): DatasetSpec {
  if (spec.kind === 'mnist')
    // No seed: the first images load without converting all 60,000.
    return { kind: 'mnist', limit: Math.min(count, spec.limit), randomLabels: spec.randomLabels };
  // Fewer points along the same arms, circles and blobs.
  return { ...spec, n: Math.min(spec.n, count), testFraction: undefined };
}

const round = (v: number) => Math.round(v * 1000) / 1000;

export function previewOf(ds: Dataset, trainSize: number, count: number): DatasetPreview {
  const per = sampleSize(ds.inputShape);
  const n = Math.min(count, ds.length);
  const labels = ds.y instanceof Int32Array ? ds.y : null;
  return {
    name: ds.name,
    inputShape: ds.inputShape,
    numClasses: ds.numClasses,
    ...(ds.classNames ? { classNames: ds.classNames } : {}),
    trainSize,
    samples: Array.from({ length: n }, (_, i) => ({
      values: Array.from(ds.x.subarray(i * per, (i + 1) * per), round),
      label: labels ? labels[i] : 0,
    })),
  };
}

export async function datasetPreview(spec: TrainingDataset, count: number): Promise<DatasetPreview> {
  if (spec.kind === 'file') return uploadedPreview(spec, count);
  const ds = await loadDataset(previewSpec(spec, count));
  const trainSize =
    spec.kind === 'mnist' ? spec.limit : Math.round(spec.n * (1 - (spec.testFraction ?? 0.2)));
  return previewOf(ds, trainSize, count);
}
