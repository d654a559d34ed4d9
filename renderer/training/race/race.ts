// The optimizer race as the panel follows it: one lane per contestant, each an ordinary
// TrainingRun built from that run's events (see training.ts). Pure functions, held by the store.
import type {
  AttachedRun,
  RaceEntry,
  StartRaceResult,
  TrainingConfig,
  TrainingEventMessage,
} from '../../../protocol/training.ts';
import type { TrajectoryPoint } from './trajectory.ts';
import { decodePoint } from './trajectory.ts';
import type { TrainingRun } from '../trainingState.ts';
import { isActive, receiveTrainingMessage, runReplayed, runRequested, runStarted } from '../trainingState.ts';

export interface RaceLane {
  entry: RaceEntry;
  run: TrainingRun;
}

export interface RaceState {
  lanes: RaceLane[];
  /** Set while the host has not answered yet; events that arrive meanwhile wait in `early`. */
  starting: boolean;
  message: string | null;
  early: TrainingEventMessage[];
  /**
   * Every contestant's parameter snapshots in the order they arrived (so the Gram matrix of the
   * trajectory view only grows), and whether the host sketched them (else they are exact).
   */
  trajectory: TrajectoryPoint[];
  sketched: boolean;
}

export function raceRequested(entries: readonly RaceEntry[], config: TrainingConfig): RaceState {
  return {
    lanes: entries.map((entry) => ({
      entry,
      run: runRequested({ ...config, optimizer: entry.optimizer, lr: entry.lr }),
    })),
    starting: true,
    message: null,
    early: [],
    trajectory: [],
    sketched: false,
  };
}

/**
 * A race followed again after a reload, each lane from its run's events so far. The host keeps
 * no trajectory points (runs.ts), so the trajectory view starts again from the next snapshot.
 */
export function raceReplayed(
  lanes: readonly { entry: RaceEntry; attached: AttachedRun }[],
  now: number,
): RaceState {
  return {
    lanes: lanes.map(({ entry, attached }) => ({ entry, run: runReplayed(attached, now) })),
    starting: false,
    message: null,
    early: [],
    trajectory: [],
    sketched: false,
  };
}

export function raceStarted(race: RaceState, result: StartRaceResult, now: number): RaceState {
  const { runs, ...info } = result;
  let next: RaceState = {
    ...race,
    starting: false,
    early: [],
    lanes: race.lanes.map((lane, i) => ({
      ...lane,
      run: runStarted(lane.run, { ...info, runId: runs[i].runId }, now),
    })),
  };
  for (const m of race.early) next = receiveRaceMessage(next, m, now);
  return next;
}

/** Applies a message to the lane whose run it belongs to; the same race back when none does. */
export function receiveRaceMessage(race: RaceState, m: TrainingEventMessage, now: number): RaceState {
  if (race.starting) return { ...race, early: [...race.early, m] };
  const i = race.lanes.findIndex((l) => l.run.runId === m.runId);
  if (i < 0) return race;
  const e = m.event;
  if (e.event === 'trajectory') {
    const values = decodePoint(e.point);
    if (!values) return race; // a diverging step; the run's end says so
    const point = { lane: i, step: e.step, epoch: e.epoch, values };
    return { ...race, trajectory: [...race.trajectory, point], sketched: e.sketched };
  }
  const lanes = race.lanes.slice();
  lanes[i] = { ...lanes[i], run: receiveTrainingMessage(lanes[i].run, m, now) };
  return { ...race, lanes };
}

export const raceActive = (race: RaceState | null) =>
  !!race && (race.starting || race.lanes.some((l) => isActive(l.run.status)));

export function raceRejected(race: RaceState, message: string, now: number): RaceState {
  return {
    ...race,
    starting: false,
    message,
    lanes: race.lanes.map((l) => ({ ...l, run: { ...l.run, status: 'failed', finishedAt: now } })),
  };
}
