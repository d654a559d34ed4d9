// The multi-step document operations: open (upload -> host validation), save (download), new from
// a template. Errors end up as a notice that names the file and the offending field. Projects are
// .netwright zips read and written by the host (a job thread there), crossing in chunks; older
// .netwright.json files still open, and save as .netwright.
import { isProjectArchive, parseDocument, serializeDocument } from '../../engine/index.ts';
import { saveDownload, upload } from '../components/hostFiles.ts';
import { downloadText, fileSlug } from '../components/files.ts';
import { appStore } from '../state/appStore.ts';
import { importOnnxFile } from './onnxFlows.ts';
import { confirmReplace } from './replaceGuard.ts';

const state = () => appStore.getState();

/** ONNX is protobuf: a ModelProto starts with field 1 (ir_version) as a varint, the byte 0x08. */
async function looksLikeOnnx(file: File): Promise<boolean> {
  if (/\.onnx$/i.test(file.name)) return true;
  const head = new Uint8Array(await file.slice(0, 1).arrayBuffer());
  return head[0] === 0x08;
}

export async function openProjectFile(file: File): Promise<void> {
  try {
    if (await looksLikeOnnx(file)) {
      // File → Open… of a model: what the user wants is to see it, so it is imported.
      state().actions.notify('info', `${file.name} is an ONNX model: importing it.`);
      return void (await importOnnxFile(file));
    }
    const host = state().host;
    if (isProjectArchive(new Uint8Array(await file.slice(0, 4).arrayBuffer()))) {
      if (!host || state().hostStatus.state !== 'connected')
        throw new Error('a .netwright file is read by the Netwright host, which is not connected');
      const { document } = await host.openProject({
        transfer: await upload(host, file),
        fileName: file.name,
      });
      state().actions.loadDocument(document);
      openedOldFormat = false;
      return void state().actions.notify('info', `Opened ${file.name}.`);
    }
    const text = await file.text();
    // The host validates when there is one (the same code path ONNX import will take).
    const doc =
      host && state().hostStatus.state === 'connected' ? await host.parseProject(text) : parseDocument(text);
    state().actions.loadDocument(doc);
    openedOldFormat = true;
    state().actions.notify('info', `Opened ${file.name}.`);
  } catch (e) {
    state().actions.notify('error', `Could not open ${file.name}: ${(e as Error).message}`);
  }
}

/** Whether the open document came from an older .netwright.json (Save then says what changed). */
let openedOldFormat = false;

/** Save: a .netwright file written by the host (with the weights it holds), downloaded. */
export async function saveProject(): Promise<void> {
  const { doc, host, hostStatus, actions } = state();
  if (!host || hostStatus.state !== 'connected') {
    // Without a host the page can still keep the work, in the older JSON form.
    downloadText(`${fileSlug(doc.name)}.netwright.json`, serializeDocument(doc));
    return void actions.markSaved();
  }
  try {
    const saved = await host.saveProject(doc);
    await saveDownload(host, saved.transfer, saved.fileName);
    actions.markSaved();
    actions.notify(
      'info',
      openedOldFormat
        ? `Saved ${saved.fileName} in the .netwright format (one zip with the weights); the older .netwright.json file is unchanged and still opens.`
        : `Saved ${saved.fileName} (${(saved.bytes / 1e6).toFixed(1)} MB).`,
    );
    openedOldFormat = false;
  } catch (e) {
    actions.notify('error', `Could not save ${doc.name}: ${(e as Error).message}`);
  }
}

/**
 * Opens a template (from the gallery, or a lesson's compare button), asking first if work would
 * be lost; `what` names it for that question ("The lesson “Vanishing gradients”").
 */
export function openTemplate(id: string, what: string): void {
  confirmReplace(what, () => void loadTemplate(id));
}

async function loadTemplate(id: string): Promise<void> {
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
