// After each training epoch, a layer with parameters shows how strongly it is learning: its mean
// gradient norm and how far the epoch moved its weights (|ΔW|/|W|), coloured on a log scale so
// vanishing (dark) and exploding (yellow) layers stand out down the network. In Step through mode
// the badges show the stepped batch instead: its gradient norm and the move one plain SGD step at
// the panel's learning rate would make (lr·|∇|/|W|).
import type { StepNode } from '../../protocol/stepThrough.ts';
import { formatSci, GRAD_SCALE, RATIO_SCALE, scaleColor } from '../components/gradientColor.ts';
import { lastEpoch } from '../training/curves.ts';
import { useApp } from '../state/appStore.ts';
import { useStepStale, useStepThrough } from '../training/stepThrough/stepThrough.ts';

export interface Badges {
  grad: number | null;
  ratio: number | null;
  label: string;
  gradTitle: string;
  ratioTitle: string;
}

/** The stepped batch's badges of one node: null when the node has no trainable parameters. */
export function stepBadges(node: StepNode, lr: number): Badges | null {
  const trained = node.params.filter((p) => p.grad !== null);
  if (!trained.length) return null;
  const sq = (v: number | null) => (v === null ? NaN : v * v);
  const grad = Math.sqrt(trained.reduce((s, p) => s + sq(p.grad!.norm), 0));
  const weight = Math.sqrt(trained.reduce((s, p) => s + sq(p.value.norm), 0));
  const finite = (v: number) => (Number.isFinite(v) ? v : null);
  return {
    grad: finite(grad),
    ratio: weight > 0 ? finite((lr * grad) / weight) : null,
    label: 'This batch',
    gradTitle: "L2 norm of this layer's parameter gradients on the stepped batch",
    ratioTitle: `How far one plain SGD step at lr ${lr} would move the weights: lr·|∇| / |W|`,
  };
}

/** The badges of one node now: the stepped batch's in Step through, else the last epoch's. */
export function useBadges(id: string): Badges | null {
  const point = useApp((s) => lastEpoch(s.training));
  const stale = useStepStale();
  const stepping = useApp((s) => s.trainingOpen && s.trainingMode === 'step') && !stale;
  const lr = useApp((s) => s.trainingSetup.config.lr);
  const stepNode = useStepThrough((s) => (stepping ? s.summary?.nodes.find((n) => n.id === id) : undefined));
  let badges: Badges | null = null;
  if (stepNode) badges = stepBadges(stepNode, lr);
  else if (point && point.gradNorms[id] !== undefined)
    badges = {
      grad: point.gradNorms[id],
      ratio: point.updateRatios[id] ?? null,
      label: `Epoch ${point.epoch}`,
      gradTitle: `Mean L2 norm of this layer's parameter gradients in epoch ${point.epoch}`,
      ratioTitle: `How far epoch ${point.epoch} moved the weights: |W after − W before| / |W after|`,
    };
  return badges;
}

export function GradientBadges({ id }: { id: string }) {
  const badges = useBadges(id);
  if (!badges) return null;
  const { grad, ratio } = badges;
  return (
    <div
      className="grad-badges"
      data-testid="grad-badges"
      data-grad-norm={grad ?? ''}
      data-update-ratio={ratio ?? ''}
      aria-label={`${badges.label}: gradient norm ${formatSci(grad)}, update ratio ${formatSci(ratio)}`}
    >
      <span
        className="grad-badge"
        style={grad === null ? undefined : scaleColor(grad, GRAD_SCALE)}
        title={badges.gradTitle}
      >
        ∇ {formatSci(grad)}
      </span>
      <span
        className="grad-badge"
        style={ratio === null ? undefined : scaleColor(ratio, RATIO_SCALE)}
        title={badges.ratioTitle}
      >
        ΔW/W {formatSci(ratio)}
      </span>
    </div>
  );
}
