// The first samples of a dataset for the Training panel's preview: pixels (0..1) of a few images
// (a big picture averaged down to at most 64 px a side, previewOf.ts), or a few hundred points of
// a 2-D set, each with its label. Loads only what it shows.
import type { DatasetPreview, TrainingDataset } from '../../protocol/training.ts';
import { loadDataset } from './load.ts';
import { previewOf } from './previewOf.ts';
import type { DatasetSpec } from './spec.ts';
import { uploadedPreview } from './uploads.ts';

function previewSpec(spec: Exclude<TrainingDataset, { kind: 'file' }>, count: number): DatasetSpec {
  if (spec.kind === 'mnist')
    // No seed: the first images load without converting all 60,000.
    return {
      kind: 'mnist',
      limit: Math.min(count, spec.limit),
      randomLabels: spec.randomLabels,
      keepClasses: spec.keepClasses,
      task: spec.task,
      noise: spec.noise,
    };
  // Fewer points along the same arms, circles and blobs.
  return { ...spec, n: Math.min(spec.n, count), testFraction: undefined };
}

export async function datasetPreview(spec: TrainingDataset, count: number): Promise<DatasetPreview> {
  if (spec.kind === 'file') return uploadedPreview(spec, count);
  const ds = await loadDataset(previewSpec(spec, count));
  const trainSize =
    spec.kind === 'mnist' ? spec.limit : Math.round(spec.n * (1 - (spec.testFraction ?? 0.2)));
  return previewOf(ds, trainSize, count);
}
