// HostApi's exportPytorch: the PyTorch project as a zip for the page to download, or written into a
// folder the user picks (the Electron shell passes its folder dialog; browser mode has none).
// Building the project (code generation, weights, the zip) is CPU work on a user's document, so
// it runs in a job thread (buildPytorchExport, host/jobs/tasks.ts); the folder dialog and the
// atomic writes stay on the main thread. The zip is offered as a transfer (host/transfers.ts), as
// large as the weights (ResNet-50: 100 MB, VGG-19: 548 MB): the page downloads it like an exported
// ONNX model, over plain HTTP in browser mode, never as one JSON message.
import type { ProjectDocument } from '../engine/index.ts';
import { PytorchExportError } from '../engine/index.ts';
import { HostError } from '../protocol/hostApi.ts';
import type { ExportPytorchOptions, ExportPytorchResult } from '../protocol/onnxFiles.ts';
import type { OfferedFile } from '../protocol/projectFiles.ts';
import { SaveError } from './saveFileAtomic.ts';
import {
  buildPytorchProject,
  projectSlug,
  writePytorchProject,
  zipPytorchProject,
} from './pytorchProject.ts';

/** Asks the user for a folder (a native dialog); null when they cancel. */
export type PickFolder = (suggestedName: string) => Promise<string | null>;

/** Puts bytes up for the page to fetch (Transfers.offerFile). */
export type OfferFile = (fileName: string, bytes: Uint8Array) => OfferedFile;

/** What the job thread hands back: the finished zip, the files for a folder, or the problems. */
export type BuiltPytorchExport =
  | { kind: 'zip'; fileName: string; zip: Uint8Array; files: string[] }
  | Extract<ExportPytorchResult, { kind: 'problems' }>
  | { kind: 'files'; name: string; files: Map<string, string | Uint8Array> };

/** Runs buildPytorchExport off the event loop (the host's job runner). */
export type BuildInJob = (
  input: { document: ProjectDocument } & ExportPytorchOptions,
) => Promise<BuiltPytorchExport>;

/** The project for a document, with the Training panel's settings standing in for its own recipe. */
export async function buildPytorchExport(
  doc: ProjectDocument,
  options: ExportPytorchOptions,
): Promise<BuiltPytorchExport> {
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
  if (options.destination === 'folder') return { kind: 'files', name, files: project.files };
  return {
    kind: 'zip',
    fileName: `${name}.zip`,
    zip: zipPytorchProject(project, name),
    files: [...project.files.keys()],
  };
}

export async function exportPytorchFor(
  doc: ProjectDocument,
  options: ExportPytorchOptions,
  build: BuildInJob,
  offerFile: OfferFile,
  pickFolder?: PickFolder,
): Promise<ExportPytorchResult> {
  if (options.destination === 'folder' && !pickFolder)
    throw new HostError(
      'unsupported',
      'This host cannot write into a folder of your choice (browser mode); export the project as a zip.',
    );
  const built = await build({ document: doc, ...options });
  if (built.kind === 'problems') return built;
  if (built.kind === 'zip')
    return { kind: 'zip', ...offerFile(built.fileName, built.zip), files: built.files };
  const folder = await pickFolder!(built.name);
  if (!folder) return { kind: 'cancelled' };
  try {
    await writePytorchProject(folder, built);
  } catch (e) {
    if (e instanceof SaveError) throw new HostError('save-failed', e.message);
    throw e;
  }
  return { kind: 'folder', folder, files: [...built.files.keys()] };
}
