// MODEL arguments: a project file (*.netwright.json); .onnx files join when the importer lands.
import { readFileSync } from 'node:fs';
import type { ProjectDocument } from '../engine/index.ts';
import { DocumentError, parseDocument } from '../engine/index.ts';
import { CliError } from './errors.ts';

export function loadModel(path: string): ProjectDocument {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CliError(
      `Can't read ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}.`,
    );
  }
  if (path.endsWith('.onnx'))
    throw new CliError(`${path}: reading .onnx files needs the ONNX importer, which is not built yet.`);
  try {
    return parseDocument(text);
  } catch (e) {
    if (e instanceof DocumentError) throw new CliError(`${path}: ${e.message}`);
    throw e;
  }
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
