// Training only the head of a frozen model: the frozen backbone is one fixed function (frozen
// layers run as at inference), so its output for each picture is computed once, and the epochs
// train the head on those features. Same losses and weights as training the whole graph with the
// backbone frozen; an epoch costs the head's steps only.
import type { Dataset } from '../../engine/data/index.ts';
import { makeDataset, sampleSize } from '../../engine/data/index.ts';
import type { ProjectDocument, WeightMap } from '../../engine/index.ts';
import { analyze, limitText, MAX_DATASET_ELEMENTS, splitAtFrozen } from '../../engine/index.ts';
import { anyBatch, inferencePass } from './inferencePass.ts';
import { prepareTraining } from './prepare.ts';
import type { TrainEvent, TrainResult, TrainRun } from './trainer.ts';
import { train } from './trainer.ts';

/** How a run will train: on cached features (and how long they took), or the whole graph and why. */
export type CacheDecision =
  | { cached: true; boundary: string; featureShape: number[]; seconds: number }
  | { cached: false; why: string };

interface Split {
  backbone: ProjectDocument;
  head: ProjectDocument;
  boundary: string;
  featureShape: number[];
}

function split(doc: ProjectDocument, samples: number): Split | { why: string } {
  const analysis = analyze(doc.graph);
  const cut = splitAtFrozen(doc.graph, (id) => analysis.nodes.get(id)?.outputShape ?? undefined);
  if ('why' in cut) return cut;
  const featureShape = analysis.nodes.get(cut.boundary)!.outputShape!.slice(1) as number[];
  const elements = samples * sampleSize(featureShape);
  if (elements > MAX_DATASET_ELEMENTS)
    return {
      why: `the features of ${samples} samples at [${featureShape.join(', ')}] are more than ${limitText('MAX_DATASET_ELEMENTS')} numbers; freeze up to a later node`,
    };
  const name = doc.graph.nodes.find((n) => n.id === cut.boundary)!.name;
  // The backbone runs over chunks of samples: an imported model's Input fixed at batch 1 is freed.
  const backbone = anyBatch({ ...doc, graph: cut.backbone });
  if (backbone.graph.nodes.some((n) => n.type === 'Input' && n.attributes.batch_size != null))
    return { why: 'the frozen part does not take batches of more than one sample' };
  return {
    backbone,
    head: { ...doc, graph: cut.head },
    boundary: name,
    featureShape,
  };
}

/** The backbone's output for every sample: a data set the head trains on. */
async function features(
  backbone: ProjectDocument,
  weights: WeightMap,
  data: Dataset,
  shape: number[],
  run: TrainRun,
): Promise<Dataset> {
  const per = sampleSize(shape);
  const x = new Float32Array(data.length * per);
  await inferencePass(
    backbone,
    weights,
    data,
    (chunk) => x.set(chunk.y.subarray(0, chunk.n * per), chunk.start * per),
    run.config.threads ?? 2,
    run.config.provider,
  );
  return makeDataset({ ...data, name: `${data.name} features`, inputShape: shape, x, length: data.length });
}

/** The whole model's weights: the frozen backbone's as they were, the head's as trained. */
function merged(all: WeightMap, head: WeightMap): WeightMap {
  const out = new Map(all);
  for (const [id, params] of head) out.set(id, params);
  return out;
}

/**
 * Trains `run` on cached backbone features when its model allows it (see splitAtFrozen), else
 * returns null (and says why) and leaves the run to train(). Not with checkpoints: their state is
 * the whole model's.
 */
export async function trainOnCachedFeatures(
  run: TrainRun & { start: NonNullable<TrainRun['start']> },
  onDecision?: (d: CacheDecision) => void,
): Promise<TrainResult | null> {
  if (!run.doc.graph.nodes.some((n) => n.frozen)) return null;
  const samples = run.data.train.length + (run.data.test?.length ?? 0);
  const s =
    run.resume || run.onEpochEnd
      ? { why: "checkpoints keep the whole model's training state" }
      : run.config.tbptt
        ? { why: 'truncated BPTT reads the streams window by window through the whole model' }
        : split(run.doc, samples);
  if ('why' in s) {
    onDecision?.({ cached: false, why: s.why });
    return null;
  }
  const all = run.start.weights;
  const began = performance.now();
  const train0 = await features(s.backbone, all, run.data.train, s.featureShape, run);
  const test0 = run.data.test && (await features(s.backbone, all, run.data.test, s.featureShape, run));
  onDecision?.({
    cached: true,
    boundary: s.boundary,
    featureShape: s.featureShape,
    seconds: (performance.now() - began) / 1000,
  });
  if (run.signal?.aborted) return { weights: all, history: [], stopped: 'cancelled', message: 'Stopped.' };
  const start = prepareTraining(s.head, train0, run.config, { kind: 'default' }, all);
  const onEvent = run.onEvent;
  const result = await train({
    ...run,
    doc: s.head,
    data: { train: train0, test: test0 },
    start,
    onEvent:
      onEvent &&
      ((e: TrainEvent) => onEvent(e.event === 'paused' ? { ...e, weights: merged(all, e.weights) } : e)),
  });
  return { ...result, weights: merged(all, result.weights) };
}
