// Parameter values: kept per node and parameter name, stored in project files as base64 float32,
// and initialised the PyTorch way when a model has none yet.
import type { Analysis } from './analysis/analyze.ts';
import type { StoredTensor } from './graph/document.ts';
import { DocumentError } from './graph/document.ts';
import { limitText, MAX_TENSOR_ELEMENTS } from './limits.ts';
import type { ParamSpec } from './layer.ts';
import { product } from './tensor/shape.ts';
import { createRng } from './data/random.ts';

/** node id -> parameter name -> values (shape from the analysis' ParamSpec). */
export type WeightMap = Map<string, Map<string, Float32Array>>;

const BASE64 = new TextEncoder().encode('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/');

/** Standard base64 (what btoa writes), built as ASCII bytes: fast for weights of hundreds of MB. */
export function bytesToBase64(bytes: Uint8Array): string {
  const out = new Uint8Array(Math.ceil(bytes.length / 3) * 4);
  let o = 0;
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out[o++] = BASE64[n >>> 18];
    out[o++] = BASE64[(n >>> 12) & 63];
    out[o++] = BASE64[(n >>> 6) & 63];
    out[o++] = BASE64[n & 63];
  }
  if (i < bytes.length) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8);
    out[o++] = BASE64[n >>> 18];
    out[o++] = BASE64[(n >>> 12) & 63];
    out[o++] = i + 1 < bytes.length ? BASE64[(n >>> 6) & 63] : 61;
    out[o++] = 61;
  }
  return new TextDecoder().decode(out);
}

export function encodeFloat32(values: Float32Array): string {
  return bytesToBase64(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
}

/** Float32 values from base64; a DocumentError (naming `field`) when the text can't be that. */
export function decodeFloat32(base64: string, field?: string): Float32Array {
  let binary: string;
  try {
    binary = atob(base64);
  } catch {
    throw new DocumentError('is not base64 text; the file is damaged.', field);
  }
  if (binary.length % 4 !== 0)
    throw new DocumentError(
      `holds ${binary.length} bytes, not a whole number of float32 values (4 bytes each); the file is damaged.`,
      field,
    );
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new Float32Array(bytes.buffer);
}

/**
 * PyTorch's defaults: weights and biases uniform in ±1/sqrt(fan_in) (kaiming_uniform with a=√5
 * reduces to that), where fan_in is the product of the weight's dims after the first; norms
 * start at scale 1, shift 0, running variance 1.
 */
export function defaultInit(spec: ParamSpec, fanIn: number, rng: ReturnType<typeof createRng>): Float32Array {
  const elements = product(spec.shape);
  // Analysis reports this as an error first; this guard keeps any other caller from allocating.
  if (!(elements <= MAX_TENSOR_ELEMENTS))
    throw new RangeError(
      `${spec.name} [${spec.shape.join(', ')}] has ${elements} elements; a tensor holds at most ${limitText('MAX_TENSOR_ELEMENTS')}.`,
    );
  const values = new Float32Array(elements);
  if (spec.init === 'ones') return values.fill(1);
  if (spec.init === 'zeros') return values;
  if (spec.init === 'normal') {
    for (let i = 0; i < values.length; i++) values[i] = rng.normal();
    // Normals come in pairs; take the spare so the next tensor starts where initDraws() says.
    if (values.length % 2) rng.normal();
  } else {
    const bound = spec.bound ?? (fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0);
    for (let i = 0; i < values.length; i++) values[i] = rng.uniform(-bound, bound);
  }
  if (spec.zeroRow !== undefined) {
    const width = elements / spec.shape[0];
    values.fill(0, spec.zeroRow * width, (spec.zeroRow + 1) * width);
  }
  return values;
}

/** How many uniform draws defaultInit() takes for `spec` (stored tensors skip as many). */
export function initDraws(spec: ParamSpec): number {
  if (spec.init === 'ones' || spec.init === 'zeros') return 0;
  const n = product(spec.shape);
  return spec.init === 'normal' ? n + (n % 2) : n;
}

export function fanIn(params: ParamSpec[]): number {
  const weight = params.find((p) => p.role === 'weight' && p.shape.length >= 2);
  return weight ? product(weight.shape.slice(1)) : 0;
}

/**
 * Weights for every parameter of the graph: stored ones where present, otherwise initialised.
 * `beside` (an ONNX file's initializers, a .netwright file's weights) wins over `stored` where its
 * size fits the layer; it is used as it is, not copied.
 */
export function resolveWeights(
  analysis: Analysis,
  stored: Record<string, Record<string, StoredTensor>> | undefined,
  seed = 0,
  beside?: WeightMap,
): WeightMap {
  const rng = createRng(seed);
  // A stored tensor still consumes the draws it would have taken, so storing one layer (a kernel
  // typed into the inspector) leaves every other layer's fresh values unchanged. The draws are
  // only burnt when a later tensor needs the generator, so fully stored models cost nothing.
  let skipped = 0;
  const draw = (p: ParamSpec, fan: number) => {
    rng.skip(skipped);
    skipped = 0;
    return defaultInit(p, fan, rng);
  };
  const out: WeightMap = new Map();
  for (const id of analysis.order) {
    const params = analysis.nodes.get(id)!.parameters;
    if (!params.length) continue;
    const map = new Map<string, Float32Array>();
    const fan = fanIn(params);
    for (const p of params) {
      const loaded = beside?.get(id)?.get(p.name);
      if (loaded?.length === product(p.shape)) {
        if (p.init !== 'ones' && p.init !== 'zeros') skipped += loaded.length;
        map.set(p.name, loaded);
        continue;
      }
      const saved = stored?.[id]?.[p.name];
      if (saved) skipped += initDraws(p);
      const field = `weights.${id}.${p.name}`;
      const values = saved ? (saved.values ?? decodeFloat32(saved.data, field)) : draw(p, fan);
      if (values.length !== product(p.shape))
        throw new DocumentError(
          `holds ${values.length} values but the layer needs [${p.shape.join(', ')}] (${product(p.shape)}); re-initialise the layer.`,
          field,
        );
      map.set(p.name, values);
    }
    out.set(id, map);
  }
  return out;
}

export function storeWeights(
  weights: WeightMap,
  analysis: Analysis,
): Record<string, Record<string, StoredTensor>> {
  const out: Record<string, Record<string, StoredTensor>> = {};
  for (const [id, params] of weights) {
    const specs = analysis.nodes.get(id)?.parameters ?? [];
    out[id] = {};
    for (const [name, values] of params) {
      const shape = specs.find((s) => s.name === name)?.shape ?? [values.length];
      out[id][name] = { shape, dtype: 'float32', data: encodeFloat32(values) };
    }
  }
  return out;
}
