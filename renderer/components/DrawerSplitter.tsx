// A horizontal splitter on top of a drawer: drag it (or use ↑/↓, Home for the default, End for
// the largest) to trade canvas height for drawer height, as in VS Code's panel. Double-click
// toggles between the default and the largest drawer: a teacher's "show the charts big" gesture.
import type { KeyboardEvent, PointerEvent } from 'react';
import { clampDrawer, MIN_DRAWER } from './drawerHeight.ts';

interface Props {
  label: string;
  /** The current height in CSS pixels (measured when null). */
  height: number | null;
  measure: () => number;
  onChange: (height: number | null) => void;
}

export function DrawerSplitter({ label, height, measure, onChange }: Props) {
  const max = clampDrawer(Infinity, window.innerHeight);
  const onPointerDown = (e: PointerEvent<HTMLDivElement>) => {
    e.preventDefault();
    const startY = e.clientY;
    const startH = measure();
    const target = e.currentTarget;
    target.setPointerCapture(e.pointerId);
    const move = (m: globalThis.PointerEvent) =>
      onChange(clampDrawer(startH + (startY - m.clientY), window.innerHeight));
    const up = () => {
      target.removeEventListener('pointermove', move);
      target.removeEventListener('pointerup', up);
    };
    target.addEventListener('pointermove', move);
    target.addEventListener('pointerup', up);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const step = e.shiftKey ? 100 : 25;
    // Measured now, not at render: after "back to default" the DOM only then has the new size.
    const current = height ?? measure();
    if (e.key === 'ArrowUp') onChange(clampDrawer(current + step, window.innerHeight));
    else if (e.key === 'ArrowDown') onChange(clampDrawer(current - step, window.innerHeight));
    else if (e.key === 'Home') onChange(null);
    else if (e.key === 'End') onChange(max);
    else return;
    e.preventDefault();
  };
  return (
    <div
      className="drawer-splitter"
      role="separator"
      aria-orientation="horizontal"
      aria-label={label}
      aria-valuemin={MIN_DRAWER}
      aria-valuemax={max}
      aria-valuenow={height === null ? undefined : Math.round(height)}
      tabIndex={0}
      title="Drag to resize · double-click: largest / default"
      onPointerDown={onPointerDown}
      onKeyDown={onKeyDown}
      onDoubleClick={() => onChange(height !== null && height >= max - 1 ? null : max)}
    />
  );
}
