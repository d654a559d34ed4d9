// ONNX files in the app: import (bytes -> a laid-out project) and export (project -> bytes, or the
// list of reasons it can't be exported yet). protobufjs needs eval, which the renderer's CSP
// forbids, so encoding and decoding happen here on the host, never in the renderer.
import type { ProjectDocument } from '../engine/index.ts';
import { ExportError, exportInference, exportProblems, MAX_OPSET } from '../engine/index.ts';
import { importOnnx } from '../engine/onnx/import.ts';
import { decodeModel, encodeModel } from '../engine/onnx/proto.ts';
import { MAX_DOCUMENT_BYTES } from '../engine/limits.ts';
import { HostError } from '../protocol/hostApi.ts';
import type { JobProgress } from './jobs/tasks.ts';
import { layoutDocument } from './layout.ts';

export interface ImportedOnnx {
  document: ProjectDocument;
  /** What the user should know about the import (folded constants, dropped weights, ...). */
  notes: string[];
}

export type ExportedOnnx =
  { ok: true; fileName: string; base64: string; bytes: number } | { ok: false; problems: string[] };

const stem = (fileName: string) => fileName.replace(/^.*[\\/]/, '').replace(/\.onnx$/i, '');

function storedWeightChars(doc: ProjectDocument): number {
  let n = 0;
  for (const params of Object.values(doc.weights ?? {}))
    for (const t of Object.values(params)) n += t.data.length + 64;
  return n;
}

export async function importOnnxFile(
  base64: string,
  fileName?: string,
  progress: (p: JobProgress) => void = () => undefined,
): Promise<ImportedOnnx> {
  progress({ phase: 'decoding', fraction: 0 });
  const bytes = Buffer.from(base64, 'base64');
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
    result = importOnnx(model, fileName ? { name: stem(fileName) } : {});
  } catch (e) {
    throw new HostError('invalid-onnx', `The model could not be imported: ${(e as Error).message}`);
  }
  const notes = [...result.report.notes];
  let document = result.doc;
  // A project in the editor holds at most MAX_DOCUMENT_BYTES (autosave, open and save share that
  // bound), so weights that would exceed it stay out, and the user is told.
  const weightChars = storedWeightChars(document);
  if (weightChars > MAX_DOCUMENT_BYTES * 0.9) {
    const rest = { ...document };
    delete rest.weights;
    document = rest;
    const mb = ((weightChars * 3) / 4 / 1e6).toFixed(0);
    notes.push(
      `The weights (${mb} MB) are more than a project in the editor can hold, so the graph was imported without them; ONNX export then writes freshly initialised weights. The command line (\`npx netwright import\`, \`export\`) keeps them.`,
    );
  }
  progress({ phase: 'laying out', fraction: 0.7 });
  return { document: await layoutDocument(document), notes };
}

export function exportOnnxFile(doc: ProjectDocument, opts: { opset?: number; fp16?: boolean }): ExportedOnnx {
  const opset = opts.opset ?? MAX_OPSET;
  const problems = exportProblems(doc, opset);
  if (problems.length) return { ok: false, problems };
  let bytes: Uint8Array;
  try {
    bytes = encodeModel(exportInference(doc, { opset, fp16: opts.fp16 }));
  } catch (e) {
    if (e instanceof ExportError) return { ok: false, problems: e.problems };
    throw e;
  }
  const slug =
    doc.name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'model';
  return {
    ok: true,
    fileName: `${slug}${opts.fp16 ? '-fp16' : ''}.onnx`,
    base64: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'),
    bytes: bytes.byteLength,
  };
}
