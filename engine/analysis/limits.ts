// Analysis's side of the boundary rule (engine/limits.ts): tensors and port indices that would be
// too large to allocate are errors on their node, found from shapes alone, before any weight,
// activation or port table exists. Export, training and the host refuse graphs with errors, so
// nothing downstream ever allocates them.
import type { Diagnostic } from '../diagnostics.ts';
import type { Edge, GraphNode } from '../graph/graph.ts';
import type { AnyLayerDef } from '../layer.ts';
import {
  formatCount,
  limitText,
  MAX_MODEL_ELEMENTS,
  MAX_PORT_INDEX,
  MAX_TENSOR_ELEMENTS,
} from '../limits.ts';
import type { Shape } from '../tensor/shape.ts';
import { perSampleElements, product } from '../tensor/shape.ts';

/** The attribute whose value is one of the dims of an oversized shape: the likely typo. */
function culprit(node: GraphNode, shape: readonly unknown[]): string | undefined {
  const big = new Set(shape.filter((d): d is number => typeof d === 'number' && d > 1));
  let best: { key: string; size: number } | undefined;
  for (const [key, value] of Object.entries(node.attributes)) {
    const values = typeof value === 'number' ? [value] : Array.isArray(value) ? value.flat() : [];
    for (const v of values)
      if (typeof v === 'number' && big.has(v) && (!best || v > best.size)) best = { key, size: v };
  }
  return best?.key;
}

function tooLarge(node: GraphNode, what: string, shape: Shape, elements: number): Diagnostic {
  const attribute = culprit(node, shape);
  const blame = attribute ? ` (from ${attribute} = ${JSON.stringify(node.attributes[attribute])})` : '';
  return {
    code: 'too-large',
    severity: 'error',
    message: `${node.name}: ${what} [${shape.join(', ')}] has ${formatCount(elements)} elements, over the limit of ${limitText('MAX_TENSOR_ELEMENTS')}${blame}; make it smaller.`,
    nodeId: node.id,
    attribute,
  };
}

/** Parameters or an output too large to allocate, from the shapes alone. */
export function sizeProblems(
  node: GraphNode,
  def: AnyLayerDef,
  inputs: Shape[],
  out: Shape,
  attrs: never,
): Diagnostic[] {
  const problems: Diagnostic[] = [];
  const elements = perSampleElements(out);
  if (elements > MAX_TENSOR_ELEMENTS) problems.push(tooLarge(node, 'its output per sample', out, elements));
  for (const p of def.parameters?.(inputs, attrs) ?? []) {
    const n = product(p.shape);
    if (!(n <= MAX_TENSOR_ELEMENTS)) problems.push(tooLarge(node, `its ${p.name}`, p.shape, n));
  }
  return problems;
}

/** An edge whose port index is beyond MAX_PORT_INDEX (analysis would allocate that many slots). */
export function oversizedEdge(e: Edge, targetName: string | undefined): Diagnostic | null {
  const port = Math.max(e.targetPort, e.sourcePort ?? 0);
  if (Number.isInteger(e.targetPort) && Number.isInteger(e.sourcePort ?? 0) && port <= MAX_PORT_INDEX)
    return null;
  return {
    code: 'too-large',
    severity: 'error',
    message: `An edge into ${targetName ?? `'${e.target}'`} uses port ${port}; ports are whole numbers up to ${limitText('MAX_PORT_INDEX')}. Delete the edge.`,
    nodeId: targetName === undefined ? undefined : e.target,
  };
}

/** The whole model's parameters and buffers over MAX_MODEL_ELEMENTS, blamed on its largest node. */
export function modelSizeProblem(
  nodes: ReadonlyMap<string, { params: number; buffers: number }>,
  byId: ReadonlyMap<string, GraphNode>,
): Diagnostic | null {
  let total = 0;
  let largest: [string, number] | null = null;
  for (const [id, r] of nodes) {
    const n = r.params + r.buffers;
    total += n;
    if (!largest || n > largest[1]) largest = [id, n];
  }
  if (total <= MAX_MODEL_ELEMENTS || !largest) return null;
  return {
    code: 'too-large',
    severity: 'error',
    message: `The model holds ${formatCount(total)} parameters and buffers, over the limit of ${limitText('MAX_MODEL_ELEMENTS')}; ${byId.get(largest[0])?.name ?? largest[0]} is the largest layer.`,
    nodeId: largest[0],
  };
}
