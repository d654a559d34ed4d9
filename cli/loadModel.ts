// MODEL arguments: a project file (*.netwright zip, or the older *.netwright.json) or an ONNX file
// (*.onnx), imported with its float initializers as the weights (DESIGN.md).
import { readFileSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import type { ProjectDocument, WeightMap } from '../engine/index.ts';
import { decodeProjectArchive, isProjectArchive, parseDocument } from '../engine/index.ts';
import type { ImportOptions, ImportResult, OnnxModel } from '../engine/onnx/index.ts';
import { decodeModel, importOnnx, resolveExternalData } from '../engine/onnx/index.ts';
import { CliError, within } from './errors.ts';

export interface LoadedModel {
  doc: ProjectDocument;
  /** For an ONNX file or a .netwright zip: every weight, also those too large for doc.weights. */
  weights?: WeightMap;
  /** For an ONNX file: what the import reports (folded constants, fixed sizes, ...). */
  notes: string[];
  import?: ImportResult;
}

const isOnnx = (path: string) => /\.onnx$/i.test(path);

function readBytes(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new CliError(
      `Can't read ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}.`,
    );
  }
}

/** Decodes an .onnx file and loads external tensor data from the files beside it. */
export function readOnnx(path: string): OnnxModel {
  const bytes = readBytes(path);
  // Decoding and external data fail only on what the file holds: every error is about it.
  return within(
    path,
    () =>
      resolveExternalData(
        decodeModel(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)),
        (location) => new Uint8Array(readFileSync(join(dirname(path), location))),
      ),
    true,
  );
}

export function importFile(path: string, model: OnnxModel, opts: ImportOptions = {}): ImportResult {
  return within(path, () => importOnnx(model, { name: basename(path).replace(/\.onnx$/i, ''), ...opts }));
}

/** A MODEL argument with its weights; ONNX values whose shape stays unknown are not measured. */
export function loadModelWithWeights(path: string): LoadedModel {
  if (isOnnx(path)) {
    const result = importFile(path, readOnnx(path));
    return { doc: result.doc, weights: result.weights, notes: result.report.notes, import: result };
  }
  const bytes = readBytes(path);
  if (isProjectArchive(bytes)) {
    const archive = within(path, () => decodeProjectArchive(bytes));
    return { doc: archive.doc, weights: archive.weights, notes: [] };
  }
  const text = bytes.toString('utf8');
  return { doc: within(path, () => parseDocument(text)), notes: [] };
}

/**
 * As loadModelWithWeights, and for an ONNX file whose shapes the importer can't all infer, runs it
 * once in onnxruntime to measure them (recorded in the opaque nodes).
 */
export async function loadModelMeasured(path: string, opts: ImportOptions = {}): Promise<LoadedModel> {
  if (!isOnnx(path)) return loadModelWithWeights(path);
  const model = readOnnx(path);
  let result = importFile(path, model, opts);
  if (result.report.unknownShapes.length) {
    // onnxruntime loads only when needed.
    const { measureShapes } = await import('../host/onnxShapes.ts');
    const measured = await measureShapes(model);
    if (measured.size) result = importFile(path, model, { ...opts, measuredShapes: measured });
  }
  return { doc: result.doc, weights: result.weights, notes: result.report.notes, import: result };
}

export function loadModel(path: string): ProjectDocument {
  return loadModelWithWeights(path).doc;
}

/** Applies `--input-shape 1x3x224x224` (batch first) to the model's Input nodes. */
export function withInputShape(doc: ProjectDocument, spec: string | undefined, batch = 1): ProjectDocument {
  let dims: number[] | undefined;
  if (spec) {
    dims = spec.split(/[x,×]/).map(Number);
    if (dims.length < 2 || dims.some((d) => !Number.isInteger(d) || d < 1))
      throw new CliError(`--input-shape ${spec}: expected positive sizes like 1x3x224x224 (batch first).`);
  }
  const nodes = doc.graph.nodes.map((n) =>
    n.type !== 'Input'
      ? n
      : {
          ...n,
          attributes: {
            ...n.attributes,
            batch_size: dims ? dims[0] : batch,
            ...(dims ? { shape: dims.slice(1) } : {}),
          },
        },
  );
  return { ...doc, graph: { ...doc.graph, nodes } };
}
