// Weights the host keeps for the page: a model whose weights are too large to travel with the
// document on every call (an imported ResNet-50 is 100 MB) stays here, and the page's document
// names them by `weightsRef`. Each call that takes a document gets them attached (attach), so
// export, training, prediction and saving see the whole model while the page holds only the graph.
import { randomUUID } from 'node:crypto';
import type { ProjectDocument, StoredTensor, WeightMap } from '../engine/index.ts';
import {
  addMoments,
  addToHistogram,
  analyze,
  decodeFloat32,
  emptyHistogram,
  emptyMoments,
  encodeFloat32,
  finishStats,
  product,
  type WeightStats,
} from '../engine/index.ts';
import { HostError } from '../protocol/hostApi.ts';
import type { EditHeldWeights, HeldTensor } from '../protocol/heldWeights.ts';
import {
  editHeldWeightsSchema,
  heldTensorRequestSchema,
  type HeldTensorRequest,
} from '../protocol/heldWeights.ts';

/** node id -> parameter -> shape and values. */
export type HeldTensors = Map<string, Map<string, { shape: number[]; values: Float32Array }>>;

/** Weights of more base64 than this stay on the host instead of travelling in the document. */
export const HOLD_ABOVE_BYTES = 8 * 2 ** 20;

/** How many models the host keeps for the pages at once; the oldest go first. */
const MAX_HELD = 4;
/** Versions kept per model (one per edit in the page, so undo finds the one before). */
const MAX_VERSIONS = 1000;
/** Values a statistics pass reads before the event loop gets a turn (a few milliseconds). */
const STATS_SLICE = 2 ** 21;

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

/**
 * The tensors with their values in shared memory: those not there yet (or all, with `copyAll`)
 * copied into one SharedArrayBuffer. Held tensors never change (an edit makes new ones), so every
 * job that gets them (save, export, training) shares them instead of cloning them: posting
 * ResNet-50's 100 MB made the save and export jobs 0.5-0.6 s slower (docs/file-transfer.md).
 * Nothing may write into them; the trainer loads copies (host/training/session.ts `load`).
 */
export function shareHeld(tensors: HeldTensors, copyAll = false): HeldTensors {
  const copied = (values: Float32Array) => copyAll || !(values.buffer instanceof SharedArrayBuffer);
  let total = 0;
  for (const params of tensors.values())
    for (const { values } of params.values()) if (copied(values)) total += values.length;
  if (!total) return tensors;
  const shared = new Float32Array(new SharedArrayBuffer(total * Float32Array.BYTES_PER_ELEMENT));
  let offset = 0;
  const out: HeldTensors = new Map();
  for (const [id, params] of tensors) {
    const m = new Map<string, { shape: number[]; values: Float32Array }>();
    for (const [param, { shape, values }] of params) {
      if (!copied(values)) {
        m.set(param, { shape, values });
        continue;
      }
      const view = shared.subarray(offset, offset + values.length);
      view.set(values);
      offset += values.length;
      m.set(param, { shape, values: view });
    }
    out.set(id, m);
  }
  return out;
}

interface Version {
  tensors: HeldTensors;
  /** The model this version was edited from (its first ref), which eviction goes by. */
  root: string;
}

const pause = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Statistics of a held tensor, in slices so a 100 M-value tensor does not hold the event loop. */
async function statsInSlices(values: Float32Array, bins: number): Promise<WeightStats> {
  const m = emptyMoments();
  for (let i = 0; i < values.length; i += STATS_SLICE) {
    addMoments(m, values, i, Math.min(values.length, i + STATS_SLICE));
    if (i + STATS_SLICE < values.length) await pause();
  }
  const h = emptyHistogram(m, bins);
  for (let i = 0; i < values.length; i += STATS_SLICE) {
    addToHistogram(h, values, i, Math.min(values.length, i + STATS_SLICE));
    if (i + STATS_SLICE < values.length) await pause();
  }
  return finishStats(m, h);
}

export class HeldWeights {
  private readonly versions = new Map<string, Version>();
  /** Models by last use, oldest first. */
  private readonly roots = new Map<string, Set<string>>();
  /** Held tensors never change (an edit makes a new one), so their statistics are computed once. */
  private readonly statsCache = new WeakMap<Float32Array, Map<number, Promise<WeightStats>>>();

  /** Keeps the tensors and returns their id (weightsRef). */
  hold(tensors: HeldTensors): string {
    return this.add(tensors);
  }

  private add(tensors: HeldTensors, root?: string): string {
    const ref = `held-${randomUUID()}`;
    const model = root ?? ref;
    this.versions.set(ref, { tensors: shareHeld(tensors), root: model });
    const refs = this.roots.get(model) ?? new Set<string>();
    refs.add(ref);
    this.roots.set(model, refs);
    this.touch(model);
    for (const old of refs) {
      if (refs.size <= MAX_VERSIONS) break;
      refs.delete(old);
      this.versions.delete(old);
    }
    while (this.roots.size > MAX_HELD) this.dropModel(this.roots.keys().next().value!);
    return ref;
  }

  private dropModel(root: string): void {
    for (const ref of this.roots.get(root) ?? []) this.versions.delete(ref);
    this.roots.delete(root);
  }

  /** Most recently used last, so eviction takes the oldest model. */
  private touch(root: string): void {
    const refs = this.roots.get(root);
    if (!refs) return;
    this.roots.delete(root);
    this.roots.set(root, refs);
  }

  private get(ref: string, name: string): Version {
    const version = this.versions.get(ref);
    if (!version)
      throw new HostError(
        'not-found',
        `The weights of "${name}" were kept by the Netwright host, which no longer has them (it was restarted, or several large models were opened since). Open the .netwright or .onnx file again.`,
      );
    this.touch(version.root);
    return version;
  }

  /**
   * The document with the weights it names attached as in-memory tensors (its own, edited in
   * the page, win); unchanged when it names none.
   */
  attach(doc: ProjectDocument): ProjectDocument {
    if (!doc.weightsRef) return doc;
    const { tensors } = this.get(doc.weightsRef, doc.name);
    const weights: Record<string, Record<string, StoredTensor>> = {};
    // A layer replaced in the page since (a new classifier) leaves its old tensors behind here.
    const nodes = new Set(doc.graph.nodes.map((n) => n.id));
    for (const [id, params] of tensors) {
      if (!nodes.has(id)) continue;
      weights[id] = {};
      for (const [param, t] of params)
        weights[id][param] = { shape: t.shape, dtype: 'float32', data: '', values: t.values };
    }
    // Weights stored in the document itself (from before it named held ones) win.
    for (const [id, params] of Object.entries(doc.weights ?? {})) weights[id] = { ...weights[id], ...params };
    const out = { ...doc, weights };
    delete out.weightsRef;
    return out;
  }

  /** A slice of one held tensor and its statistics (HostApi heldTensor). */
  async read(raw: HeldTensorRequest): Promise<HeldTensor> {
    const req = heldTensorRequestSchema.parse(raw);
    const tensor = this.get(req.weightsRef, 'this model').tensors.get(req.nodeId)?.get(req.param);
    if (!tensor) return { found: false };
    const { values, shape } = tensor;
    if (req.offset > values.length)
      throw new HostError(
        'bad-request',
        `heldTensor offset: ${req.offset} is past the end of ${req.nodeId}.${req.param} (${values.length} values).`,
      );
    let byBins = this.statsCache.get(values);
    if (!byBins) this.statsCache.set(values, (byBins = new Map()));
    let stats = byBins.get(req.bins);
    if (!stats) byBins.set(req.bins, (stats = statsInSlices(values, req.bins)));
    const slice = values.subarray(req.offset, Math.min(values.length, req.offset + req.count));
    return { found: true, shape, offset: req.offset, values: encodeFloat32(slice), stats: await stats };
  }

  /** A new version of held weights with one node's tensors replaced or dropped; returns its ref. */
  edit(raw: EditHeldWeights): string {
    const edit = editHeldWeightsSchema.parse(raw);
    const version = this.get(edit.weightsRef, 'this model');
    const tensors: HeldTensors = new Map(version.tensors);
    if (edit.clear) tensors.delete(edit.nodeId);
    else {
      const params = new Map(tensors.get(edit.nodeId));
      for (const [param, t] of Object.entries(edit.set ?? {})) {
        const values = decodeFloat32(t.values, `${edit.nodeId}.${param}`);
        if (values.length !== product(t.shape))
          throw new HostError(
            'bad-request',
            `editHeldWeights ${edit.nodeId}.${param}: ${values.length} values do not fill the shape [${t.shape.join(', ')}].`,
          );
        params.set(param, { shape: t.shape, values });
      }
      tensors.set(edit.nodeId, params);
    }
    return this.add(tensors, version.root);
  }
}
