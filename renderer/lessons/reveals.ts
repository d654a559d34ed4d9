// Which hidden answers the student has revealed in the open document, so the Summary and the
// status bar keep a lesson's totals hidden until every layer's answer is out. Kept beside the
// main store (it is view state of one lesson, not part of the document or its undo history),
// and forgotten when another document (another lesson) is opened.
import { useMemo } from 'react';
import { useStore } from 'zustand';
import { createStore } from 'zustand/vanilla';
import type { HiddenQuantity } from '../../protocol/lesson.ts';
import { useApp } from '../state/appStore.ts';
import { revealKey } from './predict.ts';

interface Reveals {
  /** The lesson object the reveals belong to (compared by identity). */
  lesson: unknown;
  keys: ReadonlySet<string>;
}

export const revealStore = createStore<Reveals>(() => ({ lesson: undefined, keys: new Set() }));

export function markRevealed(lesson: unknown, nodeId: string, quantity: HiddenQuantity): void {
  const s = revealStore.getState();
  const keys = new Set(s.lesson === lesson ? s.keys : []);
  keys.add(revealKey(nodeId, quantity));
  revealStore.setState({ lesson, keys });
}

const NONE: ReadonlySet<string> = new Set();

/** The open document's revealed answers. */
export function useRevealed(): ReadonlySet<string> {
  const lesson = useApp((s) => s.doc.lesson);
  const s = useStore(revealStore);
  return useMemo(() => (s.lesson === lesson ? s.keys : NONE), [s, lesson]);
}
