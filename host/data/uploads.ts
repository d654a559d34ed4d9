// The user's own data files, sent by the page as bytes (HostApi addDataset). The host writes them
// into a folder it creates itself, checks them by loading them with the same loaders the CLI uses,
// and keeps the resulting DatasetSpec under a random id. A page only ever names that id, so it
// still cannot make the host read a file of its choosing. Uploads last until the host exits.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve, sep } from 'node:path';
import type { Dataset } from '../../engine/data/index.ts';
import { parseIdx } from '../../engine/data/index.ts';
import type { AddDatasetRequest, UploadedDataset, UploadOptions } from '../../protocol/datasets.ts';
import { addDatasetRequestSchema, MAX_UPLOAD_BYTES } from '../../protocol/datasets.ts';
import { HostError } from '../../protocol/hostApi.ts';
import type { DatasetPreview, TrainingDataset } from '../../protocol/training.ts';
import { forSequenceModel, inputLength } from './sequenceData.ts';
import { gunzipCapped, isGzip } from './files.ts';
import { loadDataset, loadTrainTest } from './load.ts';
import { previewOf } from './previewOf.ts';
import type { DatasetSpec } from './spec.ts';
import type { ProjectDocument } from '../../engine/index.ts';
import { withModelPreprocessing } from './preprocess.ts';

interface Upload {
  info: UploadedDataset;
  /** The spec with the host's own paths; only this module ever sees them. */
  spec: DatasetSpec;
  dir: string;
}

/** Older uploads are forgotten (and their files removed) beyond this many. */
const KEEP = 12;

const uploads = new Map<string, Upload>();
let root: string | null = null;

/** Whether a process with this id is running (kill with signal 0 only checks). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the upload folders of hosts that are gone. A host removes its own at exit, but a host
 * that was killed (SIGKILL, or a signal Node doesn't turn into 'exit') can't; the next one does.
 */
export function removeOrphanedUploads(base: string): void {
  for (const name of readdirSync(base)) {
    const pid = Number(/^(\d+)-/.exec(name)?.[1]);
    if (pid && pid !== process.pid && !alive(pid)) rmSync(join(base, name), { recursive: true, force: true });
  }
}

/**
 * The host's private folder for uploads, made on first use and removed when the process exits;
 * the folders of hosts that died without removing theirs go at the same time.
 */
export function uploadsRoot(): string {
  if (root === null) {
    const base = join(tmpdir(), 'netwright-datasets');
    mkdirSync(base, { recursive: true });
    removeOrphanedUploads(base);
    const made = mkdtempSync(join(base, `${process.pid}-`));
    root = made;
    process.once('exit', () => rmSync(made, { recursive: true, force: true }));
  }
  return root;
}

/** Writes, checks and registers one upload; errors name the user's file and what is wrong. */
export async function addDataset(
  raw: AddDatasetRequest,
  /** A streamed file's bytes by its transfer id (the transfer ends). */
  takeTransfer: (id: string) => Uint8Array = () => {
    throw new HostError('not-found', 'This host takes no streamed files.');
  },
): Promise<UploadedDataset> {
  const parsed = addDatasetRequestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new HostError('bad-request', `addDataset: ${issue.path.join('.') || 'request'}: ${issue.message}`);
  }
  const req = parsed.data;
  const id = `data-${randomBytes(6).toString('hex')}`;
  const dir = join(uploadsRoot(), id);
  try {
    let total = 0;
    for (const file of req.files) {
      const target = resolve(dir, file.path);
      // The schema already refuses "..", absolute paths and backslashes; this is the last guard.
      if (!target.startsWith(dir + sep))
        throw new HostError('bad-request', `${file.path}: not inside the upload`);
      const bytes = 'base64' in file ? Buffer.from(file.base64, 'base64') : takeTransfer(file.transfer);
      total += bytes.length;
      if (total > MAX_UPLOAD_BYTES)
        throw new HostError(
          'too-large',
          `addDataset: the files hold more than ${MAX_UPLOAD_BYTES / 2 ** 20} MB (at ${file.path}); one upload may hold at most that (take fewer files or a subset).`,
        );
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, bytes, { flag: 'wx' });
    }
    const { spec, notes, testSamples } = await specFor(
      req.format,
      dir,
      req.files.map((f) => f.path),
      req.options ?? {},
    );
    const ds = await loadDataset(spec);
    const info: UploadedDataset = {
      id,
      format: req.format,
      name: ds.name,
      inputShape: ds.inputShape,
      numClasses: ds.numClasses,
      ...(ds.classNames ? { classNames: ds.classNames } : {}),
      samples: ds.length,
      ...(testSamples !== undefined ? { testSamples } : {}),
      notes,
    };
    remember({ info, spec, dir });
    return info;
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    if (e instanceof HostError) throw e;
    throw new HostError('bad-request', userPaths((e as Error).message, dir));
  }
}

function remember(upload: Upload) {
  uploads.set(upload.info.id, upload);
  for (const old of [...uploads.keys()].slice(0, Math.max(0, uploads.size - KEEP))) {
    rmSync(uploads.get(old)!.dir, { recursive: true, force: true });
    uploads.delete(old);
  }
}

/** Loader errors name the host's private path; the user knows the file by the name they picked. */
function userPaths(message: string, dir: string): string {
  return message
    .split(dir + sep)
    .join('')
    .split(dir)
    .join('the upload');
}

function lookup(id: string): Upload {
  const u = uploads.get(id);
  if (!u)
    throw new HostError(
      'not-found',
      `The data file is no longer loaded (${id}); add it again under “Your files…”.`,
    );
  return u;
}

/** The one way a page's dataset becomes a loader spec: uploaded ids resolve to the host's paths. */
export function resolveDataset(d: TrainingDataset): DatasetSpec {
  if (d.kind !== 'file') return d;
  const { spec } = lookup(d.id);
  return {
    ...spec,
    limit: d.limit,
    testLimit: d.testLimit,
    testFraction: d.testFraction,
    seed: d.seed,
    randomLabels: d.randomLabels,
    normalize: d.normalize,
    keepClasses: d.keepClasses,
  } as DatasetSpec;
}

/**
 * An uploaded image folder as the model takes it: the page's preprocessing, else the model's
 * input size and channels (over the size chosen at upload) and ImageNet's statistics for RGB.
 */
function forModel(spec: DatasetSpec, d: TrainingDataset, doc?: ProjectDocument): DatasetSpec {
  if (spec.kind === 'synthetic' && doc) return forSequenceModel(spec, doc);
  // A text's windows are as long as the model reads, whatever window the upload was previewed with.
  if (spec.kind === 'text' && doc) return { ...spec, length: inputLength(doc) ?? spec.length };
  if (spec.kind !== 'images' || d.kind !== 'file') return spec;
  const p = d.preprocess ?? {};
  const base = { ...spec, size: p.size, grayscale: undefined, mean: p.mean, std: p.std };
  const out = (doc ? withModelPreprocessing(base, doc) : base) as typeof base;
  return { ...out, size: out.size ?? spec.size, grayscale: out.grayscale ?? spec.grayscale };
}

/** A page's dataset as files and settings: what another thread needs to load it (uploads are known here only). */
export interface ResolvedDataset {
  spec: DatasetSpec;
  /** An upload's folder, named in errors by the user's own file names. */
  dir?: string;
}

/** The page's dataset resolved on the host thread; an image folder is prepared for `doc` (forModel). */
export function resolveForLoad(d: TrainingDataset, doc?: ProjectDocument): ResolvedDataset {
  const spec = forModel(resolveDataset(d), d, doc);
  return d.kind === 'file' ? { spec, dir: lookup(d.id).dir } : { spec };
}

/** A dataset resolved without its model (on the host thread), prepared for `doc` where the model is known. */
export function preparedFor(
  resolved: ResolvedDataset,
  d: TrainingDataset,
  doc: ProjectDocument,
): ResolvedDataset {
  return { ...resolved, spec: forModel(resolved.spec, d, doc) };
}

/** loadTrainTest of a resolved dataset, with the uploaded files' names (not the host's) in errors. */
export async function loadResolved({ spec, dir }: ResolvedDataset) {
  try {
    return await loadTrainTest(spec);
  } catch (e) {
    if (dir === undefined) throw e;
    throw new Error(userPaths((e as Error).message, dir));
  }
}

/** loadTrainTest for a page's dataset, prepared for `doc`, with the uploaded files' names in errors. */
export async function loadTrainTestFor(d: TrainingDataset, doc?: ProjectDocument) {
  return loadResolved(resolveForLoad(d, doc));
}

/** The first samples of an upload, as the Training panel previews them. */
export async function uploadedPreview(
  d: TrainingDataset & { kind: 'file' },
  count: number,
): Promise<DatasetPreview> {
  const { spec, info } = lookup(d.id);
  // No seed: the first samples, without shuffling the whole set.
  const ds: Dataset = await loadDataset({
    ...spec,
    limit: count,
    seed: undefined,
    randomLabels: d.randomLabels,
    keepClasses: d.keepClasses,
  } as DatasetSpec);
  const pool =
    info.testSamples !== undefined ? info.samples : Math.round(info.samples * (1 - (d.testFraction ?? 0.2)));
  return previewOf(ds, Math.min(pool, d.limit ?? pool), count);
}

interface Resolved {
  spec: DatasetSpec;
  notes: string[];
  testSamples?: number;
}

async function specFor(format: string, dir: string, paths: string[], o: UploadOptions): Promise<Resolved> {
  const at = (p: string) => join(dir, p);
  switch (format) {
    case 'csv': {
      if (paths.length !== 1) throw new Error(`a CSV upload is one file; got ${paths.length}`);
      return {
        spec: {
          kind: 'csv',
          path: at(paths[0]),
          labelColumn: o.labelColumn,
          header: o.header,
          regression: o.regression,
          sequence: o.sequence,
        },
        notes: [],
      };
    }
    case 'text': {
      if (paths.length !== 1) throw new Error(`a text upload is one file; got ${paths.length}`);
      return { spec: { kind: 'text', path: at(paths[0]), length: o.window }, notes: [] };
    }
    case 'cifar10': {
      const bad = paths.find((p) => !/\.bin$/i.test(p));
      if (bad) throw new Error(`${bad}: not a CIFAR-10 batch (expected data_batch_*.bin or test_batch.bin)`);
      // The batches given (all six are 184 MB, streamed) are pooled and a fraction is held out.
      return {
        spec: { kind: 'cifar10', path: [...paths].sort().map(at) },
        notes:
          paths.length > 1 ? [`${paths.length} batch files pooled; a fraction is held out for testing.`] : [],
      };
    }
    case 'images':
      return {
        spec: { kind: 'images', path: imageRoot(dir, paths), size: o.size, grayscale: o.grayscale },
        notes: [],
      };
    case 'idx':
      return idxSpec(dir, paths);
  }
  throw new Error(`unknown format ${format}`);
}

/** A folder picker gives "root/cat/001.png"; single files give "cat/001.png". Either way: the class folders' parent. */
function imageRoot(dir: string, paths: string[]): string {
  const parts = paths.map((p) => p.split('/'));
  const top = parts[0][0];
  // Everything under one top folder is what a folder picker gives: that folder is the root.
  const shared = parts.every((p) => p[0] === top);
  const flat = parts.find((p) => p.length < (shared ? 3 : 2));
  if (flat)
    throw new Error(`${flat.join('/')}: not in a class folder (put the images in one sub-folder per class)`);
  return shared ? join(dir, top) : dir;
}

/**
 * IDX files say what they are in their header: labels are 1-D, images 2-D or more. Two of each are
 * a train and a test pair (the test files are the smaller ones, like MNIST's t10k-*).
 */
async function idxSpec(dir: string, paths: string[]): Promise<Resolved> {
  const { readFile } = await import('node:fs/promises');
  const kinds = await Promise.all(
    paths.map(async (p) => {
      let bytes: Uint8Array = await readFile(join(dir, p));
      if (isGzip(bytes)) bytes = gunzipCapped(bytes, p);
      const { dims } = parseIdx(bytes, p);
      return { path: p, count: dims[0], labels: dims.length === 1 };
    }),
  );
  const images = kinds.filter((k) => !k.labels).sort((a, b) => b.count - a.count);
  const labels = kinds.filter((k) => k.labels).sort((a, b) => b.count - a.count);
  if (images.length === 0 || labels.length === 0 || images.length !== labels.length || images.length > 2) {
    throw new Error(
      `IDX needs an images file and a labels file (optionally a second pair for testing); got ${images.length} images file(s) (${images.map((k) => k.path).join(', ') || 'none'}) and ${labels.length} labels file(s) (${labels.map((k) => k.path).join(', ') || 'none'})`,
    );
  }
  images.forEach((img, i) => {
    if (labels[i].count !== img.count)
      throw new Error(
        `${labels[i].path}: ${labels[i].count.toLocaleString('en-US')} labels for ${img.count.toLocaleString('en-US')} images in ${img.path}`,
      );
  });
  const name = basename(images[0].path).replace(/\.gz$/i, '');
  const [train, test] = [0, 1].map(
    (i) => images[i] && { images: join(dir, images[i].path), labels: join(dir, labels[i].path) },
  );
  return {
    spec: {
      kind: 'idx',
      name,
      images: train.images,
      labels: train.labels,
      ...(test ? { testImages: test.images, testLabels: test.labels } : {}),
    },
    notes: test ? [`${images[1].path} and ${labels[1].path} are the test set.`] : [],
    testSamples: test ? images[1].count : undefined,
  };
}
