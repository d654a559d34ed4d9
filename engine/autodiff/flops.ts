// The exact arithmetic of one train step, counted the way roofline figures are: the multiply-
// accumulates of the layers that have them (matmuls and convolutions), forward and backward.
// Element-wise work (activations, the loss, the optimizer) is not counted, as in PyTorch's and
// fvcore's FLOP counters. The backward pass of a layer costs its forward MACs once for the weight
// gradient (when it is trained) and once per input whose gradient is computed; the compiler skips
// the gradient of an input nothing trainable sits behind (the first layer's dX), so it is not
// counted either.
import { analyze } from '../analysis/analyze.ts';
import type { Graph } from '../graph/graph.ts';
import { gradientWanted, hasTrainableParameters, incomingSources } from './backward.ts';
import { withBatch } from './trainStep.ts';

export interface TrainFlops {
  /** Forward multiply-accumulates per sample. */
  forwardMacs: number;
  /** Weight-gradient multiply-accumulates per sample. */
  weightGradMacs: number;
  /** Input-gradient multiply-accumulates per sample (only the gradients the step computes). */
  inputGradMacs: number;
  /** 2 x the sum of the three: floating-point operations per sample of one train step. */
  flopsPerSample: number;
}

export function trainStepFlops(graph0: Graph, opts: { inputGradients?: boolean } = {}): TrainFlops {
  const graph = withBatch(graph0, 1);
  const analysis = analyze(graph);
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const scope = {
    analysis,
    nodeOf: (id: string) => byId.get(id)!,
    inputGradients: !!opts.inputGradients,
    everyNode: false,
  };
  const incoming = incomingSources(graph);
  const wanted = gradientWanted(scope, incoming);
  let forwardMacs = 0;
  let weightGradMacs = 0;
  let inputGradMacs = 0;
  for (const id of analysis.order) {
    const macs = analysis.nodes.get(id)!.macs;
    forwardMacs += macs;
    // A node whose output gradient is not wanted runs no backward rule at all.
    if (!macs || !wanted(id)) continue;
    if (hasTrainableParameters(scope, id)) weightGradMacs += macs;
    inputGradMacs += macs * (incoming.get(id) ?? []).filter((s) => wanted(s)).length;
  }
  return {
    forwardMacs,
    weightGradMacs,
    inputGradMacs,
    flopsPerSample: 2 * (forwardMacs + weightGradMacs + inputGradMacs),
  };
}
