// The canvas's transfer-learning actions, as undoable document edits: freeze the chosen node and
// everything before it, unfreeze all, and put a fresh classifier where the old one was.
import type { ProjectDocument } from '../../engine/index.ts';
import { freezeUpTo, isEditError, replaceClassifierInDocument, unfreezeAll } from '../../engine/index.ts';
import { appStore } from '../state/appStore.ts';

function apply(
  edit: (doc: ProjectDocument) => ProjectDocument | { error: string },
  select?: (doc: ProjectDocument) => string | undefined,
): boolean {
  const { doc, actions } = appStore.getState();
  const next = edit(doc);
  if (isEditError(next)) {
    actions.notify('error', next.error);
    return false;
  }
  const id = select?.(next);
  actions.editDocument(next, id ? { select: { nodes: [id], edges: [] } } : undefined);
  return true;
}

export function freezeUpToNode(nodeId: string): boolean {
  return apply((doc) => {
    const graph = freezeUpTo(doc.graph, nodeId);
    return isEditError(graph) ? graph : { ...doc, graph };
  });
}

export function unfreezeEverything(): boolean {
  return apply((doc) => ({ ...doc, graph: unfreezeAll(doc.graph) }));
}

/**
 * The chosen node (or the last Linear) replaced by a new Linear for `classes`; the old layer's
 * weights kept in the page go with it, so the new one starts from PyTorch's default init.
 */
export function replaceWithClassifier(classes: number, nodeId?: string): boolean {
  const old = appStore.getState().doc.graph.nodes.find((n) => n.id === nodeId);
  // The new layer keeps the old one's name and stays selected.
  const fresh = (doc: ProjectDocument) => doc.graph.nodes.find((n) => n.name === old?.name)?.id;
  return apply((doc) => {
    const next = replaceClassifierInDocument(doc, classes, nodeId);
    if (isEditError(next)) return next;
    const kept = new Set(next.graph.nodes.map((n) => n.id));
    const weights = doc.weights
      ? Object.fromEntries(Object.entries(doc.weights).filter(([id]) => kept.has(id)))
      : undefined;
    return { ...next, ...(weights && { weights }) };
  }, fresh);
}
