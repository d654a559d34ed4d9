// The app's single store, composed of one slice per feature: the document and its edits
// (documentSlice), selection and clipboard (selectionSlice), the shell's UI (app/uiSlice) and
// training (training/trainingActions). The document is the only source of truth: React Flow's
// nodes and edges are a projection of it, and shapes/params/MACs come from analysisOf(graph),
// never from here. Every user edit goes through one commit, which records an undo snapshot.
import { createStore } from 'zustand/vanilla';
import type { TrainingState } from '../training/trainingState.ts';
import type { TrainingActions } from '../training/trainingActions.ts';
import { initialTraining, trainingActions } from '../training/trainingActions.ts';
import type { UiActions, UiState } from '../app/uiSlice.ts';
import { initialUi, uiActions } from '../app/uiSlice.ts';
import type { DocumentActions, DocumentState } from './documentSlice.ts';
import { commitTo, documentActions, initialDocument } from './documentSlice.ts';
import type { SelectionActions, SelectionState } from './selectionSlice.ts';
import { initialSelection, selectionActions } from './selectionSlice.ts';

export type { Selection } from './selectionSlice.ts';
export type { Size } from './documentSlice.ts';
export type { AutosaveStatus, HostStatus, Notice, Overlay, Theme } from '../app/uiSlice.ts';

export interface Actions extends TrainingActions, DocumentActions, SelectionActions, UiActions {}

export interface AppState extends TrainingState, DocumentState, SelectionState, UiState {
  actions: Actions;
}

export function createAppStore(init: Partial<Pick<AppState, 'doc' | 'theme' | 'presentation'>> = {}) {
  return createStore<AppState>()((set, get) => {
    const commit = commitTo(set, get);
    const actions: Actions = {
      ...trainingActions(set, get),
      ...documentActions(set, get, commit),
      ...selectionActions(set, get, commit),
      ...uiActions(set),
    };
    return {
      ...initialDocument(init.doc),
      ...initialSelection,
      ...initialUi(init),
      ...initialTraining,
      actions,
    };
  });
}

export type AppStore = ReturnType<typeof createAppStore>;

/** Whether replacing the open document would lose work no file holds: edits since it was opened or saved. */
export const hasUnsavedChanges = (s: Pick<AppState, 'doc' | 'savedDoc'>): boolean =>
  s.doc !== s.savedDoc && s.doc.graph.nodes.length > 0;
