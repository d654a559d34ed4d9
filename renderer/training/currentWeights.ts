// "The current weights", one notion for the whole app: after a run has weights (finished, stopped
// or paused), every export, Try it and feature-map view uses them unless the user chose the
// initial ones (the project's stored weights, or the seeded random start the inspector shows).
// Each view says which, in the words this module gives.
import type { ProjectDocument } from '../../engine/index.ts';
import { hasWeights, type TrainingRun, type WeightsChoice } from './trainingState.ts';

export type CurrentWeights =
  { source: 'run'; runId: string; label: string } | { source: 'project'; label: string; stored: boolean };

interface WeightsState {
  training: TrainingRun;
  weightsChoice: WeightsChoice;
  doc: ProjectDocument;
}

/** Whether the followed run has weights to offer (the choice between them and the initial ones). */
export const runOffersWeights = (s: Pick<WeightsState, 'training'>): string | null =>
  s.training.runId && hasWeights(s.training) ? s.training.runId : null;

const hasStoredWeights = (doc: ProjectDocument) =>
  !!doc.weightsRef || Object.keys(doc.weights ?? {}).length > 0;

export function currentWeights(s: WeightsState): CurrentWeights {
  const runId = runOffersWeights(s);
  if (runId && s.weightsChoice === 'trained')
    return {
      source: 'run',
      runId,
      label: `the trained weights of run ${runId}${s.training.status === 'paused' ? ' (as of the pause)' : ''}`,
    };
  const stored = hasStoredWeights(s.doc);
  return {
    source: 'project',
    stored,
    label: stored
      ? 'the initial weights (stored in the project)'
      : 'the initial weights (seeded random start)',
  };
}
