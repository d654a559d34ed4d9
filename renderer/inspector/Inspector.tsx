// The selected node's settings: a form derived from its layer's attribute specs, its name, and
// what analysis says about it. Several selected nodes get bulk actions instead.
import { useEffect, useId, useState } from 'react';
import type { Diagnostic } from '../../engine/index.ts';
import { formatShape, getLayer } from '../../engine/index.ts';
import { formatCompact, formatCount, formatReceptiveField } from '../components/format.ts';
import { appStore, selectAnalysis, useApp } from '../state/appStore.ts';
import { useNodeSettings } from '../state/useNodeSettings.ts';
import { AttributeField } from './AttributeField.tsx';
import { typeLabel } from '../canvas/LayerNode.tsx';
import type { HiddenQuantity } from '../../protocol/lesson.ts';
import { GuessField, useHidden } from '../lessons/GuessField.tsx';
import { nodeShown } from '../lessons/predict.ts';
import { useRevealed } from '../lessons/reveals.ts';
import { ReceptiveFieldViewer } from './ReceptiveFieldViewer.tsx';
import { FeatureMaps } from './FeatureMaps.tsx';
import { WeightEditor } from './WeightEditor.tsx';
import { TransferSection } from '../transfer/TransferSection.tsx';

const actions = () => appStore.getState().actions;

function NameField({ nodeId, name }: { nodeId: string; name: string }) {
  const id = useId();
  const [text, setText] = useState(name);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => setText(name), [name]);
  const commit = () => {
    if (text === name) return setError(null);
    setError(actions().renameNode(nodeId, text));
  };
  return (
    <div className="field" data-invalid={error ? true : undefined}>
      <label htmlFor={id}>name</label>
      <input
        id={id}
        type="text"
        value={text}
        spellCheck={false}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-problem` : undefined}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => e.key === 'Enter' && commit()}
      />
      {error && (
        <div id={`${id}-problem`} className="field__problem" aria-live="polite">
          <p>{error}</p>
        </div>
      )}
    </div>
  );
}

function NodeInspector({ nodeId }: { nodeId: string }) {
  const node = useNodeSettings(nodeId);
  const info = useApp((s) => selectAnalysis(s).nodes.get(nodeId));
  const [viewer, setViewer] = useState(false);
  const [maps, setMaps] = useState(false);
  const hidden = useHidden();
  const revealed = useRevealed();
  // A lesson's hidden answer stays "?" here, in the viewer and in tooltips until it is revealed.
  const shown = (q: HiddenQuantity) => nodeShown(q, hidden, revealed, nodeId);
  if (!node) return null;
  const def = getLayer(node.type);
  const byAttribute = new Map<string, Diagnostic[]>();
  const general: Diagnostic[] = [];
  for (const d of info?.diagnostics ?? []) {
    if (d.attribute && def?.attributes[d.attribute])
      byAttribute.set(d.attribute, [...(byAttribute.get(d.attribute) ?? []), d]);
    else general.push(d);
  }
  const rf = info ? formatReceptiveField(info.receptiveField) : null;
  return (
    <>
      <header className="inspector__header">
        <h2>{node.name}</h2>
        <p className="inspector__type">
          {typeLabel(node.type, node.attributes)}
          {def?.torch && <span className="muted"> · {def.torch}</span>}
        </p>
        {def && <p className="muted">{def.summary}</p>}
      </header>
      {general.length > 0 && (
        <div className="inspector__diagnostics" role="alert">
          {general.map((d, i) => (
            <p key={i} data-severity={d.severity}>
              {d.message}
            </p>
          ))}
        </div>
      )}
      <dl className="inspector__facts" aria-label="Analysis">
        <dt>output</dt>
        <dd>{shown('shape') ? formatShape(info?.outputShape) : '?'}</dd>
        {hidden.includes('shape') && <GuessField nodeId={nodeId} quantity="shape" />}
        <dt>params</dt>
        <dd>{shown('params') ? formatCount(info?.params ?? 0) : '?'}</dd>
        {hidden.includes('params') && <GuessField nodeId={nodeId} quantity="params" />}
        <dt>MACs</dt>
        <dd
          title={
            shown('macs')
              ? `${formatCount(info?.macs ?? 0)} multiply-adds per sample; FLOPs = 2 × MACs`
              : undefined
          }
        >
          {shown('macs') ? formatCompact(info?.macs ?? 0) : '?'}
        </dd>
        {hidden.includes('macs') && <GuessField nodeId={nodeId} quantity="macs" />}
        <dt>receptive field</dt>
        <dd>{shown('rf') ? (rf ? rf.replace(/^RF /, '') : '–') : '?'}</dd>
        {hidden.includes('rf') && <GuessField nodeId={nodeId} quantity="rf" />}
      </dl>
      {rf && (
        <div className="button-row">
          <button
            type="button"
            aria-expanded={viewer}
            disabled={!shown('rf')}
            title={shown('rf') ? undefined : 'The lesson hides this field: guess it and press Reveal first.'}
            onClick={() => setViewer(!viewer)}
          >
            Show receptive field
          </button>
        </div>
      )}
      {viewer && shown('rf') && <ReceptiveFieldViewer nodeId={nodeId} onClose={() => setViewer(false)} />}
      <div className="button-row">
        <button type="button" aria-expanded={maps} onClick={() => setMaps(!maps)}>
          Feature maps
        </button>
      </div>
      {maps && <FeatureMaps nodeId={nodeId} onClose={() => setMaps(false)} />}
      <form className="inspector__form" onSubmit={(e) => e.preventDefault()} aria-label="Attributes">
        <NameField key={`name-${nodeId}`} nodeId={nodeId} name={node.name} />
        {def &&
          Object.entries(def.attributes).map(([key, spec]) => (
            <AttributeField
              key={`${nodeId}-${key}`}
              nodeId={nodeId}
              name={key}
              spec={spec}
              value={node.attributes[key]}
              diagnostics={byAttribute.get(key) ?? []}
            />
          ))}
      </form>
      <TransferSection nodeId={nodeId} />
      <WeightEditor nodeId={nodeId} />
    </>
  );
}

export function Inspector() {
  const selected = useApp((s) => s.selection.nodes);
  const docName = useApp((s) => s.doc.name);
  const count = useApp((s) => s.doc.graph.nodes.length);
  return (
    <aside className="inspector" role="region" aria-label="Inspector">
      {selected.length === 1 ? (
        <NodeInspector key={selected[0]} nodeId={selected[0]} />
      ) : selected.length > 1 ? (
        <div className="inspector__multi">
          <h2>{selected.length} layers selected</h2>
          <div className="button-row">
            <button type="button" onClick={() => actions().duplicateSelection()}>
              Duplicate
            </button>
            <button type="button" onClick={() => actions().deleteSelection()}>
              Delete
            </button>
          </div>
        </div>
      ) : (
        <div className="inspector__empty">
          <h2>{docName}</h2>
          <p className="muted">
            {count === 0
              ? 'An empty network. Drag layers from the palette onto the canvas and connect an output (bottom dot) to an input (top dot).'
              : 'Select a layer to edit its settings. Shift-drag to select several.'}
          </p>
        </div>
      )}
    </aside>
  );
}
