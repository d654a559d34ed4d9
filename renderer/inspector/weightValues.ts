// A layer's parameter values as the inspector shows and edits them. Values come from the project
// (doc.weights, base64 float32) or, when none are stored, from the random start a training run with
// the Training panel's seed and init would use (engine/initializers.ts initialWeights), which is
// also what Try it, feature maps and step through use for an untrained network. Editing one value stores the whole layer, so nothing else about
// it changes under the user's hands.
import type { Analysis, ParamSpec, ProjectDocument, StoredTensor, WeightStats } from '../../engine/index.ts';
import {
  decodeFloat32,
  defaultInit,
  encodeFloat32,
  fanIn,
  initDraws,
  formatShape,
  product,
} from '../../engine/index.ts';
import type { Rng } from '../../engine/data/random.ts';
import { createRng } from '../../engine/data/random.ts';
import { initRecipe, initSeed, keptByInit, type InitSpec } from '../../engine/initializers.ts';
import { analysisOf } from '../state/analysis.ts';
import type { AppStore } from '../state/store.ts';
import { cachedHeld, editHeld, type HeldParam, type HeldParams } from './heldTensors.ts';

export interface ParamValues {
  spec: ParamSpec;
  /** Null for a tensor too large to hold in the page just to show it (a VGG classifier's 100M). */
  values: Float32Array | null;
  origin: 'stored' | 'initial';
  /** The init kind that replaces these values when training starts (stored ones too). */
  replaced?: InitSpec['kind'];
  /** Why the stored tensor no longer fits the layer (shown instead; the values are a fresh draw). */
  stale?: string;
  /** Held by the host (doc.weightsRef): its statistics, and its first values when not all fit. */
  held?: { stats: WeightStats; preview: Float32Array | null };
}

/** Editable as number fields: small tensors whose kernels fit a grid on the inspector. */
export const MAX_EDITABLE_VALUES = 512;
export const MAX_EDITABLE_KERNEL = 7;
/** Larger tensors are described (shape, count, origin) but not decoded or drawn. */
export const MAX_SHOWN_VALUES = 4_000_000;

function staleReason(stored: StoredTensor, spec: ParamSpec, count: number): string | undefined {
  if (count !== product(spec.shape))
    return `the stored ${spec.name} has ${count} values (${formatShape(stored.shape)}) but the layer now needs ${formatShape(spec.shape)}`;
  if (stored.shape.join('x') !== spec.shape.join('x'))
    return `the stored ${spec.name} is ${formatShape(stored.shape)} but the layer now needs ${formatShape(spec.shape)}`;
  return undefined;
}

/** Advances the generator past what defaultInit would draw for `spec`. */
function skipDraws(rng: Rng, spec: ParamSpec): void {
  // In constant time: a VGG-16 classifier's 120 M draws would hold the page for seconds.
  rng.skip(initDraws(spec));
}

/** The random start the inspector shows: the Training panel's seed and init (absent: 0, default). */
export interface UntrainedStart {
  seed?: number;
  init?: InitSpec;
}

/**
 * The values of one node's parameters. Mirrors resolveWeights: one generator (the seed) walks the
 * graph in analysis order, and every parameter that is not stored takes its draws from it, so the
 * draws of the layers before this one are skipped, not materialised.
 */
function storedOrDefault(
  analysis: Analysis,
  stored: ProjectDocument['weights'],
  nodeId: string,
  seed: number,
  held: HeldParams | undefined,
): ParamValues[] {
  const rng = createRng(seed);
  for (const id of analysis.order) {
    const params = analysis.nodes.get(id)!.parameters;
    if (!params.length) continue;
    const fan = fanIn(params);
    if (id === nodeId)
      return params.map((spec) => {
        const saved = stored?.[id]?.[spec.name];
        const kept = saved ? undefined : held?.get(spec.name);
        if (kept) return heldValues(spec, kept, fan, rng);
        if (product(spec.shape) > MAX_SHOWN_VALUES) {
          skipDraws(rng, spec);
          return { spec, values: null, origin: saved ? ('stored' as const) : ('initial' as const) };
        }
        if (saved) {
          const values = decodeFloat32(saved.data);
          const stale = staleReason(saved, spec, values.length);
          if (!stale) {
            skipDraws(rng, spec);
            return { spec, values, origin: 'stored' as const };
          }
          return { spec, values: defaultInit(spec, fan, rng), origin: 'initial' as const, stale };
        }
        return { spec, values: defaultInit(spec, fan, rng), origin: 'initial' as const };
      });
    // A stored tensor still consumes its draws in resolveWeights, so skip it all the same.
    for (const spec of params) skipDraws(rng, spec);
  }
  return [];
}

/** A tensor the host holds, as the inspector shows it: all its values, or its first and statistics. */
function heldValues(spec: ParamSpec, kept: HeldParam, fan: number, rng: Rng): ParamValues {
  if (kept.shape.join('x') !== spec.shape.join('x')) {
    const stale = `the stored ${spec.name} is ${formatShape(kept.shape)} but the layer now needs ${formatShape(spec.shape)}`;
    const values = product(spec.shape) > MAX_SHOWN_VALUES ? null : defaultInit(spec, fan, rng);
    return { spec, values, origin: 'initial', stale };
  }
  skipDraws(rng, spec);
  const preview = kept.complete ? null : kept.values;
  return {
    spec,
    values: kept.complete ? kept.values : null,
    origin: 'stored',
    held: { stats: kept.stats, preview },
  };
}

/**
 * Mirrors applyInit (engine/initializers.ts) for one node: its own generator walks the graph in
 * the same order, skipping the draws of earlier layers, and replaces the weights and biases the
 * initializer replaces (stored ones too), keeping buffers and norms' 1/0.
 */
function withInit(analysis: Analysis, base: ParamValues[], nodeId: string, spec: InitSpec, seed: number) {
  const rng = createRng(initSeed(seed));
  for (const id of analysis.order) {
    const params = analysis.nodes.get(id)!.parameters;
    if (id === nodeId)
      return base.map((p): ParamValues => {
        if (keptByInit(p.spec)) return p;
        const recipe = initRecipe(spec, p.spec.role as 'weight' | 'bias', p.spec.shape);
        if (!recipe) return p;
        const n = product(p.spec.shape);
        const replaced = { spec: p.spec, origin: 'initial' as const, replaced: spec.kind };
        if ('fixed' in recipe)
          return {
            ...replaced,
            values: n > MAX_SHOWN_VALUES ? null : new Float32Array(n).fill(recipe.fixed),
          };
        if (n > MAX_SHOWN_VALUES) {
          for (let i = 0; i < n; i++) recipe.draw(rng);
          return { ...replaced, values: null };
        }
        const values = new Float32Array(n);
        for (let i = 0; i < n; i++) values[i] = recipe.draw(rng);
        return { ...replaced, values };
      });
    for (const p of params) {
      if (keptByInit(p)) continue;
      const recipe = initRecipe(spec, p.role as 'weight' | 'bias', p.shape);
      if (recipe && 'draw' in recipe) for (let i = product(p.shape); i > 0; i--) recipe.draw(rng);
    }
  }
  return base;
}

/** The values one node's parameters start training from, with the given seed and init. */
export function nodeParams(
  analysis: Analysis,
  stored: ProjectDocument['weights'],
  nodeId: string,
  start: UntrainedStart = {},
  held?: HeldParams,
): ParamValues[] {
  const seed = start.seed ?? 0;
  const base = storedOrDefault(analysis, stored, nodeId, seed, held);
  const init = start.init ?? { kind: 'default' as const };
  return init.kind === 'default' ? base : withInit(analysis, base, nodeId, init, seed);
}

/** A host `{ document }` source that starts from what the inspector shows (predict, feature maps). */
export function documentSource(state: {
  doc: ProjectDocument;
  trainingSetup: { config: UntrainedStart };
}): { document: ProjectDocument } & UntrainedStart {
  return { document: state.doc, ...untrainedStart(state) };
}

/** The seed and init of the store's Training panel, which every untrained view starts from. */
export function untrainedStart(state: { trainingSetup: { config: UntrainedStart } }): UntrainedStart {
  const { seed, init } = state.trainingSetup.config;
  return { ...(seed !== undefined ? { seed } : {}), ...(init ? { init } : {}) };
}

/** The document with `nodeId`'s parameters stored: `changed` replaces those named, the rest as shown. */
export function withParamValues(
  doc: ProjectDocument,
  params: readonly ParamValues[],
  nodeId: string,
  changed: Record<string, Float32Array>,
): ProjectDocument {
  const layer: Record<string, StoredTensor> = {};
  for (const p of params) {
    const values = changed[p.spec.name] ?? p.values;
    if (!values) continue; // too large to have been shown, so not edited: initialised at training
    layer[p.spec.name] = { shape: [...p.spec.shape], dtype: 'float32', data: encodeFloat32(values) };
  }
  return { ...doc, weights: { ...doc.weights, [nodeId]: layer } };
}

/** The document without `nodeId`'s stored weights: the layer is initialised at random again. */
export function withoutStoredWeights(doc: ProjectDocument, nodeId: string): ProjectDocument {
  if (!doc.weights?.[nodeId]) return doc;
  const weights = { ...doc.weights };
  delete weights[nodeId];
  if (Object.keys(weights).length > 0) return { ...doc, weights };
  const { weights: _dropped, ...rest } = doc;
  return rest;
}

/**
 * Rewrites some values of one parameter of `nodeId` in the store's current document, as one undo
 * step; edits with the same merge key (keystrokes in one cell) collapse into one.
 */
export function editParam(
  store: AppStore,
  nodeId: string,
  param: string,
  edit: (values: Float32Array) => void,
  mergeKey?: string,
): void {
  const edited = (state: ReturnType<AppStore['getState']>) => {
    const { doc } = state;
    const held = cachedHeld(doc.weightsRef, nodeId);
    const params = nodeParams(analysisOf(doc.graph), doc.weights, nodeId, untrainedStart(state), held);
    const p = params.find((q) => q.spec.name === param);
    // An init that replaces the values at training would throw the edit away: the editor says so.
    if (!p?.values || p.replaced) return null;
    const values = Float32Array.from(p.values);
    edit(values);
    return { params, values };
  };
  const state = store.getState();
  // A model whose weights the host holds keeps its edits there too, not as base64 in the document.
  if (state.doc.weightsRef)
    return void editHeld(
      store,
      nodeId,
      (now) => {
        const e = edited(now);
        if (!e) return null;
        const set: Record<string, { shape: number[]; values: Float32Array }> = {};
        for (const p of e.params) {
          const values = p.spec.name === param ? e.values : p.values;
          if (values) set[p.spec.name] = { shape: [...p.spec.shape], values };
        }
        return { set };
      },
      mergeKey,
    );
  const e = edited(state);
  if (e)
    state.actions.editDocument(withParamValues(state.doc, e.params, nodeId, { [param]: e.values }), {
      mergeKey,
    });
}

/** One typed value: keystrokes in the same cell are one undo step. */
export function setWeight(
  store: AppStore,
  nodeId: string,
  param: string,
  index: number,
  value: number,
): void {
  editParam(store, nodeId, param, (v) => (v[index] = value), `weights:${nodeId}:${param}:${index}`);
}

export function clearStoredWeights(store: AppStore, nodeId: string): void {
  const { doc, actions } = store.getState();
  if (doc.weightsRef && cachedHeld(doc.weightsRef, nodeId)?.size)
    return void editHeld(store, nodeId, () => ({ clear: true }));
  actions.editDocument(withoutStoredWeights(doc, nodeId));
}

/** A typed weight: "-1", "0.25", "1/9", "−2" (a typographic minus), "1e-3". */
export function parseWeight(text: string): { value: number } | { error: string } {
  const t = text.trim().replace(/[−–]/g, '-');
  if (t === '') return { error: 'is empty: type a number such as -1, 0.25 or 1/9' };
  const fraction = /^([-+]?[\d.]+(?:e[-+]?\d+)?)\s*\/\s*([-+]?[\d.]+(?:e[-+]?\d+)?)$/i.exec(t);
  const value = fraction ? Number(fraction[1]) / Number(fraction[2]) : Number(t);
  if (!Number.isFinite(value))
    return { error: `“${text.trim()}” is not a number: type e.g. -1, 0.25 or 1/9` };
  if (Math.abs(value) > 3.4e38) return { error: 'is too large for float32' };
  return { value };
}

/** How a weight reads in a grid cell: short, exact when it is a short decimal. */
/**
 * A weight as text: four significant digits (0.299, 0.1111), or, for the narrow cells of a wide
 * kernel, at most six characters (-0.14, -0.009, 2e-4) so a 5×5 grid fits the inspector; the
 * cell's tooltip has the exact value.
 */
export function formatWeight(v: number, compact = false): string {
  if (v === 0) return '0';
  if (compact) {
    const a = Math.abs(v);
    if (a >= 0.01 && a < 100) return String(Number(v.toFixed(a >= 10 ? 0 : 2)));
    if (a >= 0.001 && a < 0.01) return String(Number(v.toFixed(3)));
    return v.toExponential(0).replace('e+', 'e');
  }
  const short = Number(v.toPrecision(4));
  return Math.abs(short) >= 1e-3 && Math.abs(short) < 1e4 ? String(short) : short.toExponential(2);
}

/** The grids a tensor is shown as: [out, in, kh, kw] -> out·in grids of kh x kw; a vector -> one row. */
export function gridsOf(shape: readonly number[]): { count: number; rows: number; cols: number } {
  if (shape.length === 0) return { count: 1, rows: 1, cols: 1 };
  if (shape.length === 1) return { count: 1, rows: 1, cols: shape[0] };
  if (shape.length === 2) return { count: 1, rows: shape[0], cols: shape[1] };
  const spatial = shape.slice(2);
  const cols = spatial[spatial.length - 1];
  return { count: shape[0] * shape[1], rows: product(spatial) / cols, cols };
}

export function isEditable(spec: ParamSpec): boolean {
  const { rows, cols } = gridsOf(spec.shape);
  const kernel = spec.shape.length >= 3 ? rows <= MAX_EDITABLE_KERNEL && cols <= MAX_EDITABLE_KERNEL : true;
  return product(spec.shape) <= MAX_EDITABLE_VALUES && kernel;
}

export interface KernelPreset {
  id: string;
  label: string;
  /** The kernel for a rows x cols grid, or null when the preset needs another size. */
  make(rows: number, cols: number): number[] | null;
}

/** The centre of an odd kernel; for an even one, the cell up and left of the centre. */
const centre = (n: number) => Math.floor((n - 1) / 2);

function fromRows(rows: number, cols: number, table: number[][]): number[] | null {
  return rows === table.length && cols === table[0].length ? table.flat() : null;
}

function sparse(rows: number, cols: number, cells: [number, number, number][]): number[] | null {
  const out = new Array<number>(rows * cols).fill(0);
  for (const [r, c, v] of cells) {
    if (r < 0 || c < 0 || r >= rows || c >= cols) return null;
    out[r * cols + c] = v;
  }
  return out;
}

/**
 * Kernels a teacher types in. Conv2d computes a cross-correlation (no flip), so the forward
 * difference in x, [−1, 1], gives in[y, x+1] − in[y, x]: positive where the image gets brighter
 * to the right.
 */
export const KERNEL_PRESETS: KernelPreset[] = [
  {
    id: 'identity',
    label: 'Identity',
    make: (r, c) => sparse(r, c, [[centre(r), centre(c), 1]]),
  },
  { id: 'box', label: 'Box blur', make: (r, c) => new Array<number>(r * c).fill(1 / (r * c)) },
  {
    id: 'dx',
    label: 'Finite difference in x',
    make: (r, c) =>
      sparse(r, c, [
        [centre(r), centre(c), -1],
        [centre(r), centre(c) + 1, 1],
      ]),
  },
  {
    id: 'dy',
    label: 'Finite difference in y',
    make: (r, c) =>
      sparse(r, c, [
        [centre(r), centre(c), -1],
        [centre(r) + 1, centre(c), 1],
      ]),
  },
  {
    id: 'sobel-x',
    label: 'Sobel x',
    make: (r, c) =>
      fromRows(r, c, [
        [-1, 0, 1],
        [-2, 0, 2],
        [-1, 0, 1],
      ]),
  },
  {
    id: 'sobel-y',
    label: 'Sobel y',
    make: (r, c) =>
      fromRows(r, c, [
        [-1, -2, -1],
        [0, 0, 0],
        [1, 2, 1],
      ]),
  },
  {
    id: 'laplacian',
    label: 'Laplacian',
    make: (r, c) =>
      fromRows(r, c, [
        [0, 1, 0],
        [1, -4, 1],
        [0, 1, 0],
      ]),
  },
];
