// The Training drawer outlives a reload of the page: its settings, whether it was open and the run
// it followed are kept in the tab's sessionStorage. After a reload the page follows that run again
// (the host trained on meanwhile) with its curves so far, and the settings are the user's, not the
// defaults or the lesson's.
import { z } from 'zod';
import { runIdSchema, trainingConfigSchema, trainingDatasetSchema } from '../../protocol/training.ts';
import { acceptRecovery } from '../app/autosave.ts';
import type { AppStore } from '../state/store.ts';
import { LOSS_SOURCES, type TrainingSetup } from './trainingState.ts';

const KEY = 'netwright.training';

const sessionSchema = z.object({
  setup: z.object({
    dataset: trainingDatasetSchema,
    config: trainingConfigSchema,
    lossSource: z.enum(LOSS_SOURCES).optional(),
  }),
  open: z.boolean(),
  runId: runIdSchema.nullable(),
});
type TrainingSession = z.infer<typeof sessionSchema>;

/** What this tab kept before the reload; null when nothing (or something unreadable) was kept. */
export function savedTrainingSession(): TrainingSession | null {
  try {
    const parsed = sessionSchema.safeParse(JSON.parse(sessionStorage.getItem(KEY) ?? 'null'));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Keeps the drawer's settings, its state and the followed run in the tab as they change. */
export function keepTrainingSession(store: AppStore): void {
  let last = '';
  store.subscribe((s) => {
    const session: TrainingSession = {
      setup: s.trainingSetup,
      open: s.trainingOpen,
      runId: s.training.runId,
    };
    const text = JSON.stringify(session);
    if (text === last) return;
    last = text;
    try {
      sessionStorage.setItem(KEY, text);
    } catch {
      // storage full or disabled: a reload then starts from the defaults, nothing else is lost
    }
  });
}

/**
 * After the page loads: the kept settings come back and, if the host still has the run this tab
 * followed, the page follows it again. The network comes back with it: the autosaved one (the
 * newest edits) when recovery offers it, else the network the run trains.
 */
export async function restoreTrainingSession(store: AppStore, saved = savedTrainingSession()): Promise<void> {
  if (!saved) return;
  const { host } = store.getState();
  const attached = saved.runId && host ? await host.attachRun(saved.runId).catch(() => null) : null;
  if (attached) {
    if (store.getState().recovery) await acceptRecovery(store);
    else if (store.getState().doc.graph.nodes.length === 0)
      store.getState().actions.loadDocument(attached.document, { saved: false });
  }
  const { actions } = store.getState();
  const setup = saved.setup as TrainingSetup;
  actions.setTrainingSetup(setup);
  actions.setTrainingOpen(saved.open);
  if (attached) return actions.trainingAttached(attached);
  // Recovering the document later brings its lesson's settings: the user's own come back after it.
  if (!store.getState().recovery) return;
  const unsubscribe = store.subscribe((s) => {
    if (s.recovery) return;
    unsubscribe();
    s.actions.setTrainingSetup(setup);
  });
}

/** Restores what the tab kept (once the host answered about recovery), then keeps it up to date. */
export function followTrainingSession(store: AppStore, recoveryChecked: Promise<void>): void {
  const saved = savedTrainingSession();
  void recoveryChecked
    .then(() => restoreTrainingSession(store, saved))
    .catch(() => undefined)
    .finally(() => keepTrainingSession(store));
}
