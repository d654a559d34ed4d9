// A train step names its outputs ("w.new", "w.grad", "loss") with an Identity after the node that
// computes them. onnxruntime keeps such an Identity (a graph output may not be elided) and runs it
// as a copy: every parameter, gradient and optimizer state copied once more per step. Renaming the
// producing node's output to the graph output's name gives the same graph without the copies.
import type { OnnxNode, OnnxValueInfo } from './types.ts';

/**
 * `nodes` without the Identities that only rename a node's output to a graph output: the
 * producing node writes the graph output itself, and its other consumers read it under that name.
 * An Identity stays when its input is a graph input or initializer, is itself a graph output, or
 * already gives its name to another output.
 */
export function withoutOutputCopies(
  nodes: OnnxNode[],
  inputs: OnnxValueInfo[],
  outputs: OnnxValueInfo[],
): OnnxNode[] {
  const graphOutputs = new Set(outputs.map((o) => o.name));
  const produced = new Set(nodes.flatMap((n) => n.outputs));
  const external = new Set(inputs.map((i) => i.name));
  const renamed = new Map<string, string>();
  const dropped = new Set<OnnxNode>();
  for (const n of nodes) {
    if (n.opType !== 'Identity' || n.domain !== '' || !graphOutputs.has(n.outputs[0])) continue;
    const source = n.inputs[0];
    if (!produced.has(source) || external.has(source) || graphOutputs.has(source) || renamed.has(source))
      continue;
    renamed.set(source, n.outputs[0]);
    dropped.add(n);
  }
  if (!dropped.size) return nodes;
  const rename = (name: string) => renamed.get(name) ?? name;
  return nodes
    .filter((n) => !dropped.has(n))
    .map((n) => ({ ...n, inputs: n.inputs.map(rename), outputs: n.outputs.map(rename) }));
}
