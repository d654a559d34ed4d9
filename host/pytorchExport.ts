// HostApi's exportPytorch: the PyTorch project as a zip for the page to download, or written into a
// folder the user picks (the Electron shell passes its folder dialog; browser mode has none).
import type { ProjectDocument } from '../engine/index.ts';
import { PytorchExportError } from '../engine/index.ts';
import { HostError } from '../protocol/hostApi.ts';
import type { ExportPytorchOptions, ExportPytorchResult } from '../protocol/onnxFiles.ts';
import { SaveError } from './saveFileAtomic.ts';
import {
  buildPytorchProject,
  projectSlug,
  writePytorchProject,
  zipPytorchProject,
} from './pytorchProject.ts';

/** Asks the user for a folder (a native dialog); null when they cancel. */
export type PickFolder = (suggestedName: string) => Promise<string | null>;

export async function exportPytorchFor(
  doc: ProjectDocument,
  options: ExportPytorchOptions,
  pickFolder?: PickFolder,
): Promise<ExportPytorchResult> {
  if (options.destination === 'folder' && !pickFolder)
    throw new HostError(
      'unsupported',
      'This host cannot write into a folder of your choice (browser mode); export the project as a zip.',
    );
  // The Training panel's settings stand in for the project's own recipe.
  const training = options.training;
  const source: ProjectDocument = training
    ? { ...doc, lesson: { ...doc.lesson, training: { ...(doc.lesson?.training ?? {}), ...training } } }
    : doc;
  let project;
  try {
    project = await buildPytorchProject(source);
  } catch (e) {
    if (e instanceof PytorchExportError) return { kind: 'problems', problems: e.problems };
    throw e;
  }
  const name = projectSlug(doc);
  const files = [...project.files.keys()];
  if (options.destination === 'zip') {
    const zip = zipPytorchProject(project, name);
    return {
      kind: 'zip',
      fileName: `${name}.zip`,
      base64: Buffer.from(zip.buffer, zip.byteOffset, zip.byteLength).toString('base64'),
      bytes: zip.byteLength,
      files,
    };
  }
  const folder = await pickFolder!(name);
  if (!folder) return { kind: 'cancelled' };
  try {
    await writePytorchProject(folder, project);
  } catch (e) {
    if (e instanceof SaveError) throw new HostError('save-failed', e.message);
    throw e;
  }
  return { kind: 'folder', folder, files };
}
