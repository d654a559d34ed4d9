// How the graph is arranged: Auto layout in the document's direction (top to bottom or left to
// right), switching that direction, grouping repeated blocks, collapsing and expanding every
// block. Each is one undo step; layout runs ELK in a Web Worker (canvas/elkWorker.ts).
import type { Direction } from '../../engine/graph/layout.ts';
import { layoutPositions } from '../../engine/graph/layout.ts';
import { chainStages, transitions } from '../../engine/graph/chainStages.ts';
import { type RepeatedStage, repeatedStages } from '../../engine/graph/repeats.ts';
import type { ProjectDocument } from '../../engine/index.ts';
import { moveNode, isEditError } from '../../engine/index.ts';
import { analysisOf } from '../state/analysis.ts';
import { appStore } from '../state/appStore.ts';
import { freshGroupId, groupOfNode } from '../state/groups.ts';
import type { Size } from '../state/store.ts';

const state = () => appStore.getState();
const DEFAULT_SIZE: Size = { width: 220, height: 100 };

/** The document with every node where the layout puts it (in `direction`, groups as boxes). */
export async function laidOut(doc: ProjectDocument, direction: Direction): Promise<ProjectDocument> {
  const { measured } = state();
  const at = await layoutPositions(doc.graph, (id) => measured[id] ?? DEFAULT_SIZE, {
    direction,
    groups: doc.groups,
  });
  let graph = doc.graph;
  for (const [id, position] of Object.entries(at)) {
    const moved = moveNode(graph, id, position);
    if (!isEditError(moved)) graph = moved;
  }
  return { ...doc, graph, layout: { direction } };
}

/** Auto layout (Ctrl+L), or a new direction: one undo step, then zoom to fit. */
export async function autoLayout(direction?: Direction): Promise<void> {
  const { doc, actions } = state();
  if (!doc.graph.nodes.length) {
    if (direction) actions.editDocument({ ...doc, layout: { direction } });
    return;
  }
  try {
    const next = await laidOut(doc, direction ?? doc.layout?.direction ?? 'TB');
    // An edit made while the layout ran wins: the layout is dropped rather than undoing it.
    if (state().doc !== doc) return;
    actions.editDocument(next);
    actions.requestFit();
  } catch (e) {
    actions.notify('error', `Auto layout failed: ${(e as Error).message}`);
  }
}

/**
 * Puts every run of repeated blocks that is not in a group yet, and the transitions between them,
 * into collapsed groups; in a graph without repeated blocks, a long chain's stages (VGG's blocks,
 * graph/chainStages.ts).
 */
export async function groupRepeats(): Promise<void> {
  const { doc, actions } = state();
  const analysis = analysisOf(doc.graph);
  const ungrouped = (found: RepeatedStage[]) =>
    found.filter((s) => s.members.every((m) => !groupOfNode(doc, m)));
  const found = repeatedStages(doc.graph, analysis);
  const repeated = ungrouped([...found, ...transitions(doc.graph, analysis, found)]);
  const stages = repeated.length ? repeated : ungrouped(chainStages(doc.graph, analysis));
  if (!stages.length)
    return actions.notify(
      'info',
      'No repeated blocks or long chain of stages were found (or they are all in blocks already).',
    );
  let next = doc;
  for (const s of stages) {
    const group = { id: freshGroupId(next), title: s.title, members: s.members, collapsed: true };
    next = { ...next, groups: [...(next.groups ?? []), group] };
  }
  actions.editDocument(await laidOut(next, next.layout?.direction ?? 'TB'), {
    select: { nodes: [], edges: [] },
  });
  actions.requestFit();
  actions.notify(
    'info',
    repeated.length
      ? `Grouped ${stages.length} run${stages.length === 1 ? '' : 's'} of repeated blocks.`
      : `Grouped the chain into ${stages.length} stages.`,
  );
}

/** Collapses or expands every block, laid out again so the graph makes room (or closes up). */
export async function setAllCollapsed(collapsed: boolean): Promise<void> {
  const { doc, actions } = state();
  if (!doc.groups?.length) return;
  const groups = doc.groups.map((g) => ({ ...g, collapsed }));
  actions.editDocument(await laidOut({ ...doc, groups }, doc.layout?.direction ?? 'TB'), {
    select: { nodes: [], edges: [] },
  });
  actions.requestFit();
}
