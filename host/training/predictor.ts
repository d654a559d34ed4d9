// One sample in, class probabilities out: the inference ONNX model of a document with given
// weights, run in onnxruntime-node. A run keeps its predictor so repeated drawings are quick.
import * as ort from 'onnxruntime-node';
import type { ChannelStats } from '../../engine/data/index.ts';
import { sampleSize } from '../../engine/data/index.ts';
import type { ProjectDocument, WeightMap } from '../../engine/index.ts';
import { analyze, exportInference, formatShape } from '../../engine/index.ts';
import { encodeModel } from '../../engine/onnx/index.ts';
import { HostError } from '../../protocol/hostApi.ts';
import type { Prediction } from '../../protocol/training.ts';
import { anyBatch, documentWeights, type DocumentSource } from './activations.ts';
import { createSession, type ExecutionProviderChoice } from './providers.ts';

export interface Predictor {
  /**
   * Probabilities per class (softmax of the output unless the network already ends in one), or
   * the output as it is when it is a picture (outputPicture).
   */
  predict(values: readonly number[]): Promise<number[]>;
  release(): Promise<void>;
}

export function softmax(logits: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  const e = Array.from(logits, (v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

/**
 * The output's C×H×W when the network answers with a picture (1 to 4 channels, a denoiser's or an
 * autoencoder's), else null: classes.
 */
export function outputPicture(doc: ProjectDocument): [number, number, number] | null {
  // A run asks once per drawing with the same document: analyse it once.
  const known = pictures.get(doc);
  if (known !== undefined) return known;
  const found = findOutputPicture(doc);
  pictures.set(doc, found);
  return found;
}

const pictures = new WeakMap<ProjectDocument, [number, number, number] | null>();

function findOutputPicture(doc: ProjectDocument): [number, number, number] | null {
  const analysis = analyze(doc.graph);
  const sources = new Set(doc.graph.edges.map((e) => e.source));
  const ends = doc.graph.nodes.filter((n) => !sources.has(n.id));
  const shape = ends.length === 1 ? analysis.nodes.get(ends[0].id)?.outputShape?.slice(1) : undefined;
  if (!shape || shape.length !== 3 || !shape.every((d) => typeof d === 'number')) return null;
  const [c, h, w] = shape as number[];
  return c <= 4 && h * w > 1 ? [c, h, w] : null;
}

function toProbabilities(lastType: string, y: Float32Array): number[] {
  if (lastType === 'Softmax') return Array.from(y);
  if (lastType === 'LogSoftmax') return Array.from(y, Math.exp);
  return softmax(y);
}

/** Applies the training run's standardisation (per channel, as the data loader did). */
function standardize(x: Float32Array, channels: number, stats: ChannelStats): void {
  const inner = x.length / channels;
  for (let c = 0; c < channels; c++)
    for (let i = c * inner; i < (c + 1) * inner; i++) x[i] = (x[i] - stats.mean[c]) / stats.std[c];
}

export async function createPredictor(
  doc: ProjectDocument,
  weights: WeightMap | undefined,
  stats?: ChannelStats,
  /** Where it runs: a run predicts on the provider it trained with (the CPU when a GPU won't load). */
  provider: ExecutionProviderChoice = 'cpu',
): Promise<Predictor> {
  doc = { ...doc, graph: anyBatch(doc.graph) };
  const analysis = analyze(doc.graph);
  const model = exportInference(doc, weights ? { weights } : {});
  const { session } = await createSession(
    encodeModel(model),
    { intraOpNumThreads: 1, interOpNumThreads: 1 },
    provider,
  );
  const input = model.graph.inputs[0];
  const inputNode = doc.graph.nodes.find((n) => n.name === input.name) ?? doc.graph.nodes[0];
  const inShape = analysis.nodes.get(inputNode.id)!.outputShape!.slice(1) as number[];
  const output = model.graph.outputs[0].name;
  const lastType = doc.graph.nodes.find((n) => n.name === output)?.type ?? '';
  const picture = outputPicture(doc) !== null;
  return {
    async predict(values) {
      const need = sampleSize(inShape);
      if (values.length !== need)
        throw new HostError(
          'bad-request',
          `${inputNode.name} takes ${formatShape(inShape)} (${need} values per sample); got ${values.length}.`,
        );
      const x = Float32Array.from(values);
      if (stats) standardize(x, inShape[0], stats);
      const out = await session.run({ [input.name]: new ort.Tensor('float32', x, [1, ...inShape]) });
      const y = out[output].data as Float32Array;
      return picture ? Array.from(y) : toProbabilities(lastType, y);
    },
    release: () => session.release(),
  };
}

/**
 * The reply to a prediction: probabilities, the most likely class, and whose weights gave them;
 * or, for a network answering with a picture of `picture`'s shape, that picture.
 */
export function prediction(
  probabilities: number[],
  classNames: string[] | undefined,
  weights: string,
  picture: [number, number, number] | null = null,
): Prediction {
  if (picture)
    return { probabilities: [], predicted: 0, weights, picture: { shape: picture, values: probabilities } };
  const predicted = probabilities.indexOf(Math.max(...probabilities));
  return { probabilities, predicted, weights, ...(classNames ? { classNames } : {}) };
}

/**
 * A prediction with a document's own weights: stored, or the start a run with the source's seed
 * and init would use (a non-default init replaces stored weights). Runs in a host job thread.
 */
export async function predictFromDocument(
  source: DocumentSource,
  values: readonly number[],
): Promise<Prediction> {
  const doc = source.document;
  const predictor = await createPredictor(doc, documentWeights(source));
  const stored = doc.weights && (source.init?.kind ?? 'default') === 'default';
  try {
    const probabilities = await predictor.predict(values);
    const weights = stored ? 'the project’s stored weights' : 'untrained';
    return prediction(probabilities, undefined, weights, outputPicture(doc));
  } finally {
    await predictor.release();
  }
}
