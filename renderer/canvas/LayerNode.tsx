// The one node component for every layer type: its look comes from the layer's category, its
// numbers from the analysis, its ports from the layer's input spec. Zoomed out (a big network at
// fit-to-view), it draws as a compact block: its category colour, its name and one key figure in
// type large enough to read at that zoom — the gradient norm while training, else the shape.
import type { NodeProps } from '@xyflow/react';
import type { CSSProperties } from 'react';
import { memo } from 'react';
import type { NodeAnalysis, Shape } from '../../engine/index.ts';
import { formatShape, getLayer } from '../../engine/index.ts';
import { formatCompact, formatCount, formatReceptiveField } from '../components/format.ts';
import { formatSci, GRAD_SCALE, scaleColor } from '../components/gradientColor.ts';
import { useHidden } from '../lessons/GuessField.tsx';
import { revealKey } from '../lessons/predict.ts';
import { useRevealed } from '../lessons/reveals.ts';
import type { Overlay } from '../state/store.ts';
import { GradientBadges } from './GradientBadges.tsx';
import { categoryColor } from './layerStyle.ts';
import { inputPortCount } from './ports.ts';
import { InputPorts, OutputPort } from './Port.tsx';
import type { LayerFlowNode } from './projection.ts';
import { useLayerView, useLevelOfDetail } from './useLayerView.ts';

/** "64×56×56": a shape without its batch axis, short enough to read from afar. */
export function shortShape(shape: Shape | null | undefined): string {
  if (!shape) return '?';
  return shape.slice(1).join('×') || formatShape(shape);
}

/** "64": far out, a shape's channel (or feature) count is all the tile has room for. */
export function channelCount(shape: Shape | null | undefined): string {
  if (!shape) return '?';
  return shape.length > 1 ? String(shape[1]) : formatShape(shape);
}

/** The key figure's length, so CSS can shrink a long one to fit its tile rather than cut it. */
export const figureChars = (text: string) => ({ '--chars': [...text].length }) as CSSProperties;

/** A gradient norm in the few characters a far-out tile can show: its order of magnitude, "1e-4". */
export const magnitude = (v: number) => (v > 0 ? `1e${Math.round(Math.log10(v))}` : formatSci(v));

/** The layer's name as the canvas shows it: an opaque ONNX node says which operator it is. */
export function typeLabel(type: string, attributes: Record<string, unknown>): string {
  const def = getLayer(type);
  return def?.opLabel?.(attributes as never) ?? type;
}

/** A compact node's one figure: the gradient norm while training, else a problem or the shape. */
function keyFigure(
  grad: number | null,
  far: boolean,
  hasErrors: boolean,
  shapeHidden: boolean,
  shape: Shape | null | undefined,
): string {
  if (grad !== null) return far ? magnitude(grad) : `∇ ${formatSci(grad)}`;
  if (hasErrors) return '⚠ problem';
  if (shapeHidden) return '?';
  // Far out only the channel count fits a tile legibly.
  return far ? channelCount(shape) : shortShape(shape);
}

/** The numbers under a node's name, each shown when its overlay is on ("?" while a lesson hides it). */
function NodeStats({
  info,
  overlays,
  hidden,
}: {
  info: NodeAnalysis | undefined;
  overlays: Record<Overlay, boolean>;
  hidden: readonly string[];
}) {
  const rf = info ? formatReceptiveField(info.receptiveField) : null;
  return (
    <div className="layer-node__stats">
      {overlays.shape && (
        <div className="stat stat--shape" data-testid="shape">
          {hidden.includes('shape') ? '?' : formatShape(info?.outputShape)}
        </div>
      )}
      {overlays.params && info && (info.params > 0 || hidden.includes('params')) && (
        <div className="stat" data-testid="params">
          {hidden.includes('params') ? '?' : formatCount(info.params)} params
        </div>
      )}
      {overlays.macs && info && (info.macs > 0 || hidden.includes('macs')) && (
        <div className="stat" data-testid="macs">
          {hidden.includes('macs') ? '?' : formatCompact(info.macs)} MACs
        </div>
      )}
      {overlays.rf && rf && (
        <div className="stat" data-testid="rf">
          {hidden.includes('rf') ? 'RF ?' : rf}
        </div>
      )}
    </div>
  );
}

function LayerNodeView({ id, selected }: NodeProps<LayerFlowNode>) {
  const { node, info, overlays, connected, direction, stepPhase, badges } = useLayerView(id);
  // A lesson's hidden quantities stay "?" on a node until the student has revealed them there.
  const revealed = useRevealed();
  const hidden = useHidden().filter((q) => !revealed.has(revealKey(id, q)));
  const lod = useLevelOfDetail();
  const compact = lod !== 'full';
  const far = lod === 'far';
  if (!node) return null;
  const def = getLayer(node.type);
  const errors = info?.diagnostics.filter((d) => d.severity === 'error') ?? [];
  const warnings = info?.diagnostics.filter((d) => d.severity === 'warning') ?? [];
  const status = errors.length ? 'error' : warnings.length ? 'warning' : 'ok';
  const ports = inputPortCount(node.type, connected);
  const style = { '--cat': categoryColor[def?.category ?? 'other'] } as CSSProperties;
  const label = typeLabel(node.type, node.attributes);
  // What the compact and the full node both say about themselves.
  const root = {
    'data-status': status,
    'data-selected': selected || undefined,
    'data-step': stepPhase ?? undefined,
    'data-frozen': node.frozen || undefined,
    role: 'group',
    'aria-label': `${node.name} (${label})`,
  };
  const inputs = <InputPorts nodeId={id} count={ports} direction={direction} />;
  const output = <OutputPort nodeId={id} direction={direction} />;

  if (compact) {
    const grad = badges?.grad ?? null;
    const figure = keyFigure(grad, far, errors.length > 0, hidden.includes('shape'), info?.outputShape);
    // While training, the whole tile takes the gradient's colour: legible even as a speck.
    const tile = grad === null ? style : { ...style, ...scaleColor(grad, GRAD_SCALE) };
    return (
      <div className="layer-node layer-node--compact" {...root} data-grad={grad ?? undefined} style={tile}>
        {inputs}
        {/* Far out only the figure is drawn (a big network opens there, hundreds of tiles at once). */}
        {!far && (
          <div className="layer-node__compact-name" title={`${node.name} (${label})`}>
            {node.name}
          </div>
        )}
        <div className="layer-node__figure" data-testid="key-figure" style={figureChars(figure)}>
          {figure}
        </div>
        {output}
      </div>
    );
  }

  return (
    <div className="layer-node" {...root} style={style}>
      {inputs}
      {stepPhase && (
        <span className="layer-node__step-tag">{stepPhase === 'forward' ? 'forward ▼' : 'backward ▲'}</span>
      )}
      <div className="layer-node__header">
        <span className="layer-node__name" title={node.name}>
          {node.name}
        </span>
        <span className="layer-node__type" title={def?.torch ?? label}>
          {label}
        </span>
        {node.frozen && (
          <span className="layer-node__frozen" title="Frozen: its weights don't train">
            frozen
          </span>
        )}
      </div>
      <NodeStats info={info} overlays={overlays} hidden={hidden} />
      <GradientBadges badges={badges} />
      {errors.length + warnings.length > 0 && (
        // A callout beside the node, so a long message never covers the next layer down.
        <div className="layer-node__diagnostics">
          {[...errors, ...warnings].map((d, i) => (
            <p key={i} className="layer-node__diagnostic" data-severity={d.severity}>
              {d.message}
            </p>
          ))}
        </div>
      )}
      {output}
    </div>
  );
}

/**
 * Re-rendered only when its id or selection changes: everything else it shows comes from the
 * stores. React Flow's other props (its measured size, its place while dragged) change when a
 * node is first measured and on every frame of its drag, and each re-rendered it for nothing.
 */
export const LayerNode = memo(
  LayerNodeView,
  (before: NodeProps<LayerFlowNode>, after: NodeProps<LayerFlowNode>) =>
    before.id === after.id && before.selected === after.selected,
);
