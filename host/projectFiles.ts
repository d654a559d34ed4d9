// Project files on disk: the .netwright zip (engine/graph/archive.ts) written atomically, and
// both forms (zip, or the older .netwright.json text) told apart by their first bytes on reading.
import {
  decodeProjectArchive,
  embedArchiveWeights,
  encodeProjectArchive,
  type ProjectDocument,
  type WeightMap,
} from '../engine/index.ts';
import { HOLD_ABOVE_BYTES, type HeldTensors, weightBytes, withShapes } from './heldWeights.ts';
import pkg from '../package.json' with { type: 'json' };
import { saveFileAtomic, type SaveFs } from './saveFileAtomic.ts';

/** "Netwright 0.1.0": the writer recorded in every archive's metadata.json. */
export const WRITER = `Netwright ${pkg.version}`;

/** Whether a path names the older JSON form (written only when asked for by its extension). */
export const isJsonProjectPath = (path: string): boolean => /\.json$/i.test(path);

/** The project as a .netwright zip at `path`, atomically (temp file, fsync, rename). */
export async function saveProjectArchive(
  path: string,
  doc: ProjectDocument,
  weights?: WeightMap,
  io?: SaveFs,
): Promise<number> {
  const bytes = encodeProjectArchive(doc, { weights, writer: WRITER });
  await saveFileAtomic(path, bytes, io);
  return bytes.length;
}

/** A project read for the page: small weights travel in the document, large ones stay here. */
export interface OpenedProject {
  document: ProjectDocument;
  notes: string[];
  /** Weights to hold on the host (HeldWeights) when they are too large to send. */
  held?: HeldTensors;
}

/** The document as the page gets it: weights embedded when small, else set aside for holding. */
export function forThePage(
  doc: ProjectDocument,
  weights: WeightMap,
  shapes?: Map<string, Map<string, number[]>>,
): Pick<OpenedProject, 'document' | 'held'> {
  if (!weights.size) return { document: doc };
  if (weightBytes(weights) > HOLD_ABOVE_BYTES) {
    const rest = { ...doc };
    delete rest.weights;
    return { document: rest, held: withShapes(doc, weights, shapes) };
  }
  return {
    document: embedArchiveWeights({
      doc,
      weights,
      shapes: shapes ?? shapesOf(withShapes(doc, weights)),
    }),
  };
}

const shapesOf = (held: HeldTensors) =>
  new Map([...held].map(([id, p]) => [id, new Map([...p].map(([k, t]) => [k, t.shape]))]));

/** A .netwright file's bytes (a job thread): validated, with its weights for the page or the host. */
export function openProjectBytes(bytes: Uint8Array): OpenedProject {
  const archive = decodeProjectArchive(bytes);
  return { ...forThePage(archive.doc, archive.weights, archive.shapes), notes: [] };
}

/** A document with its weights attached (HeldWeights.attach) as .netwright bytes (a job thread). */
export function projectBytes(doc: ProjectDocument): Uint8Array {
  return encodeProjectArchive(doc, { writer: WRITER });
}
