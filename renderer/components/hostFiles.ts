// Files too large for one message to the host: a project to open, a dataset's large files, a
// saved project. The HostApi begins and uses each transfer (beginUpload, openProject,
// saveProject; host/transfers.ts). Its bytes take the fastest way there is: in browser mode one
// plain HTTP request at /transfer/<id> (server/transferRoutes.ts), where Chromium streams a file
// body from disk and a download goes to its download manager without passing through the page;
// in Electron (and for any other HostApi) chunks of raw bytes through uploadChunk/readTransfer.
import { browserModeToken } from '../app/connectHost.ts';
import type { HostApi } from '../../protocol/hostApi.ts';
import { HostError } from '../../protocol/hostApi.ts';
import { TRANSFER_CHUNK_BYTES } from '../../protocol/projectFiles.ts';
import { base64ToBytes, downloadBlob, downloadUrl } from './download.ts';

/** The browser-mode server's HTTP way for transfers: the page's token. */
export interface DirectTransfers {
  token: string;
}

/** HTTP transfers when the page runs in browser mode; null in Electron and outside a page. */
export function directTransfers(): DirectTransfers | null {
  const token = typeof window === 'undefined' ? null : browserModeToken(window);
  return token ? { token } : null;
}

const transferUrl = (transfer: string) => `/transfer/${encodeURIComponent(transfer)}`;

/** A file to the host; returns the transfer's id, for the call that uses it. */
export async function upload(
  host: HostApi,
  file: Blob,
  direct: DirectTransfers | null = directTransfers(),
): Promise<string> {
  const { transfer } = await host.beginUpload({ bytes: file.size });
  if (direct) {
    await putTransfer(direct, transfer, file);
    return transfer;
  }
  for (let offset = 0; offset < file.size; offset += TRANSFER_CHUNK_BYTES) {
    const bytes = new Uint8Array(await file.slice(offset, offset + TRANSFER_CHUNK_BYTES).arrayBuffer());
    await host.uploadChunk({ transfer, offset, bytes });
  }
  return transfer;
}

async function putTransfer(direct: DirectTransfers, transfer: string, file: Blob): Promise<void> {
  const response = await fetch(transferUrl(transfer), {
    method: 'PUT',
    headers: { 'X-Netwright-Token': direct.token },
    body: file,
  });
  if (response.ok) return;
  const reply = (await response.json().catch(() => null)) as {
    error?: { code?: unknown; message?: unknown };
  } | null;
  const { code, message } = reply?.error ?? {};
  throw new HostError(
    typeof code === 'string' ? code : 'internal',
    typeof message === 'string' ? message : `The host refused the file (HTTP ${response.status}).`,
  );
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

/** Bytes the host offers, downloaded as `fileName`: in browser mode the browser fetches them itself. */
export async function saveDownload(
  host: HostApi,
  transfer: string,
  fileName: string,
  direct: DirectTransfers | null = directTransfers(),
): Promise<void> {
  if (direct)
    return downloadUrl(fileName, `${transferUrl(transfer)}?token=${encodeURIComponent(direct.token)}`);
  downloadBlob(fileName, await download(host, transfer));
}
