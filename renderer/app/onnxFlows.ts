// ONNX in the app. Import: upload -> the host decodes, imports and lays out -> the new document.
// Export: the host checks and encodes -> a file it offers, which the page downloads as Save's
// (saveDownload: over HTTP in browser mode), or the list of problems shown in the dialog.
// (Decoding and encoding protobuf need eval, which the renderer's CSP rightly forbids.)
import { createStore } from 'zustand/vanilla';
import { useStore } from 'zustand';
import { appStore } from '../state/appStore.ts';
import type { JobProgressEvent } from '../../protocol/onnxFiles.ts';
import { formatBytes } from '../components/format.ts';
import { saveDownload, upload } from '../components/hostFiles.ts';
import { currentWeights } from '../training/currentWeights.ts';
import { isGone } from '../training/flows.ts';

export interface OnnxExportState {
  open: boolean;
  opset: number;
  fp16: boolean;
  busy: boolean;
  /** Why the last export attempt was refused. */
  problems: string[];
  /** What the last import changed or left out, until the user dismisses it. */
  importNotes: { fileName: string; notes: string[] } | null;
}

export const onnxExportStore = createStore<OnnxExportState>()(() => ({
  open: false,
  opset: 17,
  fp16: false,
  busy: false,
  problems: [],
  importNotes: null,
}));

export const useOnnxExport = <T>(selector: (s: OnnxExportState) => T): T =>
  useStore(onnxExportStore, selector);

const app = () => appStore.getState();

function connectedHost() {
  const { host, hostStatus, actions } = app();
  if (host && hostStatus.state === 'connected') return host;
  actions.notify('error', 'ONNX files are read and written by the Netwright host, which is not connected.');
  return null;
}

export function chooseOnnxFile(): void {
  document.querySelector<HTMLInputElement>('input[data-role="import-onnx"]')?.click();
}

/** An import under way: its file, what the host does now and how far it is; Cancel stops it. */
export interface ImportProgress {
  job: string;
  fileName: string;
  phase: string;
  fraction: number | null;
}

export const importStore = createStore<{ progress: ImportProgress | null }>(() => ({ progress: null }));
export const useImportProgress = () => useStore(importStore, (s) => s.progress);

/** A 'job' event from the host: the import's phase and fraction (events of other jobs are not ours). */
export function receiveJobProgress(e: JobProgressEvent): void {
  const progress = importStore.getState().progress;
  if (progress?.job === e.job)
    importStore.setState({ progress: { ...progress, phase: e.phase, fraction: e.fraction ?? null } });
}

export function cancelImport(): void {
  const progress = importStore.getState().progress;
  if (progress)
    void app()
      .host?.cancelJob(progress.job)
      .catch(() => undefined);
}

/** Imports on the host (a worker thread there), with its progress on the page and a Cancel button. */
export async function importOnnxFile(file: File): Promise<void> {
  const host = connectedHost();
  if (!host) return;
  const { actions } = app();
  const job = `job-${crypto.randomUUID()}`;
  importStore.setState({ progress: { job, fileName: file.name, phase: 'sending the file', fraction: 0 } });
  try {
    // Raw bytes, as an opened project's (over HTTP in browser mode): no size limit of one message.
    const transfer = await upload(host, file);
    if (importStore.getState().progress?.job !== job) return; // cancelled while sending
    const { document, notes } = await host.importOnnx({ transfer, fileName: file.name, job });
    importStore.setState({ progress: { job, fileName: file.name, phase: 'drawing', fraction: 1 } });
    actions.loadDocument(document);
    actions.notify('info', `Imported ${file.name}: ${document.graph.nodes.length} layers.`);
    onnxExportStore.setState({ importNotes: notes.length ? { fileName: file.name, notes } : null });
  } catch (e) {
    const cancelled = (e as { code?: string }).code === 'cancelled';
    actions.notify(
      cancelled ? 'info' : 'error',
      cancelled
        ? `Import of ${file.name} cancelled.`
        : `Could not import ${file.name}: ${(e as Error).message}`,
    );
  } finally {
    if (importStore.getState().progress?.job === job) importStore.setState({ progress: null });
  }
}

export function dismissImportNotes(): void {
  onnxExportStore.setState({ importNotes: null });
}

export function openOnnxExport(): void {
  onnxExportStore.setState({ open: true, problems: [] });
}

export function closeOnnxExport(): void {
  onnxExportStore.setState({ open: false, problems: [], busy: false });
}

/** Exports with the dialog's options; downloads the file and closes, or shows the problems. */
export async function exportOnnx(): Promise<void> {
  const host = connectedHost();
  if (!host) return;
  const { opset, fp16 } = onnxExportStore.getState();
  const weights = currentWeights(app());
  onnxExportStore.setState({ busy: true, problems: [] });
  try {
    const runId = weights.source === 'run' ? { runId: weights.runId } : {};
    const result = await host.exportOnnx(app().doc, { opset, fp16, ...runId });
    if (!result.ok) return void onnxExportStore.setState({ busy: false, problems: result.problems });
    await saveDownload(host, result.transfer, result.fileName);
    closeOnnxExport();
    app().actions.notify(
      'info',
      `Exported ${result.fileName} (${formatBytes(result.bytes)}) with ${weights.label}.`,
    );
  } catch (e) {
    if (weights.source === 'run' && isGone(e)) app().actions.runGone(weights.runId);
    onnxExportStore.setState({ busy: false, problems: [(e as Error).message] });
  }
}
