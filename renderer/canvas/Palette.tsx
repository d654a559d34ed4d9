// Every layer type, grouped by category, straight from the registry. Drag one onto the canvas, or
// double-click (or press Enter on) one to add it below the selected node, wired.
import type { CSSProperties, DragEvent, MouseEvent } from 'react';
import { useMemo, useState } from 'react';
import { layersByCategory } from '../../engine/index.ts';
import { categoryColor, categoryLabel } from './layerStyle.ts';
import { LAYER_MIME } from './useLayerDrop.ts';
import { appStore } from '../state/appStore.ts';

const groups = layersByCategory();

function onDragStart(e: DragEvent<HTMLButtonElement>, type: string) {
  e.dataTransfer.setData(LAYER_MIME, type);
  e.dataTransfer.effectAllowed = 'copy';
}

// detail 0 = activated from the keyboard; mouse users double-click instead (one click selects nothing).
const onClick = (e: MouseEvent, type: string) =>
  e.detail === 0 && appStore.getState().actions.appendLayer(type);
const onDoubleClick = (type: string) => appStore.getState().actions.appendLayer(type);

export function Palette() {
  const [query, setQuery] = useState('');
  const visible = useMemo(() => {
    const q = query.trim().toLowerCase();
    if (!q) return groups;
    return groups
      .map((g) => ({
        ...g,
        layers: g.layers.filter((l) => `${l.type} ${l.summary} ${g.category}`.toLowerCase().includes(q)),
      }))
      .filter((g) => g.layers.length);
  }, [query]);

  return (
    <aside className="palette" role="region" aria-label="Palette">
      <input
        className="palette__search"
        type="search"
        placeholder="Search layers…"
        aria-label="Search layers"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
      />
      <div className="palette__groups">
        {visible.map((g) => (
          <section key={g.category} className="palette__group" aria-label={categoryLabel[g.category]}>
            <h3 style={{ '--cat': categoryColor[g.category] } as CSSProperties}>
              {categoryLabel[g.category]}
            </h3>
            <ul>
              {g.layers.map((l) => (
                <li key={l.type}>
                  <button
                    type="button"
                    className="palette__item"
                    draggable
                    aria-label={l.type}
                    title={`${l.summary}\nDrag onto the canvas, or double-click to add after the selected layer.`}
                    style={{ '--cat': categoryColor[g.category] } as CSSProperties}
                    onDragStart={(e) => onDragStart(e, l.type)}
                    onClick={(e) => onClick(e, l.type)}
                    onDoubleClick={() => onDoubleClick(l.type)}
                  >
                    {l.type}
                  </button>
                </li>
              ))}
            </ul>
          </section>
        ))}
        {visible.length === 0 && <p className="muted">No layer matches “{query}”.</p>}
      </div>
    </aside>
  );
}
