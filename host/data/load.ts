// The one entry point a training run needs: a DatasetSpec in, datasets out, with the shared
// options applied in a fixed order: load -> shuffle (seed) -> limit -> random labels -> normalize.
// Normalization statistics come from the train set only and are applied to both sets.
import {
  normalize,
  permutation,
  randomLabels,
  split as splitDataset,
  keepClasses,
  noisyPictures,
  standardize,
  SYNTHETIC,
  subset,
  take,
  type ChannelStats,
  type Dataset,
} from '../../engine/data/index.ts';
import { loadCifar10 } from './cifar10.ts';
import { loadCsv } from './csv.ts';
import { loadIdxFiles, loadMnist } from './idx.ts';
import { loadImageFolder } from './images.ts';
import { loadText } from './text.ts';
import { parseDatasetSpec, type DatasetSpec } from './spec.ts';

/**
 * One dataset: the spec's split for MNIST/CIFAR-10 (default train), the whole file or folder for
 * the others. Shuffle, limit and random labels are applied; normalization needs a train set, see
 * loadTrainTest.
 */
export async function loadDataset(input: DatasetSpec): Promise<Dataset> {
  const spec = parseDatasetSpec(input); // also checks specs that arrive as untyped JSON
  const which = 'split' in spec && spec.split === 'test' ? 'test' : 'train';
  const ds = asTask(finish(await loadKept(spec, which, earlyLimit(spec)), spec), spec, which);
  const fixed = fixedStats(spec);
  return fixed ? withStats(ds, fixed) : ds;
}

export interface TrainTest {
  train: Dataset;
  test: Dataset;
  /** Per-channel statistics used by normalize: 'standardize' (to apply the same at inference). */
  stats?: ChannelStats;
}

/** The pair a training run uses: the source's own test set where it has one, else a held-out part. */
export async function loadTrainTest(input: DatasetSpec): Promise<TrainTest> {
  const spec = parseDatasetSpec(input);
  let train: Dataset;
  let test: Dataset;
  if (hasOwnTestSet(spec)) {
    // Only the train set is shuffled and limited through the seed; the test set is just cut.
    train = await loadKept(spec, 'train', earlyLimit(spec));
    test = subset(
      await loadKept(spec, 'test', spec.keepClasses ? undefined : spec.testLimit),
      spec.testLimit,
    );
  } else {
    const all = await loadKept(spec, 'train', undefined);
    const parts = splitDataset(all, { test: spec.testFraction ?? 0.2, seed: spec.seed });
    train = parts.train;
    test = subset(parts.test, spec.testLimit);
  }
  train = asTask(finish(train, spec), spec, 'train');
  test = asTask(test, spec, 'test');
  const fixed = fixedStats(spec);
  if (fixed) return { train: withStats(train, fixed), test: withStats(test, fixed), stats: fixed };
  const n = normalize(train, test, spec.normalize ?? 'none');
  return { train: n.train, test: n.test ?? test, stats: n.stats };
}

/**
 * MNIST as a denoising task: noisy digits in, clean digits as targets (after the limit, so only
 * the kept digits get noise). Train and test draw different noise from the same seed.
 */
function asTask(ds: Dataset, spec: DatasetSpec, which: 'train' | 'test'): Dataset {
  if (spec.kind !== 'mnist' || spec.task !== 'denoise') return ds;
  if (spec.randomLabels)
    throw new Error('MNIST denoising has pictures as targets, not labels; turn random labels off.');
  return noisyPictures(ds, { noise: spec.noise, seed: (spec.seed ?? 0) * 2 + (which === 'test' ? 1 : 0) });
}

function withStats(ds: Dataset, stats: ChannelStats): Dataset {
  if (stats.mean.length !== ds.inputShape[0])
    throw new Error(
      `${ds.name}: mean and std have ${stats.mean.length} values but the pictures have ${ds.inputShape[0]} channel${ds.inputShape[0] === 1 ? '' : 's'}; give one value per channel`,
    );
  return standardize(ds, stats);
}

/** The mean and std an image folder is normalised with (a pretrained model's), when given. */
function fixedStats(spec: DatasetSpec): ChannelStats | undefined {
  if (spec.kind !== 'images' || (!spec.mean && !spec.std)) return undefined;
  const { mean, std } = spec;
  if (!mean || !std || mean.length !== std.length)
    throw new Error(
      `${spec.path}: mean and std go together, one value per channel (got ${mean?.length ?? 0} and ${std?.length ?? 0})`,
    );
  if (spec.normalize === 'standardize')
    throw new Error(`${spec.path}: normalise with the given mean and std or standardize, not both`);
  return { mean, std };
}

function hasOwnTestSet(spec: DatasetSpec): boolean {
  if (spec.kind === 'mnist' || (spec.kind === 'synthetic' && spec.streams)) return true;
  if (spec.kind === 'cifar10') return typeof spec.path === 'string';
  if (spec.kind === 'idx') return spec.testImages !== undefined && spec.testLabels !== undefined;
  return false;
}

/**
 * The limit a loader may apply while reading: only when no shuffle follows, so that 100 MNIST
 * digits do not need all 60,000 converted. With a seed the limit picks a random subset later.
 */
function earlyLimit(spec: DatasetSpec): number | undefined {
  return spec.seed === undefined && !spec.keepClasses ? spec.limit : undefined;
}

/** loadRaw, then only the spec's classes (before any limit, so 100 samples are 100 of those). */
async function loadKept(spec: DatasetSpec, which: 'train' | 'test', early: number | undefined) {
  const ds = await loadRaw(spec, which, early);
  return spec.keepClasses ? keepClasses(ds, spec.keepClasses) : ds;
}

async function loadRaw(
  spec: DatasetSpec,
  which: 'train' | 'test',
  early: number | undefined,
): Promise<Dataset> {
  switch (spec.kind) {
    case 'mnist':
      return loadMnist({ split: which, limit: early });
    case 'idx':
      return which === 'train'
        ? loadIdxFiles(spec.images, spec.labels, {
            name: spec.name,
            classNames: spec.classNames,
            limit: early,
          })
        : loadIdxFiles(spec.testImages ?? spec.images, spec.testLabels ?? spec.labels, {
            name: spec.name,
            classNames: spec.classNames,
            limit: early,
          });
    case 'cifar10':
      return loadCifar10(spec.path, { split: which, limit: early });
    case 'csv':
      return loadCsv(spec.path, {
        labelColumn: spec.labelColumn,
        header: spec.header,
        delimiter: spec.delimiter,
        regression: spec.regression,
        sequence: spec.sequence,
      });
    case 'text':
      return loadText(spec.path, { length: spec.length });
    case 'images':
      return loadImageFolder(spec.path, { size: spec.size, grayscale: spec.grayscale });
    case 'synthetic':
      if (spec.streams && spec.generator !== 'chars')
        throw new Error(`synthetic ${spec.generator}: only chars has a stream form (streams)`);
      // Streams: the test text is another piece of the grammar (its own seed), as long as the split would be.
      return SYNTHETIC[spec.generator]({
        n: spec.streams && which === 'test' ? Math.max(spec.streams, Math.round(spec.n * 0.2)) : spec.n,
        noise: spec.noise,
        classes: spec.classes,
        seed: spec.streams && which === 'test' ? (spec.seed ?? 0) + 1 : spec.seed,
        length: spec.length,
        streams: spec.streams,
      });
  }
}

function finish(ds: Dataset, spec: DatasetSpec): Dataset {
  // Streams keep their order: window k of every stream, then window k + 1.
  if (ds.streams) return ds;
  let out = ds;
  if (spec.seed !== undefined) {
    // A random subset without copying the whole set first: permute indices, keep the first `limit`.
    const order = permutation(out.length, spec.seed);
    out = take(out, spec.limit === undefined ? order : order.subarray(0, Math.min(spec.limit, out.length)));
  } else out = subset(out, spec.limit);
  if (spec.randomLabels) out = randomLabels(out, (spec.seed ?? 0) ^ 0x5eed);
  return out;
}
