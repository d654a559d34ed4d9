// The one node component for every layer type: its look comes from the layer's category, its
// numbers from the analysis, its ports from the layer's input spec.
import { Handle, Position } from '@xyflow/react';
import type { NodeProps } from '@xyflow/react';
import type { CSSProperties } from 'react';
import { memo } from 'react';
import { formatShape, getLayer } from '../../engine/index.ts';
import { formatCompact, formatCount, formatReceptiveField } from '../components/format.ts';
import { useHidden } from '../lessons/GuessField.tsx';
import { revealKey } from '../lessons/predict.ts';
import { useRevealed } from '../lessons/reveals.ts';
import { selectAnalysis, useApp } from '../state/appStore.ts';
import { incomingCount, nodeOf } from '../state/graphIndex.ts';
import { stepPhaseAt, useStepStale, useStepThrough } from '../training/stepThrough/stepThrough.ts';
import { GradientBadges } from './GradientBadges.tsx';
import { categoryColor } from './layerStyle.ts';
import { inHandle, outHandle } from './ports.ts';
import type { LayerFlowNode } from './projection.ts';

function inputPortCount(type: string, connected: number): number {
  const def = getLayer(type);
  if (!def) return 1;
  if ('names' in def.inputs) return def.inputs.names.length;
  // Variadic (Add, Concat): always one free port to connect the next input to.
  return Math.max(def.inputs.variadic.min, connected + 1);
}

function LayerNodeView({ id, selected }: NodeProps<LayerFlowNode>) {
  const node = useApp((s) => nodeOf(s.doc.graph, id));
  const info = useApp((s) => selectAnalysis(s).nodes.get(id));
  const overlays = useApp((s) => s.overlays);
  const connected = useApp((s) => incomingCount(s.doc.graph, id));
  // A lesson's hidden quantities stay "?" on a node until the student has revealed them there.
  const revealed = useRevealed();
  const hidden = useHidden().filter((q) => !revealed.has(revealKey(id, q)));
  const stale = useStepStale();
  const stepping = useApp((s) => s.trainingOpen && s.trainingMode === 'step') && !stale;
  const stepPhase = useStepThrough((s) => (stepping ? stepPhaseAt(s, id) : null));
  if (!node) return null;
  const def = getLayer(node.type);
  const errors = info?.diagnostics.filter((d) => d.severity === 'error') ?? [];
  const warnings = info?.diagnostics.filter((d) => d.severity === 'warning') ?? [];
  const status = errors.length ? 'error' : warnings.length ? 'warning' : 'ok';
  const ports = inputPortCount(node.type, connected);
  const rf = info ? formatReceptiveField(info.receptiveField) : null;
  const style = { '--cat': categoryColor[def?.category ?? 'other'] } as CSSProperties;

  return (
    <div
      className="layer-node"
      data-status={status}
      data-selected={selected || undefined}
      data-step={stepPhase ?? undefined}
      style={style}
      role="group"
      aria-label={`${node.name} (${node.type})`}
    >
      {Array.from({ length: ports }, (_, i) => (
        <Handle
          key={i}
          type="target"
          id={inHandle(i)}
          position={Position.Top}
          style={{ left: `${((i + 1) / (ports + 1)) * 100}%` }}
        />
      ))}
      {stepPhase && (
        <span className="layer-node__step-tag">{stepPhase === 'forward' ? 'forward ▼' : 'backward ▲'}</span>
      )}
      <div className="layer-node__header">
        <span className="layer-node__name" title={node.name}>
          {node.name}
        </span>
        <span className="layer-node__type">{node.type}</span>
      </div>
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
      <GradientBadges id={id} />
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
      <Handle type="source" id={outHandle(0)} position={Position.Bottom} />
    </div>
  );
}

export const LayerNode = memo(LayerNodeView);
