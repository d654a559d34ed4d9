// Groups: named blocks drawn around nodes, saved in the document's optional `groups` list. They are
// a view of the graph (the model never changes), so every function here is document -> document
// and undo/redo covers them like any other edit. A node belongs to at most one group.
import type { Analysis, Graph, NodeGroup, ProjectDocument, Shape } from '../../engine/index.ts';
import { freshGroupId } from '../../engine/index.ts';

export { freshGroupId };

export type { NodeGroup };

export const groupsOf = (doc: ProjectDocument): readonly NodeGroup[] => doc.groups ?? [];

export function findGroup(doc: ProjectDocument, id: string): NodeGroup | undefined {
  return doc.groups?.find((g) => g.id === id);
}

/** The group a node belongs to, if any. */
export function groupOfNode(doc: ProjectDocument, nodeId: string): NodeGroup | undefined {
  return doc.groups?.find((g) => g.members.includes(nodeId));
}

function withGroups(doc: ProjectDocument, groups: NodeGroup[]): ProjectDocument {
  if (groups.length) return { ...doc, groups };
  if (!doc.groups) return doc;
  const rest = { ...doc };
  delete rest.groups;
  return rest;
}

function freshTitle(doc: ProjectDocument): string {
  const used = new Set(groupsOf(doc).map((g) => g.title));
  for (let i = 1; ; i++) if (!used.has(`Block ${i}`)) return `Block ${i}`;
}

/**
 * Puts the given nodes into a new group. Nodes already in a group move to the new one (a group
 * left empty disappears), so selecting two blocks and grouping them merges them.
 */
export function groupNodes(
  doc: ProjectDocument,
  nodeIds: readonly string[],
  title?: string,
): { doc: ProjectDocument; id: string } | { error: string } {
  const members = doc.graph.nodes.filter((n) => nodeIds.includes(n.id)).map((n) => n.id);
  if (!members.length) return { error: 'Select the layers to group first.' };
  const id = freshGroupId(doc);
  const taken = new Set(members);
  const kept = groupsOf(doc)
    .map((g) => ({ ...g, members: g.members.filter((m) => !taken.has(m)) }))
    .filter((g) => g.members.length > 0);
  const group: NodeGroup = { id, title: title?.trim() || freshTitle(doc), members, collapsed: false };
  return { doc: withGroups(doc, [...kept, group]), id };
}

export function ungroup(doc: ProjectDocument, groupId: string): ProjectDocument {
  if (!findGroup(doc, groupId)) return doc;
  return withGroups(
    doc,
    groupsOf(doc).filter((g) => g.id !== groupId),
  );
}

export function updateGroup(
  doc: ProjectDocument,
  groupId: string,
  change: Partial<Pick<NodeGroup, 'title' | 'collapsed'>>,
): ProjectDocument {
  const group = findGroup(doc, groupId);
  if (!group) return doc;
  const next = { ...group, ...change };
  if (next.title === group.title && next.collapsed === group.collapsed) return doc;
  return withGroups(
    doc,
    groupsOf(doc).map((g) => (g.id === groupId ? next : g)),
  );
}

/**
 * Drops members whose node was deleted and groups left empty; returns the same document when
 * nothing changed (the store runs this after every edit, so saved files always validate).
 */
export function pruneGroups(doc: ProjectDocument): ProjectDocument {
  if (!doc.groups) return doc;
  const ids = new Set(doc.graph.nodes.map((n) => n.id));
  if (doc.groups.every((g) => g.members.every((m) => ids.has(m)))) return doc;
  return withGroups(
    doc,
    doc.groups
      .map((g) => ({ ...g, members: g.members.filter((m) => ids.has(m)) }))
      .filter((g) => g.members.length > 0),
  );
}

/** Selection ids with group ids replaced by their members (selecting a block selects its layers). */
export function expandGroupIds(doc: ProjectDocument, ids: readonly string[]): string[] {
  if (!doc.groups) return [...ids];
  const out = new Set<string>();
  for (const id of ids) {
    const g = findGroup(doc, id);
    for (const m of g ? g.members : [id]) out.add(m);
  }
  return [...out];
}

export interface GroupSummary {
  members: number;
  params: number;
  macs: number;
  /** Shapes entering the group (one per distinct source output), and the group's own Input layers. */
  inputs: (Shape | null)[];
  /** Shapes leaving the group, and the outputs of members nothing consumes. */
  outputs: (Shape | null)[];
}

const summaries = new WeakMap<Analysis, Map<NodeGroup, GroupSummary>>();

export function summarizeGroup(group: NodeGroup, graph: Graph, analysis: Analysis): GroupSummary {
  let byGroup = summaries.get(analysis);
  if (!byGroup) summaries.set(analysis, (byGroup = new Map()));
  const hit = byGroup.get(group);
  if (hit) return hit;

  const inside = new Set(group.members);
  let params = 0;
  let macs = 0;
  for (const m of group.members) {
    const info = analysis.nodes.get(m);
    params += info?.params ?? 0;
    macs += info?.macs ?? 0;
  }
  const inputs = new Map<string, Shape | null>();
  const outputs = new Map<string, Shape | null>();
  const consumed = new Set<string>();
  for (const e of graph.edges) {
    consumed.add(e.source);
    const src = inside.has(e.source);
    const dst = inside.has(e.target);
    if (!src && dst) inputs.set(`${e.source}:${e.sourcePort}`, analysis.edgeShapes.get(e.id) ?? null);
    if (src && !dst) outputs.set(`${e.source}:${e.sourcePort}`, analysis.edgeShapes.get(e.id) ?? null);
  }
  for (const n of graph.nodes) {
    if (!inside.has(n.id)) continue;
    const shape = analysis.nodes.get(n.id)?.outputShape ?? null;
    if (n.type === 'Input') inputs.set(`${n.id}:input`, shape);
    if (!consumed.has(n.id)) outputs.set(`${n.id}:0`, shape);
  }
  const summary: GroupSummary = {
    members: group.members.length,
    params,
    macs,
    inputs: [...inputs.values()],
    outputs: [...outputs.values()],
  };
  byGroup.set(group, summary);
  return summary;
}
