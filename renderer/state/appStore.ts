// The one store instance of the running app, and the hook components read it with.
import { useStore } from 'zustand';
import type { AppState } from './store.ts';
import { createAppStore } from './store.ts';
import { analysisOf } from './analysis.ts';

function initialTheme(): 'light' | 'dark' {
  try {
    return localStorage.getItem('netwright.theme') === 'dark' ? 'dark' : 'light';
  } catch {
    return 'light';
  }
}

function initialPresentation(): boolean {
  try {
    return localStorage.getItem('netwright.presentation') === 'on';
  } catch {
    return false;
  }
}

export const appStore = createAppStore({ theme: initialTheme(), presentation: initialPresentation() });

appStore.subscribe((s, prev) => {
  if (s.theme === prev.theme && s.presentation === prev.presentation) return;
  try {
    localStorage.setItem('netwright.theme', s.theme);
    localStorage.setItem('netwright.presentation', s.presentation ? 'on' : 'off');
  } catch {
    // storage may be disabled; the theme then lasts for this session only
  }
});

export function useApp<T>(selector: (s: AppState) => T): T {
  return useStore(appStore, selector);
}

/** Memoised by graph identity: the same graph always gives the same Analysis object. */
export const selectAnalysis = (s: AppState) => analysisOf(s.doc.graph);
