// A graph of one layer fed by one Input (id 'in'), with the batch fixed: what single-layer
// gradient tests compile into a train step.
import type { AttrValue, Graph } from '../../engine/index.ts';
import { addNode, connect, emptyGraph, isEditError, withBatch } from '../../engine/index.ts';

const ok = (x: Graph | { error: string }) => {
  if (isEditError(x)) throw new Error(x.error);
  return x;
};

/** `type` with `attributes` as node 'layer', on an input of `shape` (batch first). */
export function oneLayerGraph(type: string, attributes: Record<string, AttrValue>, shape: number[]): Graph {
  let g = ok(addNode(emptyGraph, { type: 'Input', id: 'in', attributes: { shape: shape.slice(1) } }));
  g = ok(addNode(g, { type, id: 'layer', name: 'layer', attributes }));
  return withBatch(ok(connect(g, { source: 'in', target: 'layer', targetPort: 0 })), shape[0]);
}
