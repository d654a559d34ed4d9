// The graph's structure: which names a node's subgraphs read from outside, and a topological
// order of the nodes (the file's own order when it already is one).
import type { OnnxGraph, OnnxNode } from '../types.ts';
import { ImportError, label, type Value } from './context.ts';

/** Names a node's subgraphs read from enclosing scopes. */
export function outerNames(n: OnnxNode): string[] {
  const out = new Set<string>();
  const visit = (g: OnnxGraph, outerDefined: Set<string>) => {
    const defined = new Set([
      ...outerDefined,
      ...g.inputs.map((v) => v.name),
      ...g.initializers.map((t) => t.name),
    ]);
    for (const x of g.nodes) {
      for (const name of x.inputs) if (name && !defined.has(name)) out.add(name);
      for (const a of x.attributes) {
        if (a.type === 'GRAPH') visit(a.value, defined);
        if (a.type === 'GRAPHS') a.value.forEach((s) => visit(s, defined));
      }
      x.outputs.forEach((o) => defined.add(o));
    }
    for (const o of g.outputs) if (!defined.has(o.name)) out.add(o.name);
  };
  for (const a of n.attributes) {
    if (a.type === 'GRAPH') visit(a.value, new Set());
    if (a.type === 'GRAPHS') a.value.forEach((s) => visit(s, new Set()));
  }
  return [...out];
}

export function topoOrder(
  nodes: readonly OnnxNode[],
  outer: string[][],
  producerOf: Map<string, number>,
  values: Map<string, Value>,
): number[] {
  const deps = nodes.map((n, i) => {
    const d = new Set<number>();
    for (const name of [...n.inputs, ...outer[i]]) {
      if (!name) continue;
      const p = producerOf.get(name);
      if (p !== undefined) d.add(p);
      else if (!values.has(name))
        throw new ImportError(
          `Node ${label(n, i)} (${n.opType}) reads '${name}', which no node, input or initializer defines.`,
        );
    }
    return d;
  });
  // Files are normally in topological order already: keep it, so names and layout follow the file.
  if (deps.every((d, i) => [...d].every((p) => p < i))) return nodes.map((_, i) => i);
  // Otherwise Kahn's algorithm, taking the earliest ready node first (a binary heap of indices).
  const indegree = deps.map((d) => d.size);
  const users: number[][] = nodes.map(() => []);
  deps.forEach((d, i) => d.forEach((p) => users[p].push(i)));
  const heap: number[] = [];
  const push = (v: number) => {
    heap.push(v);
    for (let k = heap.length - 1; k > 0;) {
      const parent = (k - 1) >> 1;
      if (heap[parent] <= heap[k]) break;
      [heap[parent], heap[k]] = [heap[k], heap[parent]];
      k = parent;
    }
  };
  const pop = () => {
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length) {
      heap[0] = last;
      for (let k = 0; ;) {
        const l = 2 * k + 1;
        const r = l + 1;
        let m = k;
        if (l < heap.length && heap[l] < heap[m]) m = l;
        if (r < heap.length && heap[r] < heap[m]) m = r;
        if (m === k) break;
        [heap[m], heap[k]] = [heap[k], heap[m]];
        k = m;
      }
    }
    return top;
  };
  indegree.forEach((d, i) => d === 0 && push(i));
  const order: number[] = [];
  while (heap.length) {
    const i = pop();
    order.push(i);
    for (const u of users[i]) if (--indegree[u] === 0) push(u);
  }
  if (order.length !== nodes.length)
    throw new ImportError('The graph has a cycle; ONNX graphs must be acyclic.');
  return order;
}
