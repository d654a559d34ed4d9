// The stages of a long plain chain (VGG, AlexNet): a network without repeated branching blocks
// still reads as a few stages, each a run of layers at one spatial size closed by the layer that
// shrinks it (VGG-19's five blocks of convolutions, each ended by its pooling). Drawn collapsed,
// a 46-layer VGG-19 opens as five stage cards and its classifier, readable at fit-to-view beside
// the Training drawer instead of a column of channel counts. Between repeated stages, the same
// idea groups DenseNet's transition layers.
import type { Analysis } from '../analysis/analyze.ts';
import type { Graph } from './graph.ts';
import { commonStem, cuts, type RepeatedStage, spatial } from './repeats.ts';

/** Shorter chains fit the canvas as they are (LeNet-5's 12 layers, mini-VGG's 20). */
export const MIN_CHAIN_LAYERS = 24;
/** A shorter head stays on the canvas as it is (ResNet's pooling and one fully connected layer). */
const MIN_HEAD_LAYERS = 4;

/**
 * Runs of two or more layers of a long chain that work at one spatial size, holding parameters,
 * as groups to draw collapsed. Every layer of a run is a cut (nothing branches around it). A
 * pooling (a shrinking layer without parameters) ends its run; a strided convolution starts one.
 * The classifier after the last stage is one more group. Empty for short graphs and for graphs
 * with fewer than two such runs.
 */
export function chainStages(graph: Graph, analysis: Analysis): RepeatedStage[] {
  const order = analysis.order.filter((id) => analysis.nodes.has(id));
  if (order.length < MIN_CHAIN_LAYERS) return [];
  const isCut = cuts(graph, order);
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const sizeOut = (i: number) => spatial(analysis.nodes.get(order[i])?.outputShape);
  const runs: number[][] = [];
  let run: number[] = [];
  const close = () => {
    if (run.length >= 2 && run.some((i) => analysis.nodes.get(order[i])!.params > 0)) runs.push(run);
    run = [];
  };
  for (let i = 1; i < order.length; i++) {
    const reads = sizeOut(i - 1);
    // Only a chain's layers (each fed by the one before it), on a picture-like input.
    if (!isCut[i] || !isCut[i - 1] || !reads || !sizeOut(i)) {
      close();
      continue;
    }
    const shrinks = sizeOut(i) !== reads;
    // A strided convolution opens the stage at its output's size (AlexNet's first); a pooling
    // closes the stage it pools (VGG's).
    if (shrinks && analysis.nodes.get(order[i])!.params > 0) close();
    run.push(i);
    if (shrinks && analysis.nodes.get(order[i])!.params === 0) close();
  }
  close();
  if (runs.length < 2) return [];
  const names = (r: number[]) => r.map((i) => byId.get(order[i])?.name ?? '');
  const stems = runs.map((r) => commonStem(names(r)));
  const named = stems.every((s) => s) && new Set(stems).size === stems.length;
  const stages = runs.map((r, k) => {
    const title = named ? stems[k] : `Stage ${k + 1} at ${sizeOut(r[0])}`;
    return { title: `${title} (${r.length} layers)`, members: r.map((i) => order[i]), blocks: r.length };
  });
  const head = classifier(
    order,
    isCut,
    runs.at(-1)!.at(-1)! + 1,
    (i) => analysis.nodes.get(order[i])!.params > 0,
  );
  if (head) {
    const stem = commonStem(names(head));
    stages.push({
      title: `${stem || 'Head'} (${head.length} layers)`,
      members: head.map((i) => order[i]),
      blocks: head.length,
    });
  }
  return stages;
}

/**
 * The chain's layers after its last stage up to its last layer with parameters (VGG's and AlexNet's
 * three fully connected layers with their ReLUs and dropouts; the softmax and the output after
 * them stay in view), when there are at least MIN_HEAD_LAYERS of them with two or more holding
 * parameters, and nothing branches.
 */
function classifier(
  order: readonly string[],
  isCut: boolean[],
  from: number,
  hasParams: (i: number) => boolean,
): number[] | null {
  let last = order.length - 1;
  while (last >= from && !hasParams(last)) last--;
  const head = Array.from({ length: last + 1 - from }, (_, k) => from + k);
  if (head.length < MIN_HEAD_LAYERS || order.slice(from).some((_, k) => !isCut[from + k])) return null;
  return head.filter(hasParams).length >= 2 ? head : null;
}

/** A shorter run between two stages stays on the canvas (SqueezeNet's pooling and squeeze). */
const MIN_TRANSITION_LAYERS = 4;

/**
 * The layers between two consecutive repeated stages, as groups: DenseNet's transition layers
 * (batch norm, ReLU, 1×1 convolution, average pooling; Huang et al. 2017, §3), which otherwise
 * stand as a column of tiles between the dense blocks. A run counts when it has at least
 * MIN_TRANSITION_LAYERS layers, one of them with parameters, and nothing branches around it.
 */
export function transitions(
  graph: Graph,
  analysis: Analysis,
  stages: readonly RepeatedStage[],
): RepeatedStage[] {
  const order = analysis.order.filter((id) => analysis.nodes.has(id));
  const at = new Map(order.map((id, i) => [id, i]));
  const isCut = cuts(graph, order);
  const spans = stages
    .map((s) => s.members.map((m) => at.get(m) ?? -1).filter((i) => i >= 0))
    .filter((ix) => ix.length)
    .map((ix) => [Math.min(...ix), Math.max(...ix)] as const)
    .sort((a, b) => a[0] - b[0]);
  const out: RepeatedStage[] = [];
  for (let k = 0; k + 1 < spans.length; k++) {
    const between = order.slice(spans[k][1] + 1, spans[k + 1][0]);
    const from = spans[k][1] + 1;
    if (between.length < MIN_TRANSITION_LAYERS) continue;
    if (between.some((_, j) => !isCut[from + j])) continue;
    if (!between.some((id) => analysis.nodes.get(id)!.params > 0)) continue;
    out.push({
      title: `Transition ${out.length + 1} (${between.length} layers)`,
      members: between,
      blocks: between.length,
    });
  }
  return out;
}
