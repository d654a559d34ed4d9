// The app's single store. The document is the only source of truth: React Flow's nodes and edges
// are a projection of it, and shapes/params/MACs come from analysisOf(graph), never from here.
// Every user edit goes through commitGraph, which records an undo snapshot.
import { createStore } from 'zustand/vanilla';
import type { EditError, Graph, ProjectDocument } from '../../engine/index.ts';
import {
  addNode,
  connect,
  disconnect,
  emptyGraph,
  getLayer,
  isEditError,
  maxInputs,
  moveNode,
  newDocument,
  nodeById,
  removeNodes,
  rename,
  setAttribute,
} from '../../engine/index.ts';
import type { AttrValue, Connection } from '../../engine/index.ts';
import type { Autosave, HostApi } from '../../protocol/hostApi.ts';
import { extractSubgraph, pasteSubgraph } from './clipboard.ts';
import { pruneGroups } from './groups.ts';
import type { History } from './history.ts';
import { emptyHistory, record, redo, undo } from './history.ts';
import type { TrainingState } from '../training/trainingState.ts';
import { trainingForDocument } from '../training/trainingState.ts';
import type { TrainingActions } from '../training/trainingActions.ts';
import { initialTraining, trainingActions } from '../training/trainingActions.ts';

export type Overlay = 'shape' | 'params' | 'macs' | 'rf';
export type Theme = 'light' | 'dark';
export interface Selection {
  nodes: readonly string[];
  edges: readonly string[];
}
export interface Size {
  width: number;
  height: number;
}
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

export interface Actions extends TrainingActions {
  addLayer(type: string, position: { x: number; y: number }): void;
  /** Adds a layer below the selected node and wires it (palette double-click). */
  appendLayer(type: string): void;
  connectPorts(c: Connection): boolean;
  deleteElements(nodeIds: readonly string[], edgeIds: readonly string[]): void;
  deleteSelection(): void;
  setAttribute(nodeId: string, key: string, value: AttrValue): void;
  /** Returns the reason when the name is refused. */
  renameNode(nodeId: string, name: string): string | null;
  setDocName(name: string): void;
  select(selection: Selection): void;
  setSelected(kind: 'nodes' | 'edges', changes: readonly { id: string; selected: boolean }[]): void;
  selectAll(): void;
  /** Drag frames are not undoable; the drop (dragging false) is one undo step. */
  moveNodes(moves: readonly { id: string; position?: { x: number; y: number } }[], dragging: boolean): void;
  setMeasured(sizes: readonly { id: string; size: Size }[]): void;
  copySelection(): void;
  paste(): void;
  duplicateSelection(): void;
  undo(): void;
  redo(): void;
  /**
   * Replaces the open document (one undo step). It counts as saved unless `saved` is false (work
   * recovered from an autosave, which no file holds yet).
   */
  loadDocument(doc: ProjectDocument, options?: { saved?: boolean }): void;
  /** The open document is what a file now holds (after Save). */
  markSaved(): void;
  /** A document-level edit (groups, ...) as one undo step; `select` replaces the selection. */
  editDocument(doc: ProjectDocument, options?: { mergeKey?: string; select?: Selection }): void;
  newDocument(): void;
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

export interface AppState extends TrainingState {
  doc: ProjectDocument;
  /** The document as last opened or saved; any other document has unsaved changes. */
  savedDoc: ProjectDocument | null;
  /** Counts the documents opened (New, Open, a template, an import): view state of the last one is stale. */
  docGeneration: number;
  history: History;
  selection: Selection;
  /** The document before the current drag began, so the whole drag undoes as one step. */
  dragOrigin: ProjectDocument | null;
  /** Node sizes measured by React Flow (view state, not part of the document). */
  measured: Record<string, Size>;
  clipboard: Graph | null;
  pasteCount: number;
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
  actions: Actions;
}

const NODE_GAP = 50;
const DEFAULT_NODE_HEIGHT = 90;
const noSelection: Selection = { nodes: [], edges: [] };

function prune(selection: Selection, graph: Graph): Selection {
  const nodes = new Set(graph.nodes.map((n) => n.id));
  const edges = new Set(graph.edges.map((e) => e.id));
  return {
    nodes: selection.nodes.filter((id) => nodes.has(id)),
    edges: selection.edges.filter((id) => edges.has(id)),
  };
}

const lastNodeId = (g: Graph) => g.nodes[g.nodes.length - 1].id;

export function createAppStore(init: Partial<Pick<AppState, 'doc' | 'theme' | 'presentation'>> = {}) {
  let noticeId = 0;
  return createStore<AppState>()((set, get) => {
    /** Applies an edit result as one undoable step (or shows why it was refused). */
    function commitGraph(
      result: Graph | EditError,
      options: { mergeKey?: string; select?: Selection } = {},
    ): boolean {
      if (isEditError(result)) {
        actions.notify('error', result.error);
        return false;
      }
      const s = get();
      if (result === s.doc.graph) return true;
      commitDoc({ ...s.doc, graph: result }, options);
      return true;
    }

    function commitDoc(
      edited: ProjectDocument,
      options: { mergeKey?: string; select?: Selection } = {},
    ): void {
      const s = get();
      const doc = pruneGroups(edited); // deleting a node takes it out of its group
      set({
        doc,
        history: record(s.history, s.dragOrigin ?? s.doc, options.mergeKey),
        dragOrigin: null,
        selection: options.select ?? prune(s.selection, doc.graph),
      });
    }

    function restore(step: { doc: ProjectDocument; history: History } | null): void {
      if (!step) return;
      set((s) => ({
        doc: step.doc,
        history: step.history,
        dragOrigin: null,
        selection: prune(s.selection, step.doc.graph),
      }));
    }

    function pasteGraph(clip: Graph, offset: number): void {
      const pasted = pasteSubgraph(get().doc.graph, clip, { x: offset, y: offset });
      if (isEditError(pasted)) return void actions.notify('error', pasted.error);
      commitGraph(pasted.graph, { select: { nodes: pasted.ids, edges: [] } });
    }

    const actions: Actions = {
      ...trainingActions(set, get),

      addLayer(type, position) {
        const next = addNode(get().doc.graph, { type, position });
        if (!isEditError(next)) commitGraph(next, { select: { nodes: [lastNodeId(next)], edges: [] } });
        else commitGraph(next);
      },

      appendLayer(type) {
        const { doc, selection, measured } = get();
        const graph = doc.graph;
        const selected = selection.nodes.length === 1 ? nodeById(graph, selection.nodes[0]) : undefined;
        const lowest = [...graph.nodes].sort((a, b) => b.position.y - a.position.y)[0];
        const anchor = selected ?? lowest;
        const position = anchor
          ? {
              x: anchor.position.x,
              y: anchor.position.y + (measured[anchor.id]?.height ?? DEFAULT_NODE_HEIGHT) + NODE_GAP,
            }
          : { x: 0, y: 0 };
        let next = addNode(graph, { type, position });
        if (isEditError(next)) return void commitGraph(next);
        const id = lastNodeId(next);
        const def = getLayer(type);
        if (selected && def && maxInputs(def) > 0) {
          const wired = connect(next, { source: selected.id, target: id, targetPort: 0 });
          if (!isEditError(wired)) next = wired;
        }
        commitGraph(next, { select: { nodes: [id], edges: [] } });
      },

      connectPorts: (c) => commitGraph(connect(get().doc.graph, c)),

      deleteElements(nodeIds, edgeIds) {
        if (!nodeIds.length && !edgeIds.length) return;
        commitGraph(removeNodes(disconnect(get().doc.graph, edgeIds), nodeIds), { select: noSelection });
      },

      deleteSelection() {
        const { nodes, edges } = get().selection;
        actions.deleteElements(nodes, edges);
      },

      setAttribute: (nodeId, key, value) =>
        void commitGraph(setAttribute(get().doc.graph, nodeId, key, value), {
          mergeKey: `attr:${nodeId}:${key}`,
        }),

      renameNode(nodeId, name) {
        const next = rename(get().doc.graph, nodeId, name);
        if (isEditError(next)) return next.error;
        commitGraph(next);
        return null;
      },

      setDocName(name) {
        const doc = get().doc;
        if (name !== doc.name) commitDoc({ ...doc, name }, { mergeKey: 'docName' });
      },

      select: (selection) => set({ selection }),

      setSelected(kind, changes) {
        const current = new Set(get().selection[kind]);
        for (const c of changes) {
          if (c.selected) current.add(c.id);
          else current.delete(c.id);
        }
        set((s) => ({ selection: { ...s.selection, [kind]: [...current] } }));
      },

      selectAll: () => {
        const g = get().doc.graph;
        set({ selection: { nodes: g.nodes.map((n) => n.id), edges: g.edges.map((e) => e.id) } });
      },

      moveNodes(moves, dragging) {
        const s = get();
        let graph = s.doc.graph;
        for (const m of moves) {
          if (!m.position) continue;
          const moved = moveNode(graph, m.id, m.position);
          if (!isEditError(moved)) graph = moved;
        }
        const origin = s.dragOrigin ?? s.doc;
        const doc = graph === s.doc.graph ? s.doc : { ...s.doc, graph };
        if (dragging) return set({ doc, dragOrigin: origin });
        const moved = doc.graph !== origin.graph;
        set({ doc, dragOrigin: null, history: moved ? record(s.history, origin) : s.history });
      },

      setMeasured(sizes) {
        const measured = { ...get().measured };
        for (const { id, size } of sizes) measured[id] = size;
        set({ measured });
      },

      copySelection() {
        const { doc, selection } = get();
        if (!selection.nodes.length) return;
        set({ clipboard: extractSubgraph(doc.graph, selection.nodes), pasteCount: 0 });
        actions.notify(
          'info',
          `Copied ${selection.nodes.length} layer${selection.nodes.length === 1 ? '' : 's'}.`,
        );
      },

      paste() {
        const { clipboard, pasteCount } = get();
        if (!clipboard) return;
        set({ pasteCount: pasteCount + 1 });
        pasteGraph(clipboard, 40 * (pasteCount + 1));
      },

      duplicateSelection() {
        const { doc, selection } = get();
        if (selection.nodes.length) pasteGraph(extractSubgraph(doc.graph, selection.nodes), 40);
      },

      undo: () => restore(undo(get().history, get().doc)),
      redo: () => restore(redo(get().history, get().doc)),

      loadDocument(doc, options = {}) {
        commitDoc(doc, { select: noSelection });
        set({
          pasteCount: 0,
          savedDoc: options.saved === false ? null : get().doc,
          docGeneration: get().docGeneration + 1,
          found: null,
          ...trainingForDocument(doc, get()),
        });
        actions.requestFit();
      },

      markSaved: () => set((s) => ({ savedDoc: s.doc })),

      editDocument(doc, options) {
        if (doc !== get().doc) commitDoc(doc, options);
      },

      newDocument: () => actions.loadDocument(newDocument('Untitled', emptyGraph)),

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

    return {
      doc: init.doc ?? newDocument('Untitled', emptyGraph),
      savedDoc: null,
      docGeneration: 0,
      history: emptyHistory,
      selection: noSelection,
      dragOrigin: null,
      measured: {},
      clipboard: null,
      pasteCount: 0,
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
      ...initialTraining,
      actions,
    };
  });
}

export type AppStore = ReturnType<typeof createAppStore>;

/** Whether replacing the open document would lose work no file holds: edits since it was opened or saved. */
export const hasUnsavedChanges = (s: Pick<AppState, 'doc' | 'savedDoc'>): boolean =>
  s.doc !== s.savedDoc && s.doc.graph.nodes.length > 0;
