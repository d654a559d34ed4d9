// Keyboard shortcuts -> commands. Delete/Backspace on the canvas are React Flow's own
// (deleteKeyCode); text fields keep their usual keys.
import type { AppCommand } from '../../protocol/commands.ts';

export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

const shifted: Record<string, AppCommand> = {
  n: 'templates',
  g: 'ungroup',
  // P for projector; the browser leaves Ctrl+Shift+P to the page.
  p: 'togglePresentation',
};

export function commandForKey(e: KeyPress): AppCommand | null {
  if (!(e.ctrlKey || e.metaKey) || e.altKey) return null;
  const key = e.key.toLowerCase();
  if (key === 'z') return e.shiftKey ? 'redo' : 'undo';
  if (key === 'y' && !e.shiftKey) return 'redo';
  if (e.shiftKey) return shifted[key] ?? null;
  const plain: Record<string, AppCommand> = {
    c: 'copy',
    v: 'paste',
    d: 'duplicate',
    s: 'save',
    o: 'open',
    n: 'new',
    a: 'selectAll',
    l: 'autoLayout',
    i: 'toggleSummary',
    g: 'group',
    f: 'find',
    '/': 'shortcuts',
  };
  return plain[key] ?? null;
}

/** Fields where Ctrl+Z, Ctrl+C, ... must keep their text-editing meaning. */
export function isTextEntry(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || !el.tagName) return false;
  const tag = el.tagName.toLowerCase();
  return (
    tag === 'textarea' ||
    tag === 'select' ||
    el.isContentEditable ||
    (tag === 'input' && (el as HTMLInputElement).type !== 'checkbox')
  );
}
