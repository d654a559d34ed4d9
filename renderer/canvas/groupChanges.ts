// React Flow reports changes on group nodes and on members positioned relative to them; the store
// only knows layers with absolute positions. This turns the first kind into the second: moving a
// block moves its members, selecting a block selects its members, and a member's relative
// position becomes absolute again.
import type { NodeChange } from '@xyflow/react';
import { useStoreApi } from '@xyflow/react';
import { useEffect } from 'react';
import type { ProjectDocument } from '../../engine/index.ts';
import type { Size } from '../state/store.ts';
import { findGroup, groupOfNode } from '../state/groups.ts';
import type { CanvasNode } from './groupProjection.ts';
import { freezeFrame, frameOf, groupPosition, thawFrame } from './groupProjection.ts';

type FlowStore = ReturnType<typeof useStoreApi>;
let flowStore: FlowStore | null = null;

/**
 * Lets drags read where React Flow itself has a frame: a member's reported position is relative to
 * that, which may differ from the last render until React Flow has taken the new nodes in.
 */
export function useGroupDragOrigins(): void {
  const store = useStoreApi();
  useEffect(() => {
    flowStore = store;
    return () => {
      flowStore = null;
    };
  }, [store]);
}

function frameOrigin(groupId: string): { x: number; y: number } | undefined {
  return flowStore?.getState().nodeLookup.get(groupId)?.internals.positionAbsolute ?? groupPosition(groupId);
}

export function resolveGroupChanges(
  doc: ProjectDocument,
  measured: Record<string, Size>,
  changes: NodeChange<CanvasNode>[],
): NodeChange<CanvasNode>[] {
  if (!doc.groups?.length) return changes;
  const byId = new Map(doc.graph.nodes.map((n) => [n.id, n]));
  const groupSelects: NodeChange<CanvasNode>[] = [];
  const out: NodeChange<CanvasNode>[] = [];
  const movedDirectly = new Set(
    changes.flatMap((c) => (c.type === 'position' && !findGroup(doc, c.id) ? [c.id] : [])),
  );

  for (const c of changes) {
    if (c.type === 'select') {
      const g = findGroup(doc, c.id);
      if (g) for (const m of g.members) groupSelects.push({ type: 'select', id: m, selected: c.selected });
      else out.push(c);
    } else if (c.type === 'position') {
      const g = findGroup(doc, c.id);
      // From the document, not the last render: two drag frames may arrive between renders.
      const at = g && frameOf(g, doc.graph, measured, doc.layout?.direction);
      if (g) {
        if (!c.position || !at) {
          // the end of a drag: one member carries the "dragging: false" that closes the undo step
          out.push({ type: 'position', id: g.members[0], dragging: c.dragging });
          continue;
        }
        const dx = c.position.x - at.x;
        const dy = c.position.y - at.y;
        for (const m of g.members) {
          const node = byId.get(m);
          if (!node || movedDirectly.has(m)) continue;
          out.push({
            type: 'position',
            id: m,
            dragging: c.dragging,
            position: { x: node.position.x + dx, y: node.position.y + dy },
          });
        }
        continue;
      }
      const parent = groupOfNode(doc, c.id);
      const inFrame = parent && !parent.collapsed ? parent : undefined;
      if (inFrame && c.dragging) freezeFrame(inFrame.id);
      const origin = inFrame && c.position ? frameOrigin(inFrame.id) : undefined;
      if (inFrame && !c.dragging) thawFrame(inFrame.id);
      out.push(
        origin && c.position
          ? { ...c, position: { x: c.position.x + origin.x, y: c.position.y + origin.y } }
          : c,
      );
    } else out.push(c);
  }
  // Selecting a block selects all its members, even one React Flow deselects in the same click;
  // block changes go first, so a click on one member of a selected block keeps that member.
  const selecting = new Set(groupSelects.flatMap((c) => (c.type === 'select' && c.selected ? [c.id] : [])));
  const kept = out.filter((c) => !(c.type === 'select' && !c.selected && selecting.has(c.id)));
  return [...groupSelects, ...kept];
}
