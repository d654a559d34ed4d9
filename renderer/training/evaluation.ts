// The followed run measured on its test set (host evaluateRun), asked once per state of its
// weights — a new epoch, a pause, the end — and shared by whoever shows it: the confusion matrix,
// and the headline when a run stopped between epochs (its last epoch's figure is then not what
// the weights do now).
import { useEffect } from 'react';
import { useStore } from 'zustand';
import { createStore } from 'zustand/vanilla';
import type { Evaluation } from '../../protocol/evaluation.ts';
import { appStore, useApp } from '../state/appStore.ts';
import { isGone } from './flows.ts';
import type { TrainingRun } from './trainingState.ts';
import { hasWeights, isActive } from './trainingState.ts';

/** Misclassified examples fetched with the matrix: two rows of the drawer on a projector. */
export const EVALUATION_EXAMPLES = 16;

export type EvaluationAnswer = { key: string; e: Evaluation } | { key: string; error: string };

interface EvaluationState {
  /** The key asked for last; an answer for another key is dropped. */
  asked: string | null;
  answer: EvaluationAnswer | null;
}

export const evaluationStore = createStore<EvaluationState>(() => ({ asked: null, answer: null }));

/** Names the run's current weights: a new key means other weights, so a new measurement. */
export function evaluationKey(run: TrainingRun): string | null {
  const lastEpoch = run.epochs.reduce((m, e) => Math.max(m, e.epoch), 0);
  const ready = run.runId !== null && (hasWeights(run) || (isActive(run.status) && lastEpoch > 0));
  return ready ? `${run.runId}|${lastEpoch}|${run.status}` : null;
}

function request(key: string, runId: string): void {
  const { host } = appStore.getState();
  if (!host || evaluationStore.getState().asked === key) return;
  evaluationStore.setState({ asked: key });
  const settle = (answer: EvaluationAnswer) => {
    if (evaluationStore.getState().asked === key) evaluationStore.setState({ answer });
  };
  host.evaluateRun(runId, { examples: EVALUATION_EXAMPLES }).then(
    (e) => settle({ key, e }),
    (err: Error) => {
      if (isGone(err)) appStore.getState().actions.runGone(runId);
      settle({ key, error: err.message });
    },
  );
}

/**
 * The followed run's latest evaluation. A stale answer (an earlier epoch of the same run) stays
 * up until the new one arrives; `waiting` says one is on its way.
 */
export function useRunEvaluation(): {
  current: EvaluationAnswer | null;
  key: string | null;
  waiting: boolean;
} {
  const run = useApp((s) => s.training);
  const hasHost = useApp((s) => s.host !== null);
  const key = evaluationKey(run);
  const answer = useStore(evaluationStore, (s) => s.answer);
  useEffect(() => {
    if (key && run.runId && hasHost) request(key, run.runId);
  }, [key, run.runId, hasHost]);
  const sameRun = answer && key && answer.key.split('|')[0] === key.split('|')[0];
  const current = sameRun ? answer : null;
  return { current, key, waiting: current?.key !== key };
}
