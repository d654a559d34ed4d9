// Feature maps: one node's output for one sample. The network is cut down to the node and what
// feeds it, so that node is the exported inference model's only output; onnxruntime-node then runs
// exactly the operators the trained or exported model would run, and nothing downstream.
import * as ort from 'onnxruntime-node';
import type { ChannelStats } from '../../engine/data/index.ts';
import { sampleSize } from '../../engine/data/index.ts';
import type { Graph, InitSpec, ProjectDocument, WeightMap } from '../../engine/index.ts';
import { analyze, exportInference, formatShape, initialWeights, product } from '../../engine/index.ts';
import { encodeModel } from '../../engine/onnx/index.ts';
import type { Activations, ActivationsRequest } from '../../protocol/activations.ts';
import { MAX_ACTIVATION_VALUES } from '../../protocol/activations.ts';
import { HostError } from '../../protocol/hostApi.ts';

/** The node and every node it depends on, with the edges among them. */
export function upstreamGraph(graph: Graph, nodeId: string): Graph {
  const keep = new Set<string>([nodeId]);
  const stack = [nodeId];
  while (stack.length) {
    const id = stack.pop()!;
    for (const e of graph.edges)
      if (e.target === id && !keep.has(e.source)) {
        keep.add(e.source);
        stack.push(e.source);
      }
  }
  return {
    nodes: graph.nodes.filter((n) => keep.has(n.id)),
    edges: graph.edges.filter((e) => keep.has(e.source) && keep.has(e.target)),
  };
}

/**
 * Stored weights whose shape no longer fits the layer (its kernel or channels were changed after
 * they were typed in or trained). The engine only notices a changed count; a reshaped tensor with
 * the same count would be read in the wrong order, so it is refused here too.
 */
function checkStoredShapes(doc: ProjectDocument): void {
  const analysis = analyze(doc.graph);
  for (const [id, params] of Object.entries(doc.weights ?? {})) {
    const specs = analysis.nodes.get(id)?.parameters ?? [];
    for (const [name, stored] of Object.entries(params)) {
      const spec = specs.find((s) => s.name === name);
      if (spec && stored.shape.join('x') !== spec.shape.join('x')) {
        const node = doc.graph.nodes.find((n) => n.id === id)?.name ?? id;
        throw new HostError(
          'bad-request',
          `${node}.${name}: the stored weights are ${formatShape(stored.shape)} but the layer now needs ${formatShape(spec.shape)}; clear its stored weights in the inspector (or undo the change).`,
        );
      }
    }
  }
}

/** An untrained document and the Training panel's seed and init (both optional, as in a run). */
/**
 * The graph with every Input's batch left open: one sample is fed, whatever batch size the
 * document fixes for training (a fixed batch of 2, or a damaged 1e308, would make onnxruntime
 * refuse the single sample).
 */
export function anyBatch<G extends Graph>(graph: G): G {
  return {
    ...graph,
    nodes: graph.nodes.map((n) =>
      n.type === 'Input' && n.attributes.batch_size !== null
        ? { ...n, attributes: { ...n.attributes, batch_size: null } }
        : n,
    ),
  };
}

export interface DocumentSource {
  document: ProjectDocument;
  seed?: number;
  init?: InitSpec;
}

/**
 * The weights a training run with the source's seed and init would start from; predict, feature
 * maps and step through all take an untrained document's weights from here, so they agree.
 */
export function documentWeights(source: DocumentSource): WeightMap {
  const doc = source.document;
  checkStoredShapes(doc);
  const analysis = analyze(doc.graph);
  // A layer over engine/limits.ts is refused before its weights are drawn.
  const tooLarge = analysis.diagnostics.find((d) => d.code === 'too-large');
  if (tooLarge) throw new HostError('too-large', tooLarge.message);
  try {
    return initialWeights(analysis, doc, source.init ?? { kind: 'default' }, source.seed ?? 0);
  } catch (e) {
    throw new HostError('bad-request', (e as Error).message);
  }
}

/** In words, where documentWeights' values come from (shown beside the feature maps and Try it). */
export function describeDocumentWeights(source: DocumentSource): string {
  const init = source.init?.kind ?? 'default';
  if (source.document.weights && init === 'default') return 'the project’s stored weights';
  const stored = source.document.weights ? ', replacing the stored ones' : '';
  return `untrained: the random start of seed ${source.seed ?? 0} (init ${init})${stored}, as training will use`;
}

const finiteOrNull = (values: ArrayLike<number>, count = values.length) =>
  Array.from({ length: Math.min(count, values.length) }, (_, i) =>
    Number.isFinite(values[i]) ? values[i] : null,
  );

/**
 * Runs the part of `doc` that feeds `nodeId` on one sample. `weights` holds every parameter of the
 * whole document (they are resolved once for the whole graph, so a fresh initialisation gives the
 * same numbers as Try it and export). `stats`: the training run's per-channel standardisation.
 */
export async function computeActivations(
  doc: ProjectDocument,
  weights: WeightMap,
  nodeId: string,
  values: readonly number[],
  source: string,
  stats?: ChannelStats,
): Promise<Activations> {
  const target = doc.graph.nodes.find((n) => n.id === nodeId);
  if (!target)
    throw new HostError(
      'not-found',
      `There is no node ${nodeId} in this network; with a training run’s weights, only the layers it trained can be shown.`,
    );
  const cut = anyBatch(upstreamGraph(doc.graph, nodeId));
  const analysis = analyze(cut);
  const inputs = cut.nodes.filter((n) => n.type === 'Input');
  if (inputs.length !== 1)
    throw new HostError(
      'bad-request',
      inputs.length
        ? `${target.name} depends on ${inputs.length} Inputs; feature maps feed one sample into one Input.`
        : `${target.name} is not connected to an Input; connect one to see its output.`,
    );
  const inShape = analysis.nodes.get(inputs[0].id)?.outputShape?.slice(1);
  if (!inShape || !inShape.every((d): d is number => typeof d === 'number'))
    throw new HostError('bad-request', `${inputs[0].name} needs a fixed shape to take a sample.`);
  const need = sampleSize(inShape);
  if (values.length !== need)
    throw new HostError(
      'bad-request',
      `${inputs[0].name} takes ${formatShape(inShape)} (${need} values per sample); got ${values.length}.`,
    );
  const x = Float32Array.from(values);
  if (stats) {
    const inner = x.length / inShape[0];
    for (let c = 0; c < inShape[0]; c++)
      for (let i = c * inner; i < (c + 1) * inner; i++) x[i] = (x[i] - stats.mean[c]) / stats.std[c];
  }
  const input = { shape: inShape, values: finiteOrNull(x) };
  if (target.type === 'Input')
    return { nodeId, shape: inShape, values: input.values, truncated: false, input, weights: source };

  const kept: WeightMap = new Map([...weights].filter(([id]) => analysis.nodes.has(id)));
  let model;
  try {
    model = exportInference({ ...doc, graph: cut, groups: undefined }, { weights: kept });
  } catch (e) {
    throw new HostError('bad-request', `${target.name} can’t be run yet: ${(e as Error).message}`);
  }
  const session = await ort.InferenceSession.create(encodeModel(model), {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
  });
  try {
    const out = await session.run({
      [model.graph.inputs[0].name]: new ort.Tensor('float32', x, [1, ...inShape]),
    });
    const tensor = out[model.graph.outputs[0].name];
    const shape = tensor.dims.slice(1).map(Number);
    const data = tensor.data as Float32Array;
    const total = product(shape);
    return {
      nodeId,
      shape,
      values: finiteOrNull(data, MAX_ACTIVATION_VALUES),
      truncated: total > MAX_ACTIVATION_VALUES,
      input,
      weights: source,
    };
  } finally {
    await session.release();
  }
}

/** One node's output with a document's own weights (stored or a fresh start); runs in a host job thread. */
export function documentActivations(
  source: DocumentSource,
  request: ActivationsRequest,
): Promise<Activations> {
  return computeActivations(
    source.document,
    documentWeights(source),
    request.nodeId,
    request.data,
    describeDocumentWeights(source),
  );
}
