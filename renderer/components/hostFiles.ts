// Files too large for one message to the host, in chunks of raw bytes (HostApi beginUpload/
// uploadChunk and readTransfer; host/transfers.ts; binary WebSocket frames in browser mode): a
// project to open, a dataset's large files, a saved project.
import type { HostApi } from '../../protocol/hostApi.ts';
import { TRANSFER_CHUNK_BYTES } from '../../protocol/projectFiles.ts';
import { base64ToBytes } from './download.ts';

/** A file to the host in chunks, each well inside one message; returns the transfer's id. */
export async function upload(host: HostApi, file: Blob): Promise<string> {
  const { transfer } = await host.beginUpload({ bytes: file.size });
  for (let offset = 0; offset < file.size; offset += TRANSFER_CHUNK_BYTES) {
    const bytes = new Uint8Array(await file.slice(offset, offset + TRANSFER_CHUNK_BYTES).arrayBuffer());
    await host.uploadChunk({ transfer, offset, bytes });
  }
  return transfer;
}

/** Bytes the host offers (a saved project), chunk by chunk, as one Blob. */
export async function download(host: HostApi, transfer: string): Promise<Blob> {
  const parts: Uint8Array<ArrayBuffer>[] = [];
  for (let offset = 0, done = false; !done;) {
    const chunk = await host.readTransfer({ transfer, offset, binary: true });
    const bytes = ('bytes' in chunk ? chunk.bytes : base64ToBytes(chunk.base64)) as Uint8Array<ArrayBuffer>;
    parts.push(bytes);
    offset += bytes.length;
    done = chunk.done;
  }
  return new Blob(parts, { type: 'application/zip' });
}
