// Find (Ctrl+F): the layers whose name, type or ONNX operator contains what was typed, or that sit
// in a block whose title does. Names come first, then types, then the rest, each in graph order.
import type { ProjectDocument } from '../../engine/index.ts';
import { typeLabel } from './LayerNode.tsx';

export interface FindHit {
  id: string;
  name: string;
  /** What the canvas calls its type ("Conv2d", "ONNX LRN"). */
  type: string;
  /** Where the text matched. */
  field: 'name' | 'type' | 'block';
  /** The collapsed block it is hidden in, if any. */
  block?: string;
}

export function findLayers(doc: ProjectDocument, query: string): FindHit[] {
  const q = query.trim().toLowerCase();
  if (!q) return [];
  const blockOf = new Map<string, { title: string; collapsed: boolean }>();
  for (const g of doc.groups ?? []) for (const m of g.members) blockOf.set(m, g);
  const hits: FindHit[] = [];
  for (const n of doc.graph.nodes) {
    const type = typeLabel(n.type, n.attributes);
    const block = blockOf.get(n.id);
    const field = n.name.toLowerCase().includes(q)
      ? 'name'
      : `${n.type} ${type}`.toLowerCase().includes(q)
        ? 'type'
        : block?.title.toLowerCase().includes(q)
          ? 'block'
          : null;
    if (field)
      hits.push({ id: n.id, name: n.name, type, field, ...(block?.collapsed ? { block: block.title } : {}) });
  }
  const rank = { name: 0, type: 1, block: 2 };
  return hits.sort((a, b) => rank[a.field] - rank[b.field]);
}
