// Output files named by flags (-o, --out, --save, --checkpoint) are checked before any work: a
// training run must not spend an hour only to find that its folder does not exist. The check
// creates and removes a probe file beside the target, so it finds what the save would find.
import { randomBytes } from 'node:crypto';
import { open, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { CliError } from './errors.ts';

const errno = (e: unknown) => (e as NodeJS.ErrnoException).code;

const cannotCreate: Record<string, string> = {
  EACCES: 'permission denied; choose a folder you can write to',
  EPERM: 'permission denied; choose a folder you can write to',
  EROFS: 'the disk is read-only; choose another folder',
  ENOSPC: 'the disk is full; free some space or choose another folder',
  EDQUOT: 'the disk quota is used up; free some space or choose another folder',
  // The folder exists (checked first) but refuses new entries: /proc, /sys.
  ENOENT: 'this folder does not accept new files; choose another folder',
};

/** Throws a CliError naming `flag` unless a file can be written at `path`. */
export async function checkOutputFile(flag: string, path: string): Promise<void> {
  const fail = (why: string) => new CliError(`${flag} ${path}: ${why}.`);
  const folder = dirname(resolve(path));
  const where = await stat(folder).catch((e: unknown) => errno(e) ?? 'EIO');
  if (typeof where === 'string')
    throw fail(
      where === 'ENOENT' || where === 'ENOTDIR'
        ? `the folder ${folder} does not exist; create it first or choose another folder`
        : `can't open the folder ${folder} (${where})`,
    );
  if (!where.isDirectory()) throw fail(`${folder} is a file, not a folder`);
  const target = await stat(path).catch(() => null);
  if (target?.isDirectory()) throw fail('that is a folder; give a file name');
  const probe = join(folder, `.${basename(path)}.${randomBytes(4).toString('hex')}.probe`);
  try {
    await (await open(probe, 'wx')).close();
  } catch (e) {
    const code = errno(e);
    throw fail((code && cannotCreate[code]) ?? `can't create files in ${folder} (${(e as Error).message})`);
  }
  await rm(probe, { force: true });
}

/** Checks every output a command was given, in the order of its flags. */
export async function checkOutputFiles(outputs: Record<string, string | undefined>): Promise<void> {
  for (const [flag, path] of Object.entries(outputs)) if (path) await checkOutputFile(flag, path);
}
