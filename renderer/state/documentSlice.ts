// The store's document slice: the open document, its undo history, drags and measured sizes,
// and every edit of the graph. Every user edit goes through commitGraph/commitDoc, which record
// one undo snapshot; store.ts spreads these actions into its one actions object.
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
import { pruneGroups } from './groups.ts';
import type { History } from './history.ts';
import { emptyHistory, record, redo, undo } from './history.ts';
import type { Selection } from './selectionSlice.ts';
import type { GetState, SetState } from './storeApi.ts';
import { trainingForDocument } from '../training/trainingState.ts';

export interface Size {
  width: number;
  height: number;
}

export interface DocumentState {
  doc: ProjectDocument;
  /** The document as last opened or saved; any other document has unsaved changes. */
  savedDoc: ProjectDocument | null;
  /** Counts the documents opened (New, Open, a template, an import): view state of the last one is stale. */
  docGeneration: number;
  history: History;
  /** The document before the current drag began, so the whole drag undoes as one step. */
  dragOrigin: ProjectDocument | null;
  /** Node sizes measured by React Flow (view state, not part of the document). */
  measured: Record<string, Size>;
}

export interface DocumentActions {
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
  /** Drag frames are not undoable; the drop (dragging false) is one undo step. */
  moveNodes(moves: readonly { id: string; position?: { x: number; y: number } }[], dragging: boolean): void;
  setMeasured(sizes: readonly { id: string; size: Size }[]): void;
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
}

export interface CommitOptions {
  mergeKey?: string;
  select?: Selection;
}

/** The two ways an edit becomes one undo step; the selection and clipboard slices commit through them too. */
export interface Commit {
  /** Applies an edit result as one undoable step (or shows why it was refused). */
  graph(result: Graph | EditError, options?: CommitOptions): boolean;
  doc(edited: ProjectDocument, options?: CommitOptions): void;
}

const NODE_GAP = 50;
const DEFAULT_NODE_HEIGHT = 90;
export const noSelection: Selection = { nodes: [], edges: [] };

function prune(selection: Selection, graph: Graph): Selection {
  const nodes = new Set(graph.nodes.map((n) => n.id));
  const edges = new Set(graph.edges.map((e) => e.id));
  return {
    nodes: selection.nodes.filter((id) => nodes.has(id)),
    edges: selection.edges.filter((id) => edges.has(id)),
  };
}

export const lastNodeId = (g: Graph) => g.nodes[g.nodes.length - 1].id;

export function initialDocument(doc: ProjectDocument | undefined): DocumentState {
  return {
    doc: doc ?? newDocument('Untitled', emptyGraph),
    savedDoc: null,
    docGeneration: 0,
    history: emptyHistory,
    dragOrigin: null,
    measured: {},
  };
}

export function commitTo(set: SetState, get: GetState): Commit {
  const commit: Commit = {
    graph(result, options = {}) {
      if (isEditError(result)) {
        get().actions.notify('error', result.error);
        return false;
      }
      const s = get();
      if (result === s.doc.graph) return true;
      commit.doc({ ...s.doc, graph: result }, options);
      return true;
    },
    doc(edited, options = {}) {
      const s = get();
      const doc = pruneGroups(edited); // deleting a node takes it out of its group
      set({
        doc,
        history: record(s.history, s.dragOrigin ?? s.doc, options.mergeKey),
        dragOrigin: null,
        selection: options.select ?? prune(s.selection, doc.graph),
      });
    },
  };
  return commit;
}

/** Where a layer added by double-click goes: below the selected node, else below the lowest one. */
function appendPosition(s: DocumentState & { selection: Selection }) {
  const graph = s.doc.graph;
  const selected = s.selection.nodes.length === 1 ? nodeById(graph, s.selection.nodes[0]) : undefined;
  const lowest = [...graph.nodes].sort((a, b) => b.position.y - a.position.y)[0];
  const anchor = selected ?? lowest;
  const position = anchor
    ? {
        x: anchor.position.x,
        y: anchor.position.y + (s.measured[anchor.id]?.height ?? DEFAULT_NODE_HEIGHT) + NODE_GAP,
      }
    : { x: 0, y: 0 };
  return { selected, position };
}

function historyActions(set: SetState, get: GetState, commit: Commit) {
  function restore(step: { doc: ProjectDocument; history: History } | null): void {
    if (!step) return;
    set((s) => ({
      doc: step.doc,
      history: step.history,
      dragOrigin: null,
      selection: prune(s.selection, step.doc.graph),
    }));
  }
  const actions: Pick<
    DocumentActions,
    'undo' | 'redo' | 'loadDocument' | 'markSaved' | 'editDocument' | 'newDocument'
  > = {
    undo: () => restore(undo(get().history, get().doc)),
    redo: () => restore(redo(get().history, get().doc)),

    loadDocument(doc, options = {}) {
      commit.doc(doc, { select: noSelection });
      set({
        pasteCount: 0,
        savedDoc: options.saved === false ? null : get().doc,
        docGeneration: get().docGeneration + 1,
        // Sizes measured in the last document may belong to other layers under the same ids; a
        // layer without one is given its usual size and ports (canvas/projection.ts) until measured.
        measured: {},
        found: null,
        ...trainingForDocument(doc, get()),
      });
      get().actions.requestFit();
    },

    markSaved: () => set((s) => ({ savedDoc: s.doc })),

    editDocument(doc, options) {
      if (doc !== get().doc) commit.doc(doc, options);
    },

    newDocument: () => actions.loadDocument(newDocument('Untitled', emptyGraph)),
  };
  return actions;
}

function layoutActions(set: SetState, get: GetState): Pick<DocumentActions, 'moveNodes' | 'setMeasured'> {
  return {
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
  };
}

export function documentActions(set: SetState, get: GetState, commit: Commit): DocumentActions {
  return {
    addLayer(type, position) {
      const next = addNode(get().doc.graph, { type, position });
      if (!isEditError(next)) commit.graph(next, { select: { nodes: [lastNodeId(next)], edges: [] } });
      else commit.graph(next);
    },

    appendLayer(type) {
      const { selected, position } = appendPosition(get());
      let next = addNode(get().doc.graph, { type, position });
      if (isEditError(next)) return void commit.graph(next);
      const id = lastNodeId(next);
      const def = getLayer(type);
      if (selected && def && maxInputs(def) > 0) {
        const wired = connect(next, { source: selected.id, target: id, targetPort: 0 });
        if (!isEditError(wired)) next = wired;
      }
      commit.graph(next, { select: { nodes: [id], edges: [] } });
    },

    connectPorts: (c) => commit.graph(connect(get().doc.graph, c)),

    deleteElements(nodeIds, edgeIds) {
      if (!nodeIds.length && !edgeIds.length) return;
      commit.graph(removeNodes(disconnect(get().doc.graph, edgeIds), nodeIds), { select: noSelection });
    },

    deleteSelection() {
      const { nodes, edges } = get().selection;
      get().actions.deleteElements(nodes, edges);
    },

    setAttribute: (nodeId, key, value) =>
      void commit.graph(setAttribute(get().doc.graph, nodeId, key, value), {
        mergeKey: `attr:${nodeId}:${key}`,
      }),

    renameNode(nodeId, name) {
      const next = rename(get().doc.graph, nodeId, name);
      if (isEditError(next)) return next.error;
      commit.graph(next);
      return null;
    },

    setDocName(name) {
      const doc = get().doc;
      if (name !== doc.name) commit.doc({ ...doc, name }, { mergeKey: 'docName' });
    },

    ...layoutActions(set, get),
    ...historyActions(set, get, commit),
  };
}
