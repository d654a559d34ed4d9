// A group on the canvas. Expanded: a titled frame behind its members (React Flow parent node).
// Collapsed: one block standing in for the members, summarising them: how many layers, their
// parameters and MACs, and the tensor shapes crossing the block's boundary.
import { Handle, Position } from '@xyflow/react';
import type { NodeProps } from '@xyflow/react';
import { memo, useState } from 'react';
import type { Shape } from '../../engine/index.ts';
import { formatShape } from '../../engine/index.ts';
import { renameGroup, setGroupCollapsed } from '../app/groupCommands.ts';
import { formatCompact, formatCount } from '../components/format.ts';
import { selectAnalysis, useApp } from '../state/appStore.ts';
import { findGroup, summarizeGroup } from '../state/groups.ts';
import type { BlockFlowNode } from './groupProjection.ts';
import { inHandle, outHandle } from './ports.ts';
import { figureChars } from './LayerNode.tsx';
import { useLevelOfDetail } from './useLayerView.ts';
import type { HiddenQuantity } from '../../protocol/lesson.ts';
import { useHidden } from '../lessons/GuessField.tsx';
import { nodeShown } from '../lessons/predict.ts';
import { useRevealed } from '../lessons/reveals.ts';
import './blockNode.css';
import { farTitle, shortTitle } from './blockTitles.ts';

function Title({ id, title }: { id: string; title: string }) {
  const [editing, setEditing] = useState(false);
  if (editing)
    return (
      <input
        className="block-node__title-input nodrag"
        aria-label="Block title"
        defaultValue={title}
        autoFocus
        onBlur={(e) => {
          renameGroup(id, e.target.value);
          setEditing(false);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') e.currentTarget.blur();
          if (e.key === 'Escape') setEditing(false);
          e.stopPropagation();
        }}
      />
    );
  return (
    <span className="block-node__title" title="Double-click to rename" onDoubleClick={() => setEditing(true)}>
      {title}
    </span>
  );
}

const shapes = (list: readonly (Shape | null)[]) =>
  list.length ? list.map((s) => formatShape(s)).join(', ') : '—';

function BlockNodeView({ id, selected, data }: NodeProps<BlockFlowNode>) {
  const group = useApp((s) => findGroup(s.doc, id));
  const direction = useApp((s) => s.doc.layout?.direction ?? 'TB');
  const lod = useLevelOfDetail();
  const compact = lod !== 'full';
  const far = lod === 'far';
  const summary = useApp((s) => {
    const g = findGroup(s.doc, id);
    return g?.collapsed ? summarizeGroup(g, s.doc.graph, selectAnalysis(s)) : null;
  });
  const hidden = useHidden();
  const revealed = useRevealed();
  if (!group) return null;
  // A block's sums would give a lesson's hidden answers away until every member's is revealed.
  const shown = (q: HiddenQuantity) => group.members.every((m) => nodeShown(q, hidden, revealed, m));
  const toggle = (
    <button
      type="button"
      className="block-node__toggle nodrag"
      aria-label={`${data.collapsed ? 'Expand' : 'Collapse'} ${group.title}`}
      title={data.collapsed ? 'Expand: show the layers' : 'Collapse into one block'}
      onClick={(e) => {
        e.stopPropagation();
        setGroupCollapsed(id, !data.collapsed);
      }}
    >
      {data.collapsed ? '▸' : '▾'}
    </button>
  );

  if (!summary)
    return (
      <div
        className={compact ? 'block-frame block-frame--compact' : 'block-frame'}
        data-selected={selected || undefined}
        role="group"
        aria-label={`Block ${group.title}`}
      >
        <div className="block-frame__side">
          <div className="block-frame__heading">
            {toggle}
            <span className="block-node__count">{group.members.length} layers</span>
          </div>
          <Title id={id} title={group.title} />
        </div>
      </div>
    );

  const inHandleAt = direction === 'LR' ? Position.Left : Position.Top;
  const outHandleAt = direction === 'LR' ? Position.Right : Position.Bottom;
  if (compact) {
    // Zoomed out: the block's title and its parameter count, scaled like a compact layer's.
    const title = far ? farTitle(group.title) : shortTitle(group.title);
    const params = `${shown('params') ? formatCompact(summary.params) : '?'} params`;
    return (
      <div
        className="block-card block-card--compact"
        data-selected={selected || undefined}
        role="group"
        aria-label={`Block ${group.title}`}
        title="Double-click to expand"
        onDoubleClick={(e) => {
          e.stopPropagation();
          setGroupCollapsed(id, false);
        }}
      >
        <Handle type="target" id={inHandle(0)} position={inHandleAt} />
        {/* The toggle counts as about two characters of the title. */}
        <div className="layer-node__compact-name" title={group.title} style={figureChars(`  ${title}`)}>
          {toggle} {title}
        </div>
        <div className="layer-node__figure" data-testid="key-figure" style={figureChars(params)}>
          {params}
        </div>
        <Handle type="source" id={outHandle(0)} position={outHandleAt} />
      </div>
    );
  }

  return (
    <div
      className="block-card"
      data-selected={selected || undefined}
      role="group"
      aria-label={`Block ${group.title}`}
    >
      <Handle type="target" id={inHandle(0)} position={inHandleAt} />
      <div className="block-card__header">
        {toggle}
        <Title id={id} title={group.title} />
        <span className="block-node__count" data-testid="block-members">
          {summary.members} layers
        </span>
      </div>
      <div className="block-card__stats">
        <div data-testid="block-params">{shown('params') ? formatCount(summary.params) : '?'} params</div>
        <div data-testid="block-macs">{shown('macs') ? formatCompact(summary.macs) : '?'} MACs</div>
        <div className="block-card__shape" data-testid="block-in">
          in {shown('shape') ? shapes(summary.inputs) : '?'}
        </div>
        <div className="block-card__shape" data-testid="block-out">
          out {shown('shape') ? shapes(summary.outputs) : '?'}
        </div>
      </div>
      <Handle type="source" id={outHandle(0)} position={outHandleAt} />
    </div>
  );
}

export const BlockNode = memo(BlockNodeView);
