// Reading a user's data file: bytes as a plain Uint8Array for the engine parsers, gzip undone
// when the content is gzip (recognised by its magic bytes, not only by a .gz name), and errors
// that say which file could not be read.
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { limitText, MAX_DECOMPRESSED_BYTES } from '../../engine/limits.ts';

/** True when bytes start with gzip's magic number. */
export const isGzip = (b: Uint8Array): boolean => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

/**
 * gunzip with a cap on the output, so a small "gzip bomb" is refused while it inflates instead of
 * after it has filled the memory.
 */
export function gunzipCapped(bytes: Uint8Array, path: string): Buffer {
  try {
    return gunzipSync(bytes, { maxOutputLength: MAX_DECOMPRESSED_BYTES });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw new Error(
        `${path}: decompresses to more than ${limitText('MAX_DECOMPRESSED_BYTES')} bytes; use a smaller file or a subset`,
      );
    throw new Error(`${path}: looks gzip-compressed but does not decompress (${describe(e)})`);
  }
}

export async function readBytes(path: string): Promise<Uint8Array> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    throw new Error(`${path}: cannot read the file (${describe(e)})`);
  }
  if (isGzip(buf)) buf = gunzipCapped(buf, path);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

export async function readText(path: string): Promise<string> {
  return new TextDecoder('utf-8').decode(await readBytes(path));
}

/** The message of an error, or its string form; for wrapping errors with the file name. */
export function describe(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code in SYSTEM_ERRORS) return SYSTEM_ERRORS[code];
  return e instanceof Error ? e.message : String(e);
}

// Node's own messages repeat the path; these read better after "<path>: cannot read the file".
const SYSTEM_ERRORS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a parent is not a directory',
};
