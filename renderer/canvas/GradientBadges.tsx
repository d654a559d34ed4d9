// After each training epoch, a layer with parameters shows how strongly it is learning: its mean
// gradient norm and how far the epoch moved its weights (|ΔW|/|W|), coloured on a log scale so
// vanishing (dark) and exploding (yellow) layers stand out down the network.
import { formatSci, GRAD_SCALE, RATIO_SCALE, scaleColor } from '../training/gradientColor.ts';
import { lastEpoch } from '../training/curves.ts';
import { useApp } from '../state/appStore.ts';

export function GradientBadges({ id }: { id: string }) {
  const point = useApp((s) => lastEpoch(s.training));
  const grad = point?.gradNorms[id];
  if (!point || grad === undefined) return null;
  const ratio = point.updateRatios[id] ?? null;
  return (
    <div
      className="grad-badges"
      data-testid="grad-badges"
      data-grad-norm={grad ?? ''}
      data-update-ratio={ratio ?? ''}
      aria-label={`Epoch ${point.epoch}: gradient norm ${formatSci(grad)}, update ratio ${formatSci(ratio)}`}
    >
      <span
        className="grad-badge"
        style={grad === null ? undefined : scaleColor(grad, GRAD_SCALE)}
        title={`Mean L2 norm of this layer's parameter gradients in epoch ${point.epoch}`}
      >
        ∇ {formatSci(grad)}
      </span>
      <span
        className="grad-badge"
        style={ratio === null ? undefined : scaleColor(ratio, RATIO_SCALE)}
        title={`How far epoch ${point.epoch} moved the weights: |W after − W before| / |W after|`}
      >
        ΔW/W {formatSci(ratio)}
      </span>
    </div>
  );
}
