// One inference pass over a whole dataset: the exported graph with the weights fed as inputs, run
// in fixed chunks. The trainer's test evaluation and evaluateRun both use it, so a confusion
// matrix sees exactly the batches (and so the float sums) behind the accuracy an epoch reported.
import * as ort from 'onnxruntime-node';
import type { Dataset } from '../../engine/data/index.ts';
import { sampleSize } from '../../engine/data/index.ts';
import type { ProjectDocument, WeightMap } from '../../engine/index.ts';
import { analyze, exportInference } from '../../engine/index.ts';
import { encodeModel } from '../../engine/onnx/index.ts';
import { createSession, type ExecutionProviderChoice } from './providers.ts';
import { NO_SPINNING } from './session.ts';

/** Samples per onnxruntime call. */
export const INFERENCE_CHUNK = 500;

export interface OutputChunk {
  /** The network's output rows for samples start .. start + n. */
  y: Float32Array;
  dims: number[];
  start: number;
  n: number;
  /** The output node's name (its type says what the rows are: logits, probabilities …). */
  outputName: string;
}

/**
 * The model with its Inputs free to take any batch, so a whole data set runs in chunks: an
 * imported model is often fixed at batch 1. Unchanged when the graph needs that batch.
 */
export function anyBatch(doc: ProjectDocument): ProjectDocument {
  if (!doc.graph.nodes.some((n) => n.type === 'Input' && n.attributes.batch_size != null)) return doc;
  const nodes = doc.graph.nodes.map((n) =>
    n.type === 'Input' ? { ...n, attributes: { ...n.attributes, batch_size: null } } : n,
  );
  const free = { ...doc, graph: { ...doc.graph, nodes } };
  return analyze(free.graph).diagnostics.some((d) => d.severity === 'error') ? doc : free;
}

/**
 * Runs `doc` with `weights` over every sample of `data` and hands each chunk's output to
 * `onChunk`.
 */
export async function inferencePass(
  doc: ProjectDocument,
  weights: WeightMap,
  data: Dataset,
  onChunk: (chunk: OutputChunk) => void,
  threads = 1,
  provider: ExecutionProviderChoice = 'cpu',
): Promise<void> {
  const model = exportInference(anyBatch(doc), { weightsAsInputs: true });
  // Not spinning, as in the train step: LeNet-5 over MNIST's 10,000 test images, 2 threads, best
  // of 4 at load 5-8, took 277 ms against 572 spinning (370 vs 428 in a second run), and the
  // baseline evaluation runs beside the first train steps.
  const { session } = await createSession(
    encodeModel(model),
    { intraOpNumThreads: threads, interOpNumThreads: 1, extra: NO_SPINNING },
    provider,
  );
  try {
    const analysis = analyze(doc.graph);
    const byName = new Map(doc.graph.nodes.map((n) => [n.name, n.id]));
    // Every graph input after the first is a parameter, named "<node name>.<parameter>".
    const feeds: Record<string, ort.Tensor> = {};
    for (const info of model.graph.inputs.slice(1)) {
      const dot = info.name.lastIndexOf('.');
      const id = byName.get(info.name.slice(0, dot))!;
      const param = info.name.slice(dot + 1);
      const spec = analysis.nodes.get(id)!.parameters.find((p) => p.name === param)!;
      const values = weights.get(id)!.get(param)!;
      // onnxruntime-node refuses shared memory (held weights live there): a copy.
      const own = values.buffer instanceof SharedArrayBuffer ? values.slice() : values;
      feeds[info.name] = new ort.Tensor('float32', own, spec.shape);
    }
    const inputName = model.graph.inputs[0].name;
    const outputName = model.graph.outputs[0].name;
    const sample = sampleSize(data.inputShape);
    for (let start = 0; start < data.length; start += INFERENCE_CHUNK) {
      const n = Math.min(INFERENCE_CHUNK, data.length - start);
      const view = data.x.subarray(start * sample, (start + n) * sample);
      // onnxruntime-node refuses shared memory (the host's cached data sets live there): a copy.
      const x = view.buffer instanceof SharedArrayBuffer ? view.slice() : view;
      const out = await session.run({
        ...feeds,
        [inputName]: new ort.Tensor('float32', x, [n, ...data.inputShape]),
      });
      onChunk({
        y: out[outputName].data as Float32Array,
        dims: out[outputName].dims as number[],
        start,
        n,
        outputName,
      });
    }
  } finally {
    await session.release();
  }
}
