// The one control that picks the current weights (currentWeights.ts) once a run has some; shown
// wherever weights are used, so each place can switch and all follow.
import { useApp } from '../state/appStore.ts';
import { currentWeights, runOffersWeights } from './currentWeights.ts';
import type { WeightsChoice } from './trainingState.ts';

export function WeightsChoiceField() {
  const runId = useApp(runOffersWeights);
  const choice = useApp((s) => s.weightsChoice);
  const setChoice = useApp((s) => s.actions.setWeightsChoice);
  if (!runId) return null;
  return (
    <label className="weights-choice">
      Weights{' '}
      <select value={choice} onChange={(e) => setChoice(e.target.value as WeightsChoice)}>
        <option value="trained">trained (run {runId})</option>
        <option value="initial">initial</option>
      </select>
    </label>
  );
}

/** "With the trained weights of run …" / "With the initial weights …", as the views say it. */
export function useCurrentWeightsLabel(): string {
  return useApp((s) => currentWeights(s).label);
}
