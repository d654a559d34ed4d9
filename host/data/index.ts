// Node-side data loading: files and folders in, engine Datasets out.
export { readBytes, readText } from './files.ts';
export type { IdxFilesOptions } from './idx.ts';
export { loadIdxFiles, loadMnist, mnistDataDir, mnistFiles, MNIST_CLASSES } from './idx.ts';
export type { Cifar10LoadOptions } from './cifar10.ts';
export { loadCifar10 } from './cifar10.ts';
export { loadCsv } from './csv.ts';
export type { ImageFolderOptions } from './images.ts';
export { loadImageFolder, decodeImage } from './images.ts';
export type { DatasetSpec } from './spec.ts';
export { datasetSpecSchema, parseDatasetSpec } from './spec.ts';
export type { TrainTest } from './load.ts';
export { loadDataset, loadTrainTest } from './load.ts';
