// Truncated backpropagation through time, for networks with a recurrent layer: a checkbox that
// trains on windows of the Input's length from streams, carrying the state, and the cost of one
// update: the train step's FLOPs (engine trainStepFlops) for the batch, and once a run has
// finished an epoch, its measured time per update.
import { useEffect } from 'react';
import { getLayer, trainStepFlops } from '../../engine/index.ts';
import type { TrainingConfig } from '../../protocol/training.ts';
import { useApp } from '../state/appStore.ts';

interface Props {
  config: TrainingConfig;
  update(c: Partial<TrainingConfig>): void;
}

const formatFlops = (f: number) =>
  f >= 1e9 ? `${(f / 1e9).toFixed(2)} GFLOPs` : `${(f / 1e6).toFixed(1)} MFLOPs`;

export function TruncationField({ config, update }: Props) {
  const graph = useApp((s) => s.doc.graph);
  const msPerUpdate = useApp((s) => s.training.msPerUpdate);
  const recurrent = graph.nodes.some((n) => getLayer(n.type)?.carriesState);
  const inputs = graph.nodes.filter((n) => n.type === 'Input');
  const shape = inputs.length === 1 ? inputs[0].attributes.shape : null;
  const window = Array.isArray(shape) && typeof shape[0] === 'number' ? shape[0] : null;
  // τ follows the Input; a network without a recurrent layer trains without truncation.
  const wanted = recurrent && window !== null && config.tbptt !== undefined ? window : undefined;
  useEffect(() => {
    if (config.tbptt !== wanted) update({ tbptt: wanted });
  });
  if (!recurrent) return null;
  let flops: number | null = null;
  try {
    flops = trainStepFlops(graph).flopsPerSample * config.batchSize;
  } catch {
    // A network with errors has no cost yet; its nodes say what is wrong.
  }
  return (
    <div className="training-truncation" data-testid="tbptt">
      {window !== null && (
        <label className="training-check">
          <input
            type="checkbox"
            checked={config.tbptt !== undefined}
            onChange={(e) => update({ tbptt: e.target.checked ? window : undefined })}
          />
          <span>
            <span>Truncate BPTT</span> at {window} steps
          </span>
          <small className="field-help">
            Truncated backpropagation through time: the text is cut into {config.batchSize} long streams, one
            per batch row, and each update trains on the next window of {window} steps of every stream. The
            recurrent state carries over from the stream’s previous window, but no gradient flows back into
            it, so an update costs the same however long the streams are. τ is the Input’s length: change the
            Input to change it.
          </small>
        </label>
      )}
      <p className="training-memory" data-testid="update-cost">
        Cost per update: <strong>{flops === null ? '–' : formatFlops(flops)}</strong>
        {msPerUpdate !== null && <strong> · {msPerUpdate.toFixed(1)} ms</strong>}
        <small className="field-help">
          Forward and backward of one batch of {config.batchSize} windows of {window ?? '?'} steps (2 × the
          multiply-adds){msPerUpdate !== null ? ', and the last run’s measured time per update' : ''}. Full
          BPTT on longer sequences costs more per update, in proportion to their length.
        </small>
      </p>
    </div>
  );
}
