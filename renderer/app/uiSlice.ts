// The store's UI slice: what the shell shows around the canvas (notice, theme, presentation mode,
// overlays, which panels and dialogs are open), the host connection and the autosave state.
// store.ts spreads these actions into its one actions object.
import type { Autosave, HostApi } from '../../protocol/hostApi.ts';
import type { SetState } from '../state/storeApi.ts';

export type Overlay = 'shape' | 'params' | 'macs' | 'rf';
export type Theme = 'light' | 'dark';
export interface Notice {
  id: number;
  kind: 'error' | 'info';
  text: string;
}
export interface HostStatus {
  state: 'connecting' | 'connected' | 'offline';
  detail?: string;
}
export interface AutosaveStatus {
  state: 'off' | 'waiting' | 'saving' | 'saved' | 'failed';
  at?: string;
  detail?: string;
}

export interface UiState {
  notice: Notice | null;
  theme: Theme;
  presentation: boolean;
  overlays: Record<Overlay, boolean>;
  summaryOpen: boolean;
  /** The Problems panel: every diagnostic, each a link to its layer. */
  problemsOpen: boolean;
  /** The Find bar over the canvas (Ctrl+F). */
  searchOpen: boolean;
  /** The keyboard shortcuts dialog (Help). */
  shortcutsOpen: boolean;
  /** The node Find or a Problems link went to, ringed on the canvas. */
  found: string | null;
  galleryOpen: boolean;
  /** Bumped to ask the canvas to zoom to fit (after loading or layout). */
  fitRequest: number;
  host: HostApi | null;
  hostStatus: HostStatus;
  /** An autosaved document the user may restore; autosave waits until they decide. */
  recovery: Autosave | null;
  recoveryChecked: boolean;
  autosave: AutosaveStatus;
}

export interface UiActions {
  notify(kind: Notice['kind'], text: string): void;
  dismissNotice(): void;
  setTheme(theme: Theme): void;
  toggleTheme(): void;
  /** Larger type and thicker lines for a classroom projector. */
  setPresentation(on: boolean): void;
  togglePresentation(): void;
  toggleOverlay(overlay: Overlay): void;
  setSummaryOpen(open: boolean): void;
  setProblemsOpen(open: boolean): void;
  setSearchOpen(open: boolean): void;
  setShortcutsOpen(open: boolean): void;
  /** Marks the node Find or a Problems link went to (null: none). */
  setFound(id: string | null): void;
  setGalleryOpen(open: boolean): void;
  requestFit(): void;
  setHost(host: HostApi | null, status: HostStatus): void;
  setHostStatus(status: HostStatus): void;
  setRecovery(recovery: Autosave | null, checked?: boolean): void;
  setAutosaveStatus(status: AutosaveStatus): void;
}

export function initialUi(init: { theme?: Theme; presentation?: boolean }): UiState {
  return {
    notice: null,
    theme: init.theme ?? 'light',
    presentation: init.presentation ?? false,
    overlays: { shape: true, params: true, macs: true, rf: true },
    summaryOpen: false,
    problemsOpen: false,
    searchOpen: false,
    shortcutsOpen: false,
    found: null,
    galleryOpen: false,
    fitRequest: 0,
    host: null,
    hostStatus: { state: 'connecting' },
    recovery: null,
    recoveryChecked: false,
    autosave: { state: 'off' },
  };
}

export function uiActions(set: SetState): UiActions {
  let noticeId = 0;
  return {
    notify: (kind, text) => set({ notice: { id: ++noticeId, kind, text } }),
    dismissNotice: () => set({ notice: null }),
    setTheme: (theme) => set({ theme }),
    toggleTheme: () => set((s) => ({ theme: s.theme === 'dark' ? 'light' : 'dark' })),
    setPresentation: (presentation) => set({ presentation }),
    togglePresentation: () => set((s) => ({ presentation: !s.presentation })),
    toggleOverlay: (o) => set((s) => ({ overlays: { ...s.overlays, [o]: !s.overlays[o] } })),
    setSummaryOpen: (summaryOpen) => set({ summaryOpen }),
    setProblemsOpen: (problemsOpen) => set({ problemsOpen }),
    setSearchOpen: (searchOpen) => set({ searchOpen }),
    setShortcutsOpen: (shortcutsOpen) => set({ shortcutsOpen }),
    setFound: (found) => set({ found }),
    setGalleryOpen: (galleryOpen) => set({ galleryOpen }),
    requestFit: () => set((s) => ({ fitRequest: s.fitRequest + 1 })),
    setHost: (host, hostStatus) => set({ host, hostStatus }),
    setHostStatus: (hostStatus) => set({ hostStatus }),
    setRecovery: (recovery, checked = true) => set({ recovery, recoveryChecked: checked }),
    setAutosaveStatus: (autosave) => set({ autosave }),
  };
}
