// The store's training actions: the panel and lesson toggles, the setup being edited, and the
// followed run's life cycle (requested -> started -> events -> finished). store.ts spreads these
// into its one actions object.
import type {
  AttachedRun,
  RaceEntry,
  StartRaceResult,
  StartTrainingResult,
  TrainingConfig,
  TrainingEventMessage,
  TrainingEventsMessage,
} from '../../protocol/training.ts';
import { raceRejected, raceReplayed, raceRequested, raceStarted, receiveRaceMessage } from './race/race.ts';
import type { GetState, SetState } from '../state/storeApi.ts';
import type { TrainingMode, TrainingSetup, TrainingState, WeightsChoice } from './trainingState.ts';
import {
  defaultSetup,
  idleRun,
  receiveTrainingMessage,
  runReplayed,
  runRequested,
  runStarted,
} from './trainingState.ts';

export interface TrainingActions {
  setTrainingOpen(open: boolean): void;
  setTrainingMode(mode: TrainingMode): void;
  raceRequested(entries: readonly RaceEntry[], config: TrainingConfig): void;
  raceStarted(result: StartRaceResult): void;
  raceRejected(message: string): void;
  setTrainingSetup(setup: TrainingSetup): void;
  trainingRequested(config: TrainingConfig): void;
  trainingStarted(info: StartTrainingResult): void;
  /** The host refused to start (busy, the network does not fit the data, ...). */
  trainingRejected(message: string): void;
  trainingStopping(): void;
  receiveTraining(message: TrainingEventMessage): void;
  /** Several runs' events in arrival order, applied as one change (one redraw). */
  receiveTrainingBatches(batches: readonly TrainingEventsMessage[]): void;
  /** The host no longer holds this run (its reply said 'not-found'). */
  runGone(runId: string): void;
  /** Follows a run again after a reload (trainingSession.ts). */
  trainingAttached(attached: AttachedRun): void;
  /** Follows a race again after a reload, with the drawer on the race (trainingSession.ts). */
  raceAttached(lanes: readonly { entry: RaceEntry; attached: AttachedRun }[]): void;
  setLessonOpen(open: boolean): void;
  setWeightsChoice(choice: WeightsChoice): void;
}

export const initialTraining: TrainingState = {
  trainingOpen: false,
  weightsChoice: 'trained',
  trainingMode: 'single',
  race: null,
  trainingSetup: defaultSetup,
  training: idleRun,
  lessonOpen: false,
};

export function trainingActions(set: SetState, get: GetState): TrainingActions {
  const receiveBatches = (batches: readonly TrainingEventsMessage[]) => {
    const now = Date.now();
    let { race, training } = get();
    for (const { runId, events } of batches)
      for (const event of events) {
        const message = { runId, event };
        const raced = race && receiveRaceMessage(race, message, now);
        if (raced && raced !== race) race = raced;
        else training = receiveTrainingMessage(training, message, now);
      }
    if (race !== get().race || training !== get().training) set({ race, training });
  };
  return {
    setTrainingOpen: (trainingOpen) => set({ trainingOpen }),
    setTrainingMode: (trainingMode) => set({ trainingMode }),
    raceRequested: (entries, config) => set({ race: raceRequested(entries, config) }),
    raceStarted: (result) => {
      const race = get().race;
      if (race) set({ race: raceStarted(race, result, Date.now()) });
    },
    raceRejected: (message) => {
      const race = get().race;
      if (race) set({ race: raceRejected(race, message, Date.now()) });
    },
    setTrainingSetup: (trainingSetup) => set({ trainingSetup }),
    // A new run's weights are what the user trains for: they become the current ones when it ends.
    trainingRequested: (config) => set({ training: runRequested(config), weightsChoice: 'trained' }),
    trainingStarted: (info) => set({ training: runStarted(get().training, info, Date.now()) }),
    trainingRejected: (message) =>
      set((s) => ({ training: { ...s.training, status: 'failed', message, finishedAt: Date.now() } })),
    trainingStopping: () =>
      set((s) =>
        s.training.status === 'running' || s.training.status === 'paused'
          ? { training: { ...s.training, status: 'stopping' } }
          : {},
      ),
    receiveTraining: (message) => receiveBatches([{ runId: message.runId, events: [message.event] }]),
    receiveTrainingBatches: (batches) => receiveBatches(batches),
    runGone: (runId) =>
      set((s) => ({
        training: s.training.runId === runId ? { ...s.training, gone: true } : s.training,
        race: s.race && {
          ...s.race,
          lanes: s.race.lanes.map((l) =>
            l.run.runId === runId ? { ...l, run: { ...l.run, gone: true } } : l,
          ),
        },
      })),
    trainingAttached: (attached) => set({ training: runReplayed(attached, Date.now()), race: null }),
    raceAttached: (lanes) => set({ race: raceReplayed(lanes, Date.now()), trainingMode: 'race' }),
    setLessonOpen: (lessonOpen) => set({ lessonOpen }),
    setWeightsChoice: (weightsChoice) => set({ weightsChoice }),
  };
}
