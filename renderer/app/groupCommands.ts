// Group commands on the running app: each is one undoable document edit.
import { isEditError, moveNode } from '../../engine/index.ts';
import { frameOf } from '../canvas/groupProjection.ts';
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

/**
 * Collapses or expands a block in place: what lies beyond it along the flow moves by the change
 * in the block's length, so an expanded stage pushes the rest down (or right) instead of landing
 * on it, and collapsing closes the gap again. Collapsing deselects the hidden members, so Delete
 * never removes layers nobody can see. One undo step.
 */
export function setGroupCollapsed(groupId: string, collapsed: boolean): void {
  const { doc, selection, actions, measured } = state();
  const group = findGroup(doc, groupId);
  if (!group || group.collapsed === collapsed) return;
  const direction = doc.layout?.direction ?? 'TB';
  const before = frameOf(group, doc.graph, measured, direction);
  const after = frameOf({ ...group, collapsed }, doc.graph, measured, direction);
  const along = direction === 'LR' ? 'x' : 'y';
  const length = direction === 'LR' ? 'width' : 'height';
  const end = before[along] + before[length];
  const delta = after[along] + after[length] - end;
  const members = new Set(group.members);
  let graph = doc.graph;
  for (const n of doc.graph.nodes) {
    if (members.has(n.id) || n.position[along] < end) continue;
    const moved = moveNode(graph, n.id, { ...n.position, [along]: n.position[along] + delta });
    if (!isEditError(moved)) graph = moved;
  }
  const hidden = new Set(collapsed ? group.members : []);
  actions.editDocument(updateGroup({ ...doc, graph }, groupId, { collapsed }), {
    select: { nodes: selection.nodes.filter((id) => !hidden.has(id)), edges: selection.edges },
  });
}

export function renameGroup(groupId: string, title: string): void {
  const { doc, actions } = state();
  const trimmed = title.trim();
  if (trimmed) actions.editDocument(updateGroup(doc, groupId, { title: trimmed }));
}
