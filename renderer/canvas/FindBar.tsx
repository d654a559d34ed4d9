// The Find bar over the canvas (Ctrl+F, Edit → Find layer…): type part of a name, a layer type or
// an ONNX operator; Enter goes to the next match (Shift+Enter the one before), a click on a result
// goes to it, Escape closes. Going to a layer hidden in a collapsed block expands that block.
import { useMemo, useState } from 'react';
import { appStore, useApp } from '../state/appStore.ts';
import { findLayers } from './find.ts';
import { goToNode } from './goTo.ts';
import { OVERLAY_ATTRIBUTE } from './viewport.ts';

/** Results listed under the field; Enter walks through all of them. */
const LISTED = 8;

export function FindBar() {
  const open = useApp((s) => s.searchOpen);
  const doc = useApp((s) => s.doc);
  const [query, setQuery] = useState('');
  const [at, setAt] = useState(-1);
  const hits = useMemo(() => findLayers(doc, query), [doc, query]);
  if (!open) return null;
  const close = () => {
    appStore.getState().actions.setSearchOpen(false);
    appStore.getState().actions.setFound(null);
  };
  const go = (i: number) => {
    if (!hits.length) return;
    const k = (i + hits.length) % hits.length;
    setAt(k);
    void goToNode(hits[k].id);
  };
  const overlay = { [OVERLAY_ATTRIBUTE]: '' };
  return (
    <div className="find-bar" role="search" aria-label="Find layers" {...overlay}>
      <div className="find-bar__row">
        <input
          type="search"
          autoFocus
          aria-label="Find layer"
          placeholder="Find a layer: name, type or ONNX op"
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setAt(-1);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter') go(e.shiftKey ? at - 1 : at + 1);
            else if (e.key === 'Escape') close();
            else return;
            e.preventDefault();
          }}
        />
        <span className="find-bar__count muted" aria-live="polite" data-testid="find-count">
          {query.trim() ? (hits.length ? `${at >= 0 ? at + 1 : 0} of ${hits.length}` : 'no match') : ''}
        </span>
        <button type="button" aria-label="Previous match" disabled={!hits.length} onClick={() => go(at - 1)}>
          ↑
        </button>
        <button type="button" aria-label="Next match" disabled={!hits.length} onClick={() => go(at + 1)}>
          ↓
        </button>
        <button type="button" aria-label="Close Find" onClick={close}>
          ×
        </button>
      </div>
      {hits.length > 0 && (
        <ul className="find-bar__hits" aria-label="Matches">
          {hits.slice(0, LISTED).map((h, i) => (
            <li key={h.id}>
              <button type="button" aria-current={i === at || undefined} onClick={() => go(i)}>
                <strong>{h.name}</strong> <span className="muted">{h.type}</span>
                {h.block && <span className="muted"> · in {h.block}</span>}
              </button>
            </li>
          ))}
          {hits.length > LISTED && (
            <li className="muted find-bar__more">
              and {hits.length - LISTED} more: press Enter to step through them
            </li>
          )}
        </ul>
      )}
    </div>
  );
}
