// Browser-mode file access: saving is a download and opening is an upload, so the page never
// names a path on the user's disk.
import { downloadBlob } from './download.ts';
export function downloadText(fileName: string, text: string, type = 'application/json'): void {
  downloadBlob(fileName, new Blob([text], { type }));
}

/** "LeNet-5 (MNIST)" -> "lenet-5-mnist" */
export function fileSlug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'untitled'
  );
}
