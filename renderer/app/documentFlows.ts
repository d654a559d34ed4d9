// The multi-step document operations: open (upload -> host validation), save (download), new from
// a template. Errors end up as a notice that names the file and the offending field.
import { parseDocument, serializeDocument } from '../../engine/index.ts';
import { downloadText, fileSlug } from '../components/files.ts';
import { appStore } from '../state/appStore.ts';

const state = () => appStore.getState();

export async function openProjectFile(file: File): Promise<void> {
  try {
    const text = await file.text();
    // The host validates when there is one (the same code path ONNX import will take).
    const host = state().host;
    const doc =
      host && state().hostStatus.state === 'connected' ? await host.parseProject(text) : parseDocument(text);
    state().actions.loadDocument(doc);
    state().actions.notify('info', `Opened ${file.name}.`);
  } catch (e) {
    state().actions.notify('error', `Could not open ${file.name}: ${(e as Error).message}`);
  }
}

export function saveProject(): void {
  const doc = state().doc;
  downloadText(`${fileSlug(doc.name)}.netwright.json`, serializeDocument(doc));
}

export async function openTemplate(id: string): Promise<void> {
  const host = state().host;
  if (!host) return;
  try {
    state().actions.loadDocument(await host.loadTemplate(id));
    state().actions.setGalleryOpen(false);
  } catch (e) {
    state().actions.notify('error', `Could not open the template: ${(e as Error).message}`);
  }
}

/** Opens the hidden file input that App renders. */
export function chooseProjectFile(): void {
  document.querySelector<HTMLInputElement>('input[data-role="open-project"]')?.click();
}
