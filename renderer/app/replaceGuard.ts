// Nothing replaces the open network without asking while it holds work no file has: New,
// Templates, Open and Import ONNX all pass through confirmReplace, which asks (Save first,
// Replace, Cancel) only when there are unsaved changes.
import { createStore } from 'zustand/vanilla';
import { useStore } from 'zustand';
import { appStore } from '../state/appStore.ts';
import { hasUnsavedChanges } from '../state/store.ts';

export interface PendingReplace {
  /** What would replace the network, as the dialog says it: "Opening the template “VGG-16”". */
  what: string;
  proceed: () => void;
}

export const replaceStore = createStore<{ pending: PendingReplace | null }>(() => ({ pending: null }));

export const usePendingReplace = () => useStore(replaceStore, (s) => s.pending);

/** Runs `proceed` now, or after the user agrees when the open network has unsaved changes. */
export function confirmReplace(what: string, proceed: () => void): void {
  if (!hasUnsavedChanges(appStore.getState())) return proceed();
  replaceStore.setState({ pending: { what, proceed } });
}

export function answerReplace(answer: 'replace' | 'cancel'): void {
  const pending = replaceStore.getState().pending;
  replaceStore.setState({ pending: null });
  if (answer === 'replace') pending?.proceed();
}
