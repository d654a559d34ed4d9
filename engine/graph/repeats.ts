// Repeated blocks of a big network, found from its structure alone, so an imported ResNet,
// Inception or DenseNet opens as a few collapsed stages instead of hundreds of layers.
//
// A "cut" is a node every path from the inputs to the outputs passes through. Between two
// consecutive cuts lies either nothing (a plain chain) or a branching block: a residual block, an
// Inception module, a DenseNet layer. A stage is a run of such blocks one after the other at the
// same spatial size, with nothing else between them but the shape-keeping, parameter-free layers
// that close a block (the ReLU after a residual Add). Stages of two blocks or more are the groups.
import type { Analysis } from '../analysis/analyze.ts';
import type { Shape } from '../tensor/shape.ts';
import type { Graph, GraphNode } from './graph.ts';

export interface RepeatedStage {
  /** A readable title: the members' common name prefix ("layer1", "res2"), else the stage's size. */
  title: string;
  /** Node ids, in topological order. */
  members: string[];
  blocks: number;
}

/**
 * Which nodes (by position in the topological order) are cuts. With a virtual source feeding
 * every node that has no inputs and a virtual sink fed by every node nothing consumes, node i is
 * a cut exactly when no edge leaps over it: from a node before i to one after it.
 */
export function cuts(graph: Graph, order: readonly string[]): boolean[] {
  const at = new Map(order.map((id, i) => [id, i]));
  const n = order.length;
  const reach = new Array<number>(n).fill(-1);
  const fed = new Array<boolean>(n).fill(false);
  for (const e of graph.edges) {
    const a = at.get(e.source);
    const b = at.get(e.target);
    if (a === undefined || b === undefined) continue;
    reach[a] = Math.max(reach[a], b);
    fed[b] = true;
  }
  // The virtual source's edges end at the last node without inputs; a sink's edge ends past the end.
  let farthest = fed.lastIndexOf(false);
  return order.map((_, i) => {
    const cut = farthest <= i;
    farthest = Math.max(farthest, reach[i] < 0 ? n : reach[i]);
    return cut;
  });
}

interface Block {
  /** Index range [start, end] in the order, end being the cut that closes it. */
  start: number;
  end: number;
}

export const spatial = (shape: Shape | null | undefined) =>
  shape && shape.length >= 3 ? shape.slice(2).join('×') : '';

/** Parameter-free layers that keep their input's shape (ReLU, Dropout): they close a block. */
function closesBlock(analysis: Analysis, id: string, previous: string): boolean {
  const a = analysis.nodes.get(id);
  const p = analysis.nodes.get(previous);
  if (!a || !p || a.params > 0 || a.buffers > 0 || !a.outputShape || !p.outputShape) return false;
  return a.outputShape.join() === p.outputShape.join();
}

/** The branching blocks in order, each extended over the shape-keeping layers that follow it. */
function branchingBlocks(order: readonly string[], isCut: boolean[], analysis: Analysis): Block[] {
  const blocks: Block[] = [];
  let lastCut = -1;
  for (let i = 0; i < order.length; i++) {
    if (!isCut[i]) continue;
    if (i - lastCut > 1 && lastCut >= 0) {
      let end = i;
      while (end + 1 < order.length && isCut[end + 1] && closesBlock(analysis, order[end + 1], order[end]))
        end++;
      blocks.push({ start: lastCut + 1, end });
    }
    lastCut = i;
  }
  return blocks;
}

/** The longest common prefix of the names, cut back to a word boundary ("res2_", "layer1."). */
export function commonStem(names: readonly string[]): string {
  if (!names.length) return '';
  let prefix = names[0];
  for (const n of names) while (!n.startsWith(prefix)) prefix = prefix.slice(0, -1);
  const boundary = Math.max(...['_', '.', '/', '-'].map((c) => prefix.lastIndexOf(c)));
  const stem = boundary > 0 ? prefix.slice(0, boundary) : '';
  return /[a-z]/i.test(stem) ? stem : '';
}

/**
 * Runs of two or more branching blocks at one spatial size, as groups to draw collapsed.
 * Graphs without repeated blocks (a chain, one Inception module) give none.
 */
export function repeatedStages(graph: Graph, analysis: Analysis): RepeatedStage[] {
  const order = analysis.order.filter((id) => analysis.nodes.has(id));
  if (order.length < 8) return [];
  const isCut = cuts(graph, order);
  const blocks = branchingBlocks(order, isCut, analysis);
  const byId = new Map<string, GraphNode>(graph.nodes.map((n) => [n.id, n]));
  const sizeAt = (i: number) => spatial(analysis.nodes.get(order[i])?.outputShape);
  const stages: Block[][] = [];
  for (const b of blocks) {
    const run = stages.at(-1);
    const last = run?.at(-1);
    // The layers between two blocks (a Fire module's squeeze convolution) may join them into one
    // stage as long as nothing there changes the spatial size (a pooling or strided layer ends it).
    let joins = !!last && sizeAt(b.end) === sizeAt(last.end);
    for (let i = (last?.end ?? 0) + 1; joins && i < b.start; i++) joins = sizeAt(i) === sizeAt(last!.end);
    if (run && joins) run.push(b);
    else stages.push([b]);
  }
  return stages
    .filter((run) => run.length >= 2)
    .map((run, k): RepeatedStage | null => {
      const members = order.slice(run[0].start, run[run.length - 1].end + 1);
      if (members.some((id) => !byId.has(id))) return null;
      const stem = commonStem(members.map((id) => byId.get(id)?.name ?? ''));
      const size = spatial(analysis.nodes.get(members[members.length - 1])?.outputShape);
      const title = stem || `Stage ${k + 1}${size ? ` at ${size}` : ''}`;
      return { title: `${title} (${run.length} blocks)`, members, blocks: run.length };
    })
    .filter((stage): stage is RepeatedStage => stage !== null);
}
