// The data layer's public surface: the Dataset form, parsers for the file formats (bytes and
// text in, no I/O), synthetic 2-D sets, and the ops a training run applies.
export type { Dataset } from './dataset.ts';
export { makeDataset, sampleSize, targetSize, classCounts } from './dataset.ts';
export type { Rng } from './random.ts';
export { createRng, normal, permutation } from './random.ts';
export type { IdxArray, IdxDtype, IdxData, IdxDatasetOptions } from './idx.ts';
export { parseIdx, encodeIdx, idxToDataset } from './idx.ts';
export type { Cifar10Options } from './cifar10.ts';
export { parseCifar10Batch, CIFAR10_CLASSES } from './cifar10.ts';
export type { CsvOptions } from './csv.ts';
export { parseCsv } from './csv.ts';
export type { SyntheticKind, SyntheticOptions, MultiClassOptions } from './synthetic.ts';
export {
  spiral,
  circles,
  xor,
  blobs,
  moons,
  REGRESSION_KINDS,
  SEQUENCE_KINDS,
  SYNTHETIC,
  SYNTHETIC_KINDS,
} from './synthetic.ts';
export type { CharTextOptions } from './sequences.ts';
export type { SequenceTaskOptions } from './sequences.ts';
export {
  addingProblem,
  charStreams,
  charText,
  copyTask,
  grammarText,
  noisySine,
  parityTask,
  CHAR_VOCABULARY,
  COPY_VOCABULARY,
} from './sequences.ts';
export type { TextWindows, TextWindowsOptions } from './textWindows.ts';
export { characterName, DEFAULT_TEXT_WINDOW, MAX_TEXT_VOCABULARY, textWindows } from './textWindows.ts';
export type { DenoiseOptions, ImageTask } from './denoise.ts';
export { DEFAULT_DENOISE_NOISE, IMAGE_TASKS, noisyPictures, withNoise } from './denoise.ts';
export type { RgbaImage } from './image.ts';
export { formatClassList, MAX_LISTED_CLASSES, parseClassList } from './classList.ts';
export { rgbaToChw, resizeBilinear } from './image.ts';
export type { Batch, ChannelStats, Normalization } from './ops.ts';
export {
  take,
  keepClasses,
  shuffle,
  subset,
  split,
  concat,
  randomLabels,
  oneHot,
  oneHotDataset,
  channelStats,
  standardize,
  scale,
  normalize,
  batches,
  batchCount,
} from './ops.ts';
