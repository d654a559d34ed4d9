// A layer's internals for one sample of the step-through batch, cut to what may cross to the page:
// at most MAX_VIEW_STEPS steps of an attention map, and at most MAX_TENSOR_VALUES gate values.
import type { AnyLayerDef, GraphNode, LayerInternals, WeightMap } from '../../engine/index.ts';
import { defaultAttributes } from '../../engine/index.ts';
import type { LayerInternalsView } from '../../protocol/stepThrough.ts';
import { MAX_TENSOR_VALUES, MAX_VIEW_STEPS } from '../../protocol/stepThrough.ts';

export function internalsView(
  def: AnyLayerDef,
  node: GraphNode,
  input: Float32Array,
  inputShape: number[],
  weights: WeightMap,
): LayerInternalsView | undefined {
  if (!def.internals) return undefined;
  const r = def.internals({
    input,
    inputShape,
    params: weights.get(node.id) ?? new Map(),
    attrs: { ...defaultAttributes(def), ...node.attributes },
  });
  return typeof r === 'string' ? { kind: 'none', reason: r } : bounded(r);
}

function bounded(r: LayerInternals): LayerInternalsView {
  if (r.kind === 'attention') {
    const S = Math.min(r.steps, MAX_VIEW_STEPS, Math.floor(Math.sqrt(MAX_TENSOR_VALUES / r.heads)));
    const weights: number[] = [];
    for (let h = 0; h < r.heads; h++)
      for (let i = 0; i < S; i++)
        for (let j = 0; j < S; j++) weights.push(r.weights[(h * r.steps + i) * r.steps + j]);
    return { kind: 'attention', heads: r.heads, steps: S, totalSteps: r.steps, weights };
  }
  const perStep = r.gates.length * r.units;
  const S = Math.min(
    r.steps,
    Math.max(1, Math.floor(MAX_TENSOR_VALUES / (r.layers * r.directions * perStep))),
  );
  const values: number[] = [];
  for (let ld = 0; ld < r.layers * r.directions; ld++)
    for (let k = ld * r.steps * perStep; k < (ld * r.steps + S) * perStep; k++) values.push(r.values[k]);
  const { gates, layers, directions, units } = r;
  return { kind: 'gates', gates, layers, directions, units, steps: S, totalSteps: r.steps, values };
}
