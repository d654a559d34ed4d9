// The two contracts every consumer of a node's parameters relies on, stated once:
// - the tensor name of a parameter (train-step inputs, exported ONNX initializers, checkpoint
//   entries, grads.json keys) is `<node name>.<param>`;
// - a buffer (state that model.parameters() does not hold, like BatchNorm's running statistics)
//   is known by its ParamSpec role, never by its name: it gets no gradient and counts in no
//   gradient norm, weight norm, update ratio or trajectory.
import type { Analysis } from './analysis/analyze.ts';
import type { ParamSpec } from './layer.ts';

/** The tensor name of `node`'s parameter `param` in every graph, file and report we write. */
export function paramInputName(node: { name: string }, param: string): string {
  return `${node.name}.${param}`;
}

export const isBuffer = (p: Pick<ParamSpec, 'role'>): boolean => p.role === 'buffer';

/** Tells whether (node id, parameter name) is a buffer, from a graph's analysis. */
export type BufferTest = (nodeId: string, param: string) => boolean;

export function bufferTest(analysis: Analysis): BufferTest {
  const buffers = new Set<string>();
  for (const [id, node] of analysis.nodes)
    for (const p of node.parameters) if (isBuffer(p)) buffers.add(`${id}\n${p.name}`);
  return (nodeId, param) => buffers.has(`${nodeId}\n${param}`);
}
