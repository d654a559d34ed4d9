// Browser-mode file access: saving is a download and opening is an upload, so the page never
// names a path on the user's disk.
import { downloadBlob } from './download.ts';
export function downloadText(fileName: string, text: string, type = 'application/json'): void {
  downloadBlob(fileName, new Blob([text], { type }));
}

/** "LeNet-5 (MNIST)" -> "lenet-5-mnist": the engine's, shared with the host's file names. */
export { fileSlug } from '../../engine/index.ts';
