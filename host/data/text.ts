// A plain-text file from disk as next-character windows (engine/data/textWindows.ts does the
// cutting and every size check).
import { basename } from 'node:path';
import { textWindows, type Dataset } from '../../engine/data/index.ts';
import { readBytes } from './files.ts';

export async function loadText(path: string, opts: { length?: number } = {}): Promise<Dataset> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(await readBytes(path));
  } catch (e) {
    if (e instanceof TypeError)
      throw new Error(`${path}: not UTF-8 text (a character model reads plain text)`);
    throw e;
  }
  // Errors name the full path (the upload renames it to the user's file); the set keeps a short name.
  const { dataset } = textWindows(text, { length: opts.length, name: path });
  return { ...dataset, name: basename(path) };
}
