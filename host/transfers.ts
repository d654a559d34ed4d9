// Files too large for one message cross the HostApi in chunks: an upload is begun with its size,
// sent chunk by chunk (raw bytes or base64) and then used by the call that needs it (openProject);
// a download (saveProject's zip, an exported ONNX model) is read chunk by chunk. In browser mode the page moves the bytes
// over plain HTTP instead (server/transferRoutes.ts: the same transfers, whole files, streamed).
// Each transfer lives for a few minutes at most.
import { randomUUID } from 'node:crypto';
import { HostError } from '../protocol/hostApi.ts';
import { MAX_TRANSFER_BYTES, TRANSFER_CHUNK_BYTES, type OfferedFile } from '../protocol/projectFiles.ts';

interface Transfer {
  bytes: Uint8Array;
  /** Bytes received so far (uploads). */
  received: number;
  /** Bytes the host offers for fetching (a saved project), not an upload. */
  offered: boolean;
  timer: ReturnType<typeof setTimeout>;
}

const LIFETIME_MS = 10 * 60_000;
// A dataset upload sends each large file as its own transfer (CIFAR-10: six).
const MAX_OPEN = 16;

export class Transfers {
  private readonly open = new Map<string, Transfer>();

  private add(bytes: Uint8Array, received: number, offered = false): string {
    if (this.open.size >= MAX_OPEN) this.drop(this.open.keys().next().value!);
    const id = `transfer-${randomUUID()}`;
    const timer = setTimeout(() => this.drop(id), LIFETIME_MS);
    timer.unref?.();
    this.open.set(id, { bytes, received, offered, timer });
    return id;
  }

  drop(id: string): void {
    const t = this.open.get(id);
    if (t) clearTimeout(t.timer);
    this.open.delete(id);
  }

  private get(id: string): Transfer {
    const t = this.open.get(id);
    if (!t) throw new HostError('not-found', 'The file transfer has expired or is unknown; try again.');
    return t;
  }

  /** An upload of `size` bytes; the size is checked before the buffer is allocated. */
  beginUpload(size: number): string {
    if (size > MAX_TRANSFER_BYTES)
      throw new HostError(
        'too-large',
        `The file holds ${size} bytes; at most ${MAX_TRANSFER_BYTES} are read.`,
      );
    return this.add(new Uint8Array(size), 0);
  }

  /** One chunk of an upload (bytes, or base64), which must come in order. */
  receive(id: string, offset: number, data: Uint8Array | string): void {
    const t = this.get(id);
    const chunk = typeof data === 'string' ? Buffer.from(data, 'base64') : data;
    if (offset !== t.received || offset + chunk.length > t.bytes.length)
      throw new HostError(
        'bad-request',
        `The chunk at ${offset} does not continue the upload (at ${t.received}).`,
      );
    t.bytes.set(chunk, offset);
    t.received += chunk.length;
  }

  /** How far an upload has come: bytes received so far, of its size. */
  uploadProgress(id: string): { received: number; size: number } {
    const t = this.get(id);
    if (t.offered) throw new HostError('bad-request', 'That transfer is a file to fetch, not an upload.');
    return { received: t.received, size: t.bytes.length };
  }

  /** A complete upload's bytes; the transfer ends. */
  take(id: string): Uint8Array {
    const t = this.get(id);
    if (t.received !== t.bytes.length)
      throw new HostError(
        'bad-request',
        `The upload is incomplete (${t.received} of ${t.bytes.length} bytes).`,
      );
    this.drop(id);
    return t.bytes;
  }

  /** Bytes for the page to fetch with read() (or takeOffered); returns the transfer's id. */
  offer(bytes: Uint8Array): string {
    return this.add(bytes, bytes.length, true);
  }

  /** A file for the page to fetch (saveDownload): a saved project, an exported model. */
  offerFile(fileName: string, bytes: Uint8Array): OfferedFile {
    return { transfer: this.offer(bytes), fileName, bytes: bytes.length };
  }

  /** All of an offered file's bytes at once (an HTTP download); the transfer ends. */
  takeOffered(id: string): Uint8Array {
    const t = this.get(id);
    if (!t.offered) throw new HostError('bad-request', 'That transfer is an upload, not a file to fetch.');
    this.drop(id);
    return t.bytes;
  }

  /** The chunk at `offset` (raw bytes, or base64); the transfer ends with its last chunk. */
  read(
    id: string,
    offset: number,
    binary = false,
  ): { base64: string; done: boolean } | { bytes: Uint8Array<ArrayBuffer>; done: boolean } {
    const t = this.get(id);
    if (offset > t.bytes.length) throw new HostError('bad-request', `Offset ${offset} is past the end.`);
    const end = Math.min(offset + TRANSFER_CHUNK_BYTES, t.bytes.length);
    const chunk = t.bytes.subarray(offset, end);
    const done = end === t.bytes.length;
    if (done) this.drop(id);
    // A plain Uint8Array (not a Buffer, whose toJSON would turn it into an array of numbers) that
    // owns its bytes: a structured clone (Electron's IPC) of a view copies the whole file's buffer.
    if (binary) return { bytes: new Uint8Array(chunk), done };
    return { base64: Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('base64'), done };
  }
}
