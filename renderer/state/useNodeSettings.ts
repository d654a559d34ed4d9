// One node's settings for a component that shows them (the inspector, the node on the canvas).
// A drag replaces the moved node's object on every frame; this keeps returning the same object
// while only its position changed, so those components don't re-render at the drag's pace (the
// inspector redrew its weight maps on every frame). Its position is therefore not kept current.
import { useRef } from 'react';
import type { GraphNode } from '../../engine/index.ts';
import { sameSettings } from './analysis.ts';
import { useApp } from './appStore.ts';
import { nodeOf } from './graphIndex.ts';

export function useNodeSettings(id: string): GraphNode | undefined {
  const last = useRef<GraphNode | undefined>(undefined);
  return useApp((s) => {
    const node = nodeOf(s.doc.graph, id);
    const before = last.current;
    if (node && before && sameSettings(before, node)) return before;
    last.current = node;
    return node;
  });
}
