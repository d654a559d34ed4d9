// The store's selection and clipboard slice: what is selected, and copy, paste and duplicate of
// the selected layers (each paste one undo step). store.ts spreads these actions into its one
// actions object.
import type { Graph } from '../../engine/index.ts';
import { isEditError } from '../../engine/index.ts';
import { extractSubgraph, pasteSubgraph } from './clipboard.ts';
import type { Commit } from './documentSlice.ts';
import { noSelection } from './documentSlice.ts';
import type { GetState, SetState } from './storeApi.ts';

export interface Selection {
  nodes: readonly string[];
  edges: readonly string[];
}

export interface SelectionState {
  selection: Selection;
  clipboard: Graph | null;
  pasteCount: number;
}

export interface SelectionActions {
  select(selection: Selection): void;
  setSelected(kind: 'nodes' | 'edges', changes: readonly { id: string; selected: boolean }[]): void;
  selectAll(): void;
  copySelection(): void;
  paste(): void;
  duplicateSelection(): void;
}

export const initialSelection: SelectionState = { selection: noSelection, clipboard: null, pasteCount: 0 };

export function selectionActions(set: SetState, get: GetState, commit: Commit): SelectionActions {
  function pasteGraph(clip: Graph, offset: number): void {
    const pasted = pasteSubgraph(get().doc.graph, clip, { x: offset, y: offset });
    if (isEditError(pasted)) return void get().actions.notify('error', pasted.error);
    commit.graph(pasted.graph, { select: { nodes: pasted.ids, edges: [] } });
  }

  return {
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

    copySelection() {
      const { doc, selection } = get();
      if (!selection.nodes.length) return;
      set({ clipboard: extractSubgraph(doc.graph, selection.nodes), pasteCount: 0 });
      get().actions.notify(
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
  };
}
