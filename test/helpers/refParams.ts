// The engine's weights as float64 reference tensors, so the reference forward pass runs the very
// numbers the engine (or the host) used. Shapes come from the engine's analysis: the reference
// re-derives layer arithmetic, not which parameters a node has.
import type { Graph, WeightMap } from '../../engine/index.ts';
import { analyze } from '../../engine/index.ts';
import type { Params } from './reference.ts';
import { refTensor } from './reference.ts';

export function refParams(graph: Graph, weights: WeightMap): Record<string, Params> {
  const analysis = analyze(graph);
  const out: Record<string, Params> = {};
  for (const [id, params] of weights) {
    out[id] = {};
    for (const [name, v] of params) {
      const spec = analysis.nodes.get(id)!.parameters.find((p) => p.name === name)!;
      out[id][name] = refTensor(spec.shape, v);
    }
  }
  return out;
}
