// The Training drawer outlives a reload of the page: its settings, whether it was open, the run
// it followed and the optimizer race it showed are kept in the tab's sessionStorage. After a
// reload the page follows that run and that race again (the host trained on meanwhile) with their
// curves so far, and the settings are the user's, not the defaults or the lesson's.
import { z } from 'zod';
import type { HostApi } from '../../protocol/hostApi.ts';
import type { RaceEntry } from '../../protocol/training.ts';
import {
  MAX_RACE_ENTRIES,
  raceEntrySchema,
  runIdSchema,
  trainingConfigSchema,
  trainingDatasetSchema,
} from '../../protocol/training.ts';
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
  /** The race the drawer showed: its contestants and their runs, in lane order. */
  race: z
    .object({
      entries: z.array(raceEntrySchema).max(MAX_RACE_ENTRIES),
      runIds: z.array(runIdSchema).max(MAX_RACE_ENTRIES),
    })
    .nullable()
    .optional(),
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
    const runIds = s.race?.lanes.map((l) => l.run.runId) ?? [];
    const session: TrainingSession = {
      setup: s.trainingSetup,
      open: s.trainingOpen,
      runId: s.training.runId,
      // Once the host has started every contestant (until then there is nothing to follow).
      race:
        s.race && runIds.length && runIds.every((id) => id !== null)
          ? { entries: s.race.lanes.map((l) => l.entry), runIds: runIds as string[] }
          : null,
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

type Attached = Awaited<ReturnType<HostApi['attachRun']>>;

/** The kept race's runs, attached together; null unless the host still holds every one. */
async function attachRace(
  host: HostApi,
  race: TrainingSession['race'],
): Promise<{ entry: RaceEntry; attached: Attached }[] | null> {
  if (!race || race.entries.length !== race.runIds.length) return null;
  const attached = await Promise.all(race.runIds.map((id) => host.attachRun(id).catch(() => null)));
  if (attached.some((a) => a === null)) return null;
  return race.entries.map((entry, i) => ({ entry, attached: attached[i]! }));
}

/**
 * After the page loads: the kept settings come back and, if the host still has the run and the
 * race this tab followed, the page follows them again. The network comes back with them: the
 * autosaved one (the newest edits) when recovery offers it, else the network they train.
 */
export async function restoreTrainingSession(store: AppStore, saved = savedTrainingSession()): Promise<void> {
  if (!saved) return;
  const { host } = store.getState();
  const [attached, race] = host
    ? await Promise.all([
        saved.runId ? host.attachRun(saved.runId).catch(() => null) : null,
        attachRace(host, saved.race),
      ])
    : [null, null];
  const network = attached?.document ?? race?.[0]?.attached.document;
  if (network) {
    if (store.getState().recovery) await acceptRecovery(store);
    else if (store.getState().doc.graph.nodes.length === 0)
      store.getState().actions.loadDocument(network, { saved: false });
  }
  const { actions } = store.getState();
  const setup = saved.setup as TrainingSetup;
  actions.setTrainingSetup(setup);
  actions.setTrainingOpen(saved.open);
  if (attached) actions.trainingAttached(attached);
  if (race) actions.raceAttached(race);
  if (network) return;
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
