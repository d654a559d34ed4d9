// Atomic saving: write a temporary file beside the target, flush it to disk, then rename it over
// the target. A crash or a full disk mid-write leaves the previous file intact.
import { promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export class SaveError extends Error {
  constructor(
    message: string,
    readonly path: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'SaveError';
  }
}

/** Injected for tests that simulate a full disk; production uses node:fs. */
export interface SaveFs {
  open: typeof fs.open;
  rename: typeof fs.rename;
  rm: typeof fs.rm;
}

const reasons: Record<string, string> = {
  ENOSPC: 'the disk is full; free some space or save somewhere else',
  EDQUOT: 'the disk quota is used up; free some space or save somewhere else',
  EACCES: 'permission denied; choose a folder you can write to',
  EROFS: 'the disk is read-only; save somewhere else',
  ENOENT: 'the folder does not exist; choose another folder',
};

export async function saveFileAtomic(
  path: string,
  data: string | Uint8Array,
  io: SaveFs = fs,
): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    const handle = await io.open(temp, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await io.rename(temp, path);
  } catch (e) {
    await io.rm(temp, { force: true }).catch(() => undefined);
    const code = (e as NodeJS.ErrnoException).code;
    const why = (code && reasons[code]) ?? (e as Error).message;
    throw new SaveError(
      `Could not save ${basename(path)}: ${why}. The previous version is unchanged.`,
      path,
      code,
    );
  }
}
