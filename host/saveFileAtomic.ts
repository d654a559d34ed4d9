// Atomic saving: write a temporary file beside the target, flush it to disk, rename it over the
// target, then flush the folder so the rename itself survives a power cut. A crash or a full disk
// mid-write leaves the previous file intact; a process killed mid-write leaves its temporary file
// behind, and the next save of the same target (or removeStaleTemps at start) removes it.
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

/** Temporary files of this process still being written (never removed as stale). */
const writing = new Set<string>();
let counter = 0;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `.name.PID.STAMP.tmp`: the PID says whether the writer may still be alive. */
function tempPattern(target: string): RegExp {
  return new RegExp(`^\\.${escape(basename(target))}\\.(\\d+)\\.[0-9a-z-]+\\.tmp$`);
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporary files that earlier saves of `target` left behind when their process was
 * killed: those whose writer is no longer running (and none this process is still writing).
 * Returns how many were removed; a missing folder is not an error.
 */
export async function removeStaleTemps(target: string): Promise<number> {
  const dir = dirname(target);
  const pattern = tempPattern(target);
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const m = pattern.exec(name);
    const path = join(dir, name);
    if (!m || writing.has(path)) continue;
    const pid = Number(m[1]);
    if (pid !== process.pid && alive(pid)) continue;
    await fs.rm(path, { force: true }).catch(() => undefined);
    removed++;
  }
  return removed;
}

/** Flushes a folder's entries (the rename) to disk, where the platform can open folders. */
async function syncFolder(dir: string): Promise<void> {
  let handle;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch {
    // Windows can't open a folder, and some file systems refuse fsync on one: best effort.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

export async function saveFileAtomic(
  path: string,
  data: string | Uint8Array,
  io: SaveFs = fs,
): Promise<void> {
  await removeStaleTemps(path);
  const temp = join(
    dirname(path),
    `.${basename(path)}.${process.pid}.${Date.now().toString(36)}-${(counter++).toString(36)}.tmp`,
  );
  writing.add(temp);
  try {
    const handle = await io.open(temp, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await io.rename(temp, path);
    await syncFolder(dirname(path));
  } catch (e) {
    await io.rm(temp, { force: true }).catch(() => undefined);
    const code = (e as NodeJS.ErrnoException).code;
    const why = (code && reasons[code]) ?? (e as Error).message;
    throw new SaveError(
      `Could not save ${basename(path)}: ${why}. The previous version is unchanged.`,
      path,
      code,
    );
  } finally {
    writing.delete(temp);
  }
}
