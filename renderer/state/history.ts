// Undo/redo as snapshots of the whole document: every edit returns a new immutable document, so a
// snapshot costs one pointer. Consecutive edits with the same merge key (typing "1", "16" into one
// field) collapse into one step, the way text editors group keystrokes.
import type { ProjectDocument } from '../../engine/index.ts';

export interface History {
  past: readonly ProjectDocument[];
  future: readonly ProjectDocument[];
  /** The key of the last recorded edit; the next edit with the same key merges into it. */
  mergeKey: string | null;
}

export const HISTORY_LIMIT = 200;

export const emptyHistory: History = { past: [], future: [], mergeKey: null };

/** Records that `before` was replaced by a new document. */
export function record(h: History, before: ProjectDocument, mergeKey?: string): History {
  if (mergeKey && h.mergeKey === mergeKey) return { ...h, future: [] };
  return { past: [...h.past, before].slice(-HISTORY_LIMIT), future: [], mergeKey: mergeKey ?? null };
}

export function undo(
  h: History,
  current: ProjectDocument,
): { history: History; doc: ProjectDocument } | null {
  const doc = h.past[h.past.length - 1];
  if (!doc) return null;
  return { doc, history: { past: h.past.slice(0, -1), future: [current, ...h.future], mergeKey: null } };
}

export function redo(
  h: History,
  current: ProjectDocument,
): { history: History; doc: ProjectDocument } | null {
  const doc = h.future[0];
  if (!doc) return null;
  return { doc, history: { past: [...h.past, current], future: h.future.slice(1), mergeKey: null } };
}
