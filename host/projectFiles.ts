// Project files on disk: the .netwright zip (engine/graph/archive.ts) written atomically, and
// both forms (zip, or the older .netwright.json text) told apart by their first bytes on reading.
import { encodeProjectArchive, type ProjectDocument, type WeightMap } from '../engine/index.ts';
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
