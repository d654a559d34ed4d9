// Group commands on the running app: each is one undoable document edit.
import { appStore } from '../state/appStore.ts';
import { findGroup, groupNodes, groupOfNode, ungroup, updateGroup } from '../state/groups.ts';

const state = () => appStore.getState();

/** Groups the selected layers (Ctrl+G). */
export function groupSelection(title?: string): string | null {
  const { doc, selection, actions } = state();
  const made = groupNodes(doc, selection.nodes, title);
  if ('error' in made) {
    actions.notify('error', made.error);
    return null;
  }
  actions.editDocument(made.doc, { select: selection });
  return made.id;
}

/** The groups whose every member is selected (what a selected block means). */
export function selectedGroups(): string[] {
  const { doc, selection } = state();
  const selected = new Set(selection.nodes);
  return (doc.groups ?? []).filter((g) => g.members.every((m) => selected.has(m))).map((g) => g.id);
}

/** Ungroups the selected blocks, or the block of the one selected layer (Ctrl+Shift+G). */
export function ungroupSelection(): void {
  const { doc, selection, actions } = state();
  let ids = selectedGroups();
  if (!ids.length && selection.nodes.length === 1) {
    const g = groupOfNode(doc, selection.nodes[0]);
    if (g) ids = [g.id];
  }
  if (!ids.length) return actions.notify('info', 'Select a block to ungroup.');
  actions.editDocument(ids.reduce(ungroup, doc));
}

/** Collapsing deselects the hidden members, so Delete never removes layers nobody can see. */
export function setGroupCollapsed(groupId: string, collapsed: boolean): void {
  const { doc, selection, actions } = state();
  const group = findGroup(doc, groupId);
  if (!group) return;
  const hidden = new Set(collapsed ? group.members : []);
  actions.editDocument(updateGroup(doc, groupId, { collapsed }), {
    select: { nodes: selection.nodes.filter((id) => !hidden.has(id)), edges: selection.edges },
  });
}

export function renameGroup(groupId: string, title: string): void {
  const { doc, actions } = state();
  const trimmed = title.trim();
  if (trimmed) actions.editDocument(updateGroup(doc, groupId, { title: trimmed }));
}
