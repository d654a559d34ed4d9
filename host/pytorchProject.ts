// The PyTorch project on disk or as a zip: the engine writes the files' contents
// (engine/export/pytorch), this adds what needs Node: the generated 2-D data set a lesson trains
// on, atomic writes into a folder, and the zip the browser page downloads.
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { zipSync, type Zippable } from 'fflate';
import type { ProjectDocument, WeightMap } from '../engine/index.ts';
import { exportPytorchProject, type PytorchProject, type PytorchProjectOptions } from '../engine/index.ts';
import { trainingDatasetSchema } from '../protocol/training.ts';
import { loadTrainTest } from './data/index.ts';
import { mnistDataDir } from './data/idx.ts';
import { saveFileAtomic } from './saveFileAtomic.ts';

/** A lesson that trains on a generated 2-D set: those points, so train.py trains on the same ones. */
async function generatedData(doc: ProjectDocument): Promise<PytorchProjectOptions['data']> {
  const training = doc.lesson?.training as { dataset?: unknown } | undefined;
  const parsed = trainingDatasetSchema.safeParse(training?.dataset);
  if (!parsed.success || parsed.data.kind !== 'synthetic') return undefined;
  const { train, test } = await loadTrainTest({ ...parsed.data, normalize: 'none', randomLabels: false });
  return { train, test };
}

export async function buildPytorchProject(
  doc: ProjectDocument,
  opts: { weights?: WeightMap; settings?: PytorchProjectOptions['settings'] } = {},
): Promise<PytorchProject> {
  let fallbackDataDir: string | undefined;
  try {
    fallbackDataDir = mnistDataDir();
  } catch {
    // Without the bundled MNIST, train.py looks only in --data-dir.
  }
  return exportPytorchProject(doc, {
    ...opts,
    settings: { fallbackDataDir, ...opts.settings },
    data: await generatedData(doc),
  });
}

/** Writes every file into `dir` (created if missing), each atomically. */
export async function writePytorchProject(
  dir: string,
  project: Pick<PytorchProject, 'files'>,
): Promise<string[]> {
  const written: string[] = [];
  for (const [name, contents] of project.files) {
    const path = join(dir, name);
    await mkdir(dirname(path), { recursive: true });
    await saveFileAtomic(path, contents);
    written.push(path);
  }
  return written;
}

/**
 * The files in one folder of a zip (what the browser page downloads). The code is deflated; the
 * weights are stored as they are: float32 values barely compress (ResNet-18: 4%) and deflating
 * them took 8 s of the 9 s export.
 */
export function zipPytorchProject(project: Pick<PytorchProject, 'files'>, folder: string): Uint8Array {
  const entries: Zippable = {};
  const utf8 = new TextEncoder();
  for (const [name, contents] of project.files)
    entries[`${folder}/${name}`] =
      typeof contents === 'string' ? [utf8.encode(contents), { level: 6 }] : [contents, { level: 0 }];
  return zipSync(entries);
}

/** A folder or zip name from the project's name ("LeNet-5 on MNIST" -> lenet-5-on-mnist-pytorch). */
export function projectSlug(doc: ProjectDocument): string {
  const slug = doc.name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `${slug || 'model'}-pytorch`;
}
