// A small programmatic way to write graphs (templates, tests, importers):
//   const b = new GraphBuilder(); const x = b.input([1, 28, 28]); const y = b.add('Conv2d', {...}, x);
// Positions follow a simple column-per-depth layout; the app re-lays-out with elkjs on demand.
import type { AttrValue } from '../layer.ts';
import { isEditError, addNode, connect } from './edits.ts';
import type { Graph } from './graph.ts';
import { emptyGraph } from './graph.ts';

export class GraphBuilder {
  graph: Graph = emptyGraph;
  private depth = new Map<string, number>();
  private rows = new Map<number, number>();

  add(
    type: string,
    attributes: Record<string, AttrValue> = {},
    inputs: string | string[] = [],
    name?: string,
  ): string {
    const sources = typeof inputs === 'string' ? [inputs] : inputs;
    const depth = sources.length ? Math.max(...sources.map((s) => this.depth.get(s) ?? 0)) + 1 : 0;
    const row = this.rows.get(depth) ?? 0;
    this.rows.set(depth, row + 1);
    const next = addNode(this.graph, { type, attributes, name, position: { x: row * 240, y: depth * 150 } });
    if (isEditError(next)) throw new Error(next.error);
    const id = next.nodes[next.nodes.length - 1].id;
    this.graph = next;
    this.depth.set(id, depth);
    sources.forEach((source, port) => {
      const wired = connect(this.graph, { source, target: id, targetPort: port });
      if (isEditError(wired)) throw new Error(wired.error);
      this.graph = wired;
    });
    return id;
  }

  input(shape: number[], name = 'input'): string {
    return this.add('Input', { shape }, [], name);
  }

  /** Appends layers one after another; returns the last node's id. */
  chain(from: string, layers: [type: string, attributes?: Record<string, AttrValue>][]): string {
    let last = from;
    for (const [type, attributes] of layers) last = this.add(type, attributes ?? {}, last);
    return last;
  }
}
