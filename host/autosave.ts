// Crash recovery: the renderer sends the current document every few seconds; the host keeps the
// latest one in the data directory. Only valid documents are stored, so recovery never offers junk.
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDocument } from '../engine/index.ts';
import type { Autosave } from '../protocol/hostApi.ts';
import { removeStaleTemps, saveFileAtomic } from './saveFileAtomic.ts';

const FILE = 'autosave.netwright.json';

export function autosavePath(dataDir: string): string {
  return join(dataDir, FILE);
}

export async function saveAutosave(dataDir: string, text: string): Promise<{ savedAt: string }> {
  parseDocument(text); // throws DocumentError (-> 'invalid-document') for anything that is not a project
  return writeAutosave(dataDir, text);
}

/** Stores text already checked to be a project (the host parses it in a job worker first). */
export async function writeAutosave(dataDir: string, text: string): Promise<{ savedAt: string }> {
  await mkdir(dataDir, { recursive: true });
  await saveFileAtomic(autosavePath(dataDir), text);
  return { savedAt: new Date().toISOString() };
}

export async function loadAutosave(dataDir: string): Promise<Autosave | null> {
  const path = autosavePath(dataDir);
  try {
    const [text, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    parseDocument(text);
    return { text, savedAt: info.mtime.toISOString() };
  } catch {
    return null; // missing or unreadable: nothing to recover
  }
}

/** At start: temporary files of autosaves whose process was killed mid-write. */
export function removeStaleAutosaveTemps(dataDir: string): Promise<number> {
  return removeStaleTemps(autosavePath(dataDir));
}

export async function clearAutosave(dataDir: string): Promise<null> {
  await rm(autosavePath(dataDir), { force: true });
  return null;
}
