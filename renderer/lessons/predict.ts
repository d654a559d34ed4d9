// Predict, then reveal: the answer a lesson hides (shape, params, MACs, receptive field), whether a
// student's guess matches it, and the working with the numbers filled in.
import type { Graph, NodeAnalysis, RFTransfer } from '../../engine/index.ts';
import { formatShape, getLayer, isGlobal, nodeById } from '../../engine/index.ts';
import type { HiddenQuantity } from '../../protocol/lesson.ts';
import { formatCount, formatReceptiveField } from '../components/format.ts';

export interface Reveal {
  answer: string;
  right: boolean;
  working: string[];
}

const minus = (n: number) => (n < 0 ? `−${-n}` : String(n));
const product = (xs: number[]) => xs.reduce((a, b) => a * b, 1);

/** The integers in a guess ("16 × 8 × 8", "[N, 16, 8, 8]", "-6"). */
function integers(text: string): number[] {
  return [...text.replace(/[−–]/g, '-').matchAll(/-?\d+/g)].map((m) => Number(m[0]));
}

/** "2,416", "2416", "3.7M", "590 K" as a number; NaN when it isn't one. */
export function parseCount(text: string): number {
  const m = /^\s*([\d.,_\s]+?)\s*([kmg])?\s*$/i.exec(text);
  if (!m) return NaN;
  const n = Number(m[1].replace(/[,_\s]/g, ''));
  const scale = { k: 1e3, m: 1e6, g: 1e9 }[(m[2] ?? '').toLowerCase()] ?? 1;
  return n * scale;
}

const sameList = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** One parameter tensor as a product: [16, 6, 5, 5] -> "16·(6·5·5)". */
function tensorProduct(shape: number[]): string {
  if (shape.length <= 1) return String(shape[0] ?? 1);
  if (shape.length === 2) return `${shape[0]}·${shape[1]}`;
  return `${shape[0]}·(${shape.slice(1).join('·')})`;
}

function windowOf(graph: Graph, info: NodeAnalysis): RFTransfer | null {
  const node = nodeById(graph, info.id);
  const def = node && getLayer(node.type);
  if (!node || !def?.receptiveField || info.inputShapes.some((s) => !s)) return null;
  return def.receptiveField(info.inputShapes as never, node.attributes as never);
}

function paramsWorking(graph: Graph, info: NodeAnalysis): string[] {
  const node = nodeById(graph, info.id);
  const learned = info.parameters.filter((p) => p.role !== 'buffer');
  if (learned.length === 0) return ['This layer has no learned parameters.'];
  const lines: string[] = [];
  if (node?.type === 'Conv2d' && learned.every((p) => p.count === undefined))
    lines.push(learned.length > 1 ? 'params = out·(in·k·k) + out' : 'params = out·(in·k·k)');
  else if (node?.type === 'Linear')
    lines.push(learned.length > 1 ? 'params = out·in + out' : 'params = out·in');
  if (learned.some((p) => p.count !== undefined))
    lines.push(
      ...learned.map((p) => `${p.name}: ${formatCount(p.count ?? product(p.shape))} learned entries`),
      `params = ${formatCount(info.params)}`,
    );
  else
    lines.push(
      `= ${learned.map((p) => tensorProduct(p.shape)).join(' + ')} = ${formatCount(info.params)}` +
        ` (${learned.map((p) => `${p.name} ${p.shape.join('×')}`).join(', ')})`,
    );
  return lines;
}

function shapeWorking(graph: Graph, info: NodeAnalysis): string[] {
  const out = info.outputShape;
  const input = info.inputShapes[0];
  const t = windowOf(graph, info);
  if (out && input && t && t.kind === 'window' && input.length === out.length) {
    const spatial = t.kernel.length;
    const lines = ['H_out = ⌊(H + 2·P − K) / S⌋ + 1, with K = D·(k − 1) + 1 the dilated kernel'];
    for (let i = 0; i < spatial; i++) {
      const axis = input.length - spatial + i;
      const H = input[axis];
      if (typeof H !== 'number') return [`output = ${formatShape(out)}`];
      const [P, K, S] = [t.pad[i], t.kernel[i], t.stride[i]];
      const value = Math.floor((H + 2 * P - K) / S) + 1;
      if (value !== out[axis]) return [`output = ${formatShape(out)}`];
      lines.push(
        `${spatial === 2 ? ['H', 'W'][i] : 'L'}_out = ⌊(${H} + 2·${P} − ${K}) / ${S}⌋ + 1 = ${value}`,
      );
    }
    const channels = out.length - spatial - 1;
    if (channels > 0) lines.push(`channels: ${out[1]}`);
    lines.push(`output = ${formatShape(out)}`);
    return lines;
  }
  const node = nodeById(graph, info.id);
  if (node?.type === 'Linear' && out) return [`the last axis becomes out_features = ${out[out.length - 1]}`];
  return [`output = ${formatShape(out)}`];
}

function rfWorking(graph: Graph, info: NodeAnalysis, nodes: Map<string, NodeAnalysis>): string[] {
  const rf = info.receptiveField;
  if (rf === null) return ['No receptive field: the input has no spatial axes.'];
  if (isGlobal(rf))
    return ['Global: every output sees the whole input (a Linear, Flatten or global pooling).'];
  const edge = graph.edges.find((e) => e.target === info.id);
  const before = edge ? (nodes.get(edge.source)?.receptiveField ?? null) : null;
  const t = windowOf(graph, info);
  const lines = ['r_out = r_in + (K − 1)·S_in, S_out = S_in·s, start_out = start_in − P·S_in'];
  if (before && !isGlobal(before) && t?.kind === 'window' && info.receptivePaths.length === 0) {
    const [r, S, s0, K, s, P] = [
      before.size[0],
      before.stride[0],
      before.start[0],
      t.kernel[0],
      t.stride[0],
      t.pad[0],
    ];
    lines.push(
      `r = ${r} + (${K} − 1)·${S} = ${rf.size[0]}`,
      `S = ${S}·${s} = ${rf.stride[0]}`,
      `start = ${minus(s0)} − ${P}·${S} = ${minus(rf.start[0])}`,
    );
  } else if (before && !isGlobal(before) && t === null)
    lines.push('element-wise: the field passes through unchanged');
  lines.push(`field: ${formatReceptiveField(rf)}`);
  return lines;
}

/** The hidden answer, and whether the guess gets it. */
export function reveal(
  quantity: HiddenQuantity,
  guess: string,
  graph: Graph,
  nodes: Map<string, NodeAnalysis>,
  id: string,
): Reveal | null {
  const info = nodes.get(id);
  if (!info) return null;
  switch (quantity) {
    case 'params':
      return {
        answer: formatCount(info.params),
        right: parseCount(guess) === info.params,
        working: paramsWorking(graph, info),
      };
    case 'macs': {
      const n = parseCount(guess);
      return {
        answer: `${formatCount(info.macs)} multiply-adds`,
        right: Number.isFinite(n) && Math.abs(n - info.macs) <= info.macs * 0.01,
        working: [
          `MACs = ${formatCount(info.macs)} (each output element costs one multiply-add per weight it uses)`,
        ],
      };
    }
    case 'shape': {
      const out = info.outputShape ?? [];
      const numeric = (dims: readonly (number | string)[]) => dims.filter((d) => typeof d === 'number');
      const [all, perSample] = [numeric(out), numeric(out.slice(1))];
      const g = integers(guess);
      return {
        answer: formatShape(info.outputShape),
        right: g.length > 0 && (sameList(g, all) || sameList(g, perSample)),
        working: shapeWorking(graph, info),
      };
    }
    case 'rf': {
      const rf = info.receptiveField;
      const g = integers(guess);
      let right = false;
      if (rf && isGlobal(rf)) right = /global|whole|all/i.test(guess);
      else if (rf)
        right = [
          [rf.size[0]],
          rf.size,
          [rf.size[0], rf.stride[0]],
          [rf.size[0], rf.stride[0], rf.start[0]],
          integers(formatReceptiveField(rf) ?? ''),
        ].some((want) => sameList(g, want));
      return { answer: formatReceptiveField(rf) ?? '–', right, working: rfWorking(graph, info, nodes) };
    }
  }
}

/** A revealed answer: one quantity of one node. */
export const revealKey = (nodeId: string, quantity: HiddenQuantity) => `${nodeId}:${quantity}`;

/** Whether one node's value may be shown: the lesson does not hide it, or it has been revealed. */
export function nodeShown(
  quantity: HiddenQuantity,
  hidden: readonly HiddenQuantity[],
  revealed: ReadonlySet<string>,
  nodeId: string,
): boolean {
  return !hidden.includes(quantity) || revealed.has(revealKey(nodeId, quantity));
}

/**
 * Whether a network total (parameters, MACs) may be shown: the lesson does not hide it, or every
 * node that adds to it has been revealed — the total would otherwise give the answers away.
 */
export function totalShown(
  quantity: 'params' | 'macs',
  hidden: readonly HiddenQuantity[],
  revealed: ReadonlySet<string>,
  nodes: ReadonlyMap<string, NodeAnalysis>,
): boolean {
  if (!hidden.includes(quantity)) return true;
  return [...nodes.values()].every((n) => n[quantity] === 0 || revealed.has(revealKey(n.id, quantity)));
}
