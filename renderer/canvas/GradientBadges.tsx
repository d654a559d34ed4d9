// After each training epoch, a layer with parameters shows how strongly it is learning: its mean
// gradient norm and how far the epoch moved its weights (|ΔW|/|W|), coloured on a log scale so
// vanishing (dark) and exploding (yellow) layers stand out down the network. In Step through mode
// the badges show the stepped batch instead: its gradient norm and the move one plain SGD step at
// the panel's learning rate would make (lr·|∇|/|W|).
import type { StepNode, StepThroughSummary } from '../../protocol/stepThrough.ts';
import { formatSci, GRAD_SCALE, RATIO_SCALE, scaleColor } from '../components/gradientColor.ts';

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

/** What the badges of one node are drawn from, as a node's store selectors pick it out. */
export interface BadgeSource {
  /** The stepped batch's record of the node, in Step through mode. */
  stepNode: StepNode | undefined;
  lr: number;
  /** The last finished epoch's number and the node's figures in it (primitives: cheap to compare). */
  epoch: number | undefined;
  epochGrad: number | null | undefined;
  epochRatio: number | null | undefined;
}

/** The badges of one node now: the stepped batch's in Step through, else the last epoch's. */
export function badgesOf(b: BadgeSource): Badges | null {
  if (b.stepNode) return stepBadges(b.stepNode, b.lr);
  if (b.epoch === undefined || b.epochGrad === undefined) return null;
  return {
    grad: b.epochGrad,
    ratio: b.epochRatio ?? null,
    label: `Epoch ${b.epoch}`,
    gradTitle: `Mean L2 norm of this layer's parameter gradients in epoch ${b.epoch}`,
    ratioTitle: `How far epoch ${b.epoch} moved the weights: |W after − W before| / |W after|`,
  };
}

const stepIndexes = new WeakMap<StepThroughSummary, Map<string, StepNode>>();

/** A node's record in a stepped batch, by a lookup table built once per batch. */
export function stepNodeOf(summary: StepThroughSummary | null, id: string): StepNode | undefined {
  if (!summary) return undefined;
  let index = stepIndexes.get(summary);
  if (!index) stepIndexes.set(summary, (index = new Map(summary.nodes.map((n) => [n.id, n]))));
  return index.get(id);
}

export function GradientBadges({ badges }: { badges: Badges | null }) {
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
