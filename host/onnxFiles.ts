// ONNX files in the app: import (bytes -> a laid-out project) and export (project -> bytes, or the
// list of reasons it can't be exported yet). protobufjs needs eval, which the renderer's CSP
// forbids, so encoding and decoding happen here on the host, never in the renderer.
import type { ProjectDocument, WeightMap } from '../engine/index.ts';
import { DEFAULT_OPSET, ExportError, exportInference, exportProblems, fileSlug } from '../engine/index.ts';
import { decodeModel, encodeModel, importOnnx } from '../engine/onnx/index.ts';
import { HostError } from '../protocol/hostApi.ts';
import type { JobProgress } from './jobs/tasks.ts';
import type { HeldTensors } from './heldWeights.ts';
import { layoutDocument } from './layout.ts';
import { forThePage } from './projectFiles.ts';

export interface ImportedOnnx {
  document: ProjectDocument;
  /** What the user should know about the import (folded constants, dropped nodes, ...). */
  notes: string[];
  /** Weights for the host to hold (too large to travel with the document). */
  held?: HeldTensors;
}

/** The encoded model (moved, not copied, out of the job's thread), or why it can't be exported. */
export type ExportedOnnx =
  { ok: true; fileName: string; bytes: Uint8Array } | { ok: false; problems: string[] };

export interface ExportOnnxOptions {
  opset?: number;
  fp16?: boolean;
  /** Weights beside the document (a training run's), which win over its own. */
  weights?: WeightMap;
  /** The file is named as a run's trained model (`<name>-trained.onnx`). */
  trained?: boolean;
}

const stem = (fileName: string) => fileName.replace(/^.*[\\/]/, '').replace(/\.onnx$/i, '');

export async function importOnnxFile(
  bytes: Uint8Array,
  fileName?: string,
  progress: (p: JobProgress) => void = () => undefined,
): Promise<ImportedOnnx> {
  progress({ phase: 'decoding', fraction: 0 });
  if (!bytes.length) throw new HostError('invalid-onnx', 'The file is empty.');
  let model;
  try {
    model = decodeModel(bytes);
  } catch (e) {
    throw new HostError('invalid-onnx', (e as Error).message);
  }
  let result;
  progress({ phase: 'importing', fraction: 0.2 });
  try {
    result = importOnnx(model, { embedWeights: false, ...(fileName ? { name: stem(fileName) } : {}) });
  } catch (e) {
    throw new HostError('invalid-onnx', `The model could not be imported: ${(e as Error).message}`);
  }
  // Large weights stay on the host (the page's document names them); small ones travel with it.
  const { document, held } = forThePage(result.doc, result.weights);
  progress({ phase: 'laying out', fraction: 0.7 });
  return { document: await layoutDocument(document), notes: result.report.notes, held };
}

export function exportOnnxFile(doc: ProjectDocument, opts: ExportOnnxOptions): ExportedOnnx {
  const opset = opts.opset ?? DEFAULT_OPSET;
  const problems = exportProblems(doc, opset);
  if (problems.length) return { ok: false, problems };
  let bytes: Uint8Array;
  try {
    bytes = encodeModel(exportInference(doc, { opset, fp16: opts.fp16, weights: opts.weights }));
  } catch (e) {
    if (e instanceof ExportError) return { ok: false, problems: e.problems };
    throw e;
  }
  const suffix = `${opts.trained ? '-trained' : ''}${opts.fp16 ? '-fp16' : ''}`;
  return { ok: true, fileName: `${fileSlug(doc.name, 'model')}${suffix}.onnx`, bytes };
}
