// What the Training panel's buttons do: start and stop a run on the host, export or keep what it
// learned, and ask for a prediction. Errors become notices; the run's state lives in the store.
import type { Prediction, RaceEntry } from '../../protocol/training.ts';
import { raceActive } from './race/race.ts';
import { saveDownload } from '../components/hostFiles.ts';
import { appStore } from '../state/appStore.ts';
import type { AppStore } from '../state/store.ts';
import { hasWeights, isActive } from './trainingState.ts';
import { documentSource } from '../inspector/weightValues.ts';
import { currentWeights } from './currentWeights.ts';

const state = () => appStore.getState();
const fail = (what: string, e: unknown, runId?: string | null) => {
  if (runId && isGone(e)) state().actions.runGone(runId);
  state().actions.notify('error', `${what}: ${(e as Error).message}`);
};

/** The host's answer for a run it no longer holds. */
export const isGone = (e: unknown) => (e as { code?: unknown } | null)?.code === 'not-found';

export async function startTraining(): Promise<void> {
  const { host, doc, trainingSetup, training, actions } = state();
  if (!host) return actions.notify('error', 'Training runs in the Netwright host, which is not connected.');
  if (isActive(training.status)) return;
  actions.trainingRequested(trainingSetup.config);
  try {
    const info = await host.startTraining({
      document: doc,
      dataset: trainingSetup.dataset,
      config: trainingSetup.config,
    });
    actions.trainingStarted(info);
  } catch (e) {
    actions.trainingRejected((e as Error).message);
  }
}

/** The optimizer race: the shared setup, one contestant per entry. */
export async function startRace(entries: readonly RaceEntry[]): Promise<void> {
  const { host, doc, trainingSetup, training, race, actions } = state();
  if (!host) return actions.notify('error', 'Training runs in the Netwright host, which is not connected.');
  if (isActive(training.status) || raceActive(race)) return;
  actions.raceRequested(entries, trainingSetup.config);
  try {
    const result = await host.startRace({
      document: doc,
      dataset: trainingSetup.dataset,
      config: trainingSetup.config,
      entries: [...entries],
    });
    actions.raceStarted(result);
  } catch (e) {
    actions.raceRejected((e as Error).message);
  }
}

export async function stopRace(): Promise<void> {
  const { host, race } = state();
  if (!host || !race) return;
  await Promise.all(
    race.lanes
      .filter((l) => l.run.runId && isActive(l.run.status))
      .map((l) => host.stopTraining(l.run.runId!).catch((e) => fail('Could not stop the race', e))),
  );
}

export async function stopTraining(): Promise<void> {
  const { host, training, actions } = state();
  if (!host || !training.runId || (training.status !== 'running' && training.status !== 'paused')) return;
  actions.trainingStopping();
  await host.stopTraining(training.runId).catch((e) => fail('Could not stop the run', e));
}

/** Pauses or resumes the followed run; the host's 'paused'/'resumed' events update the state. */
export async function setTrainingPaused(paused: boolean): Promise<void> {
  const { host, training } = state();
  if (!host || !training.runId) return;
  const call = paused ? host.pauseTraining(training.runId) : host.resumeTraining(training.runId);
  await call.catch((e) => fail(paused ? 'Could not pause the run' : 'Could not resume the run', e));
}

/** A race pauses and resumes as one: the host shares one pause between its runs. */
export async function setRacePaused(paused: boolean): Promise<void> {
  const { host, race } = state();
  const lane = race?.lanes.find((l) => l.run.runId && isActive(l.run.status));
  if (!host || !lane) return;
  const id = lane.run.runId!;
  const call = paused ? host.pauseTraining(id) : host.resumeTraining(id);
  await call.catch((e) => fail(paused ? 'Could not pause the race' : 'Could not resume the race', e));
}

export async function exportTrainedOnnx(): Promise<void> {
  const { host, training } = state();
  if (!host || !training.runId || !hasWeights(training)) return;
  try {
    const file = await host.exportTrainedOnnx(training.runId);
    await saveDownload(host, file.transfer, file.fileName);
  } catch (e) {
    fail('Could not export the trained model', e, training.runId);
  }
}

/** Stores the trained weights in the project (one undo step), so Save keeps them. */
export async function keepTrainedWeights(): Promise<void> {
  const { host, training, actions } = state();
  if (!host || !training.runId || !hasWeights(training)) return;
  try {
    // A large model's weights stay on the host, and the document names them (no base64 in it).
    const kept = await host.keepTrainedWeights(training.runId);
    const doc = { ...state().doc };
    delete doc.weights;
    delete doc.weightsRef;
    actions.editDocument({ ...doc, ...kept });
    actions.notify('info', 'The trained weights are now part of the project; Save keeps them.');
  } catch (e) {
    fail('Could not keep the weights', e, training.runId);
  }
}

/** Class probabilities for one sample, with the current weights (currentWeights.ts). */
export async function predict(values: number[]): Promise<Prediction | null> {
  const { host } = state();
  if (!host) return null;
  const weights = currentWeights(state());
  const source = weights.source === 'run' ? { runId: weights.runId } : documentSource(state());
  try {
    return await host.predict(source, { data: values });
  } catch (e) {
    if ('runId' in source && isGone(e)) state().actions.runGone(source.runId);
    throw e;
  }
}

/** The runs the page shows: the followed run and the race's contestants. */
const shownRuns = (s: ReturnType<AppStore['getState']>) =>
  [s.training.runId, ...(s.race?.lanes.map((l) => l.run.runId) ?? [])].filter((id): id is string => !!id);

/**
 * Tells the host which runs this page shows, whenever that changes, so it keeps them (a race
 * started after a run must not take that run's weights away); `client` names this page load.
 */
function retainShownRuns(store: AppStore, client: string): void {
  let last = '';
  store.subscribe((s) => {
    const ids = shownRuns(s);
    const key = ids.join();
    if (key === last || !s.host || s.hostStatus.state !== 'connected') return;
    last = key;
    void s.host.retainRuns({ client, runIds: ids }).catch(() => undefined);
  });
}

/**
 * When a followed run or race is replaced (a new document, a new run) while active, stop it on
 * the host; and keep the host holding every run the page shows.
 */
export function followTrainingRuns(store: AppStore, client = crypto.randomUUID()): void {
  retainShownRuns(store, client);
  store.subscribe((s, prev) => {
    const old = prev.training;
    const runs = [old, ...(prev.race && prev.race !== s.race ? prev.race.lanes.map((l) => l.run) : [])];
    const kept = new Set([s.training.runId, ...(s.race?.lanes.map((l) => l.run.runId) ?? [])]);
    for (const r of runs)
      if (r.runId && !kept.has(r.runId) && isActive(r.status))
        void s.host?.stopTraining(r.runId).catch(() => undefined);
  });
}
