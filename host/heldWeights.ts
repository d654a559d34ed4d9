// Weights the host keeps for the page: a model whose weights are too large to travel with the
// document on every call (an imported ResNet-50 is 100 MB) stays here, and the page's document
// names them by `weightsRef`. Each call that takes a document gets them attached (attach), so
// export, training, prediction and saving see the whole model while the page holds only the graph.
import { randomUUID } from 'node:crypto';
import type { ProjectDocument, StoredTensor, WeightMap } from '../engine/index.ts';
import { analyze } from '../engine/index.ts';
import { HostError } from '../protocol/hostApi.ts';

/** node id -> parameter -> shape and values. */
export type HeldTensors = Map<string, Map<string, { shape: number[]; values: Float32Array }>>;

/** Weights of more base64 than this stay on the host instead of travelling in the document. */
export const HOLD_ABOVE_BYTES = 8 * 2 ** 20;

/** How many models the host keeps for the pages at once; the oldest go first. */
const MAX_HELD = 4;

export function weightBytes(weights: WeightMap): number {
  let n = 0;
  for (const params of weights.values()) for (const v of params.values()) n += v.byteLength;
  return n;
}

/** A WeightMap with each tensor's shape, from `shapes` where known, else the graph's analysis. */
export function withShapes(
  doc: ProjectDocument,
  weights: WeightMap,
  shapes?: Map<string, Map<string, number[]>>,
): HeldTensors {
  const analysis = shapes ? undefined : analyze(doc.graph);
  const out: HeldTensors = new Map();
  for (const [id, params] of weights) {
    const m = new Map<string, { shape: number[]; values: Float32Array }>();
    for (const [param, values] of params) {
      const shape = shapes?.get(id)?.get(param) ??
        analysis?.nodes.get(id)?.parameters.find((p) => p.name === param)?.shape ?? [values.length];
      m.set(param, { shape, values });
    }
    out.set(id, m);
  }
  return out;
}

export class HeldWeights {
  private readonly held = new Map<string, HeldTensors>();

  /** Keeps the tensors and returns their id (weightsRef). */
  hold(tensors: HeldTensors): string {
    const ref = `held-${randomUUID()}`;
    this.held.set(ref, tensors);
    while (this.held.size > MAX_HELD) this.held.delete(this.held.keys().next().value!);
    return ref;
  }

  /**
   * The document with the weights it names attached as in-memory tensors (its own, edited in
   * the page, win); unchanged when it names none.
   */
  attach(doc: ProjectDocument): ProjectDocument {
    if (!doc.weightsRef) return doc;
    const tensors = this.held.get(doc.weightsRef);
    if (!tensors)
      throw new HostError(
        'not-found',
        `The weights of "${doc.name}" were kept by the Netwright host, which no longer has them (it was restarted, or several large models were opened since). Open the .netwright or .onnx file again.`,
      );
    // Most recently used last, so eviction takes the oldest model.
    this.held.delete(doc.weightsRef);
    this.held.set(doc.weightsRef, tensors);
    // The document's own weights are edits made in the page since (a kernel typed in): they win.
    const weights: Record<string, Record<string, StoredTensor>> = {};
    // A layer replaced in the page since (a new classifier) leaves its old tensors behind here.
    const nodes = new Set(doc.graph.nodes.map((n) => n.id));
    for (const [id, params] of tensors) {
      if (!nodes.has(id)) continue;
      weights[id] = {};
      for (const [param, t] of params)
        weights[id][param] = { shape: t.shape, dtype: 'float32', data: '', values: t.values };
    }
    for (const [id, params] of Object.entries(doc.weights ?? {})) weights[id] = { ...weights[id], ...params };
    const out = { ...doc, weights };
    delete out.weightsRef;
    return out;
  }
}
