// A plain-text file as next-character windows (engine/data/textWindows.ts does the cutting and
// every size check).
import { basename } from 'node:path';
import { textWindows, type Dataset } from '../../engine/data/index.ts';
import { readBytes } from './files.ts';

/** The file's bytes as windows; errors start with `name`, like every loader's. */
export function parseText(bytes: Uint8Array, name: string, length?: number): Dataset {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new Error(`${name}: not UTF-8 text (a character model reads plain text)`);
  }
  return textWindows(text, { length, name }).dataset;
}

export async function loadText(path: string, opts: { length?: number } = {}): Promise<Dataset> {
  // Errors name the full path (an upload renames it to the user's file); the set keeps a short name.
  return { ...parseText(await readBytes(path), path, opts.length), name: basename(path) };
}
