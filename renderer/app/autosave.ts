// Crash recovery. On start, an autosaved document (if any) is offered back; after the user decides,
// every change is sent to the host a moment after editing pauses.
import type { ProjectDocument } from '../../engine/index.ts';
import { parseDocument, serializeDocument } from '../../engine/index.ts';
import type { AppStore } from '../state/store.ts';

export async function checkRecovery(store: AppStore): Promise<void> {
  const { host, actions } = store.getState();
  if (!host) return actions.setRecovery(null);
  try {
    const saved = await host.loadAutosave();
    const worthOffering = saved && parseDocument(saved.text).graph.nodes.length > 0;
    actions.setRecovery(worthOffering && store.getState().doc.graph.nodes.length === 0 ? saved : null);
  } catch {
    actions.setRecovery(null);
  }
}

export async function acceptRecovery(store: AppStore): Promise<void> {
  const { recovery, actions } = store.getState();
  if (!recovery) return;
  try {
    // Recovered work is in no file yet: replacing it asks first, like any unsaved change.
    actions.loadDocument(parseDocument(recovery.text), { saved: false });
  } catch (e) {
    actions.notify('error', `The autosaved document could not be read: ${(e as Error).message}`);
  }
  actions.setRecovery(null);
}

export async function discardRecovery(store: AppStore): Promise<void> {
  const { host, actions } = store.getState();
  actions.setRecovery(null);
  await host?.clearAutosave().catch(() => undefined);
}

/**
 * Weights beyond this much base64 stay out of the autosave: turning them into text and sending it
 * after every edit would hold the page for seconds (an imported DenseNet-121 carries 44 MB). The
 * graph is still saved; the weights are in the file they came from, or in a saved project.
 */
export const AUTOSAVE_WEIGHT_CHARS = 8 * 2 ** 20;

/** The document as the autosave keeps it, and whether its weights were left out. */
export function autosaveText(doc: ProjectDocument): { text: string; withoutWeights: boolean } {
  if (doc.weightsRef) {
    // Weights the host holds live only as long as it runs: recovery gets the graph.
    const rest = { ...doc };
    delete rest.weightsRef;
    delete rest.weights;
    return { text: serializeDocument(rest), withoutWeights: true };
  }
  let chars = 0;
  for (const params of Object.values(doc.weights ?? {}))
    for (const t of Object.values(params)) chars += t.data.length;
  if (chars <= AUTOSAVE_WEIGHT_CHARS) return { text: serializeDocument(doc), withoutWeights: false };
  const rest = { ...doc };
  delete rest.weights;
  return { text: serializeDocument(rest), withoutWeights: true };
}

/** Starts saving changes; returns a function that stops it. */
export function startAutosave(store: AppStore, delayMs = 800): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastSaved: string | null = null;

  async function flush(): Promise<void> {
    const s = store.getState();
    if (!s.host || s.hostStatus.state !== 'connected' || !s.recoveryChecked || s.recovery) return;
    const { text, withoutWeights } = autosaveText(s.doc);
    // An empty canvas at start must not overwrite yesterday's work before anything happened.
    if (text === lastSaved || (lastSaved === null && s.doc.graph.nodes.length === 0)) return;
    s.actions.setAutosaveStatus({ state: 'saving' });
    try {
      const { savedAt } = await s.host.saveAutosave(text);
      lastSaved = text;
      s.actions.setAutosaveStatus({
        state: 'saved',
        at: savedAt,
        ...(withoutWeights ? { detail: 'the graph only: its weights are too large to autosave' } : {}),
      });
    } catch (e) {
      s.actions.setAutosaveStatus({ state: 'failed', detail: (e as Error).message });
    }
  }

  const unsubscribe = store.subscribe((s, prev) => {
    if (s.doc === prev.doc && s.recovery === prev.recovery && s.hostStatus === prev.hostStatus) return;
    clearTimeout(timer);
    timer = setTimeout(() => void flush(), delayMs);
  });
  return () => {
    clearTimeout(timer);
    unsubscribe();
  };
}
