// Reading a user's data file: bytes as a plain Uint8Array for the engine parsers, gzip undone
// when the content is gzip (recognised by its magic bytes, not only by a .gz name), and errors
// that say which file could not be read.
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';

export async function readBytes(path: string): Promise<Uint8Array> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    throw new Error(`${path}: cannot read the file (${describe(e)})`);
  }
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf);
    } catch (e) {
      throw new Error(`${path}: looks gzip-compressed but does not decompress (${describe(e)})`);
    }
  }
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
