// A loaded dataset's first samples as the Training panel previews them. On its own so that both
// the built-in sets (preview.ts) and uploads (uploads.ts) use it without importing each other.
import type { Dataset } from '../../engine/data/index.ts';
import { sampleSize } from '../../engine/data/index.ts';
import type { DatasetPreview } from '../../protocol/training.ts';
import { shownShape, shrinkPicture } from './shownPicture.ts';

const round = (v: number) => Math.round(v * 1000) / 1000;

export function previewOf(ds: Dataset, trainSize: number, count: number): DatasetPreview {
  const per = sampleSize(ds.inputShape);
  const n = Math.min(count, ds.length);
  const labels = ds.y instanceof Int32Array ? ds.y : null;
  // A regression set with one target per sample shows the target as its label.
  const target = !labels && ds.length > 0 && ds.y.length === ds.length ? ds.y : null;
  return {
    name: ds.name,
    inputShape: ds.inputShape,
    sampleShape: shownShape(ds.inputShape),
    numClasses: ds.numClasses,
    ...(ds.classNames ? { classNames: ds.classNames } : {}),
    trainSize,
    samples: Array.from({ length: n }, (_, i) => ({
      // A dozen 224×224 RGB pictures sent whole were 10.6 MB of JSON for thumbnails about 50 px wide.
      values: Array.from(shrinkPicture(ds.x.subarray(i * per, (i + 1) * per), ds.inputShape), round),
      label: labels ? labels[i] : target ? round(target[i]) : 0,
    })),
  };
}
