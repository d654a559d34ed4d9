// Weight initializers for a training run: PyTorch's default, zeros, a constant, normal, uniform,
// Xavier/Glorot and Kaiming/He. Applied to a WeightMap: every layer's weights and biases; the
// scale and shift of normalization layers keep 1 and 0, and buffers (running statistics) keep
// their values. Fans follow torch.nn.init._calculate_fan_in_and_fan_out: for a weight of shape
// [out, in, k...], fan_in = in x prod(k), fan_out = out x prod(k).
import type { Analysis } from './analysis/analyze.ts';
import type { ProjectDocument } from './graph/document.ts';
import { defaultInit, fanIn as defaultFanIn, resolveWeights, type WeightMap } from './weights.ts';
import { createRng, type Rng } from './data/random.ts';
import type { ParamSpec } from './layer.ts';

export type InitSpec =
  /** PyTorch's default (uniform ±1/sqrt(fan_in) for weights and biases); stored weights win. */
  | { kind: 'default' }
  | { kind: 'zeros' }
  | { kind: 'constant'; value: number }
  /** N(0, std²), weights and biases. */
  | { kind: 'normal'; std: number }
  /** U(-a, a), weights and biases. */
  | { kind: 'uniform'; a: number }
  /** Glorot uniform: U(±sqrt(6 / (fan_in + fan_out))), biases 0 (torch.nn.init.xavier_uniform_). */
  | { kind: 'xavier' }
  /** He normal for ReLU: N(0, 2 / fan_in), biases 0 (torch.nn.init.kaiming_normal_, fan_in). */
  | { kind: 'kaiming' };

export const INIT_KINDS = ['default', 'zeros', 'constant', 'normal', 'uniform', 'xavier', 'kaiming'] as const;

/** Parses `default`, `zeros`, `constant:<v>`, `normal:<std>`, `uniform:<a>`, `xavier`, `kaiming`. */
export function parseInit(text: string): InitSpec {
  const [kind, arg, extra] = text.split(':');
  const number = (what: string, positive: boolean) => {
    const v = Number(arg);
    if (arg === undefined || arg === '' || !Number.isFinite(v) || (positive && v <= 0))
      throw new Error(`init ${text}: ${kind} needs ${what}, e.g. ${kind}:${positive ? '0.01' : '0.5'}.`);
    return v;
  };
  if (extra !== undefined) throw new Error(`init ${text}: too many parts.`);
  switch (kind) {
    case 'default':
    case 'zeros':
    case 'xavier':
    case 'kaiming':
      if (arg !== undefined) throw new Error(`init ${text}: ${kind} takes no value.`);
      return { kind };
    case 'constant':
      return { kind, value: number('a value', false) };
    case 'normal':
      return { kind, std: number('a standard deviation', true) };
    case 'uniform':
      return { kind, a: number('a bound a (values in -a..a)', true) };
    default:
      throw new Error(`init ${text}: unknown initializer; choose one of ${INIT_KINDS.join(', ')}.`);
  }
}

/** fan_in and fan_out of a weight shape, as PyTorch computes them (null for 0-D/1-D tensors). */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } | null {
  if (shape.length < 2) return null;
  const field = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[1] * field, fanOut: shape[0] * field };
}

/**
 * How `spec` fills one tensor: a fixed value, a draw per value, or null (keep the values it has).
 * One recipe serves both filling a tensor and skipping its draws (the inspector walks past the
 * layers before the one it shows without materialising them).
 */
export function initRecipe(
  spec: InitSpec,
  role: 'weight' | 'bias',
  shape: readonly number[],
): { fixed: number } | { draw: (rng: Rng) => number } | null {
  switch (spec.kind) {
    case 'default':
      return null;
    case 'zeros':
      return { fixed: 0 };
    case 'constant':
      return { fixed: spec.value };
    case 'normal':
      return { draw: (rng) => rng.normal(0, spec.std) };
    case 'uniform':
      return { draw: (rng) => rng.uniform(-spec.a, spec.a) };
    case 'xavier':
    case 'kaiming': {
      if (role === 'bias') return { fixed: 0 };
      const f = fans(shape);
      if (!f) return null; // a 1-D "weight" (no fan): keep the layer's own default
      if (spec.kind === 'xavier') {
        const bound = Math.sqrt(6 / (f.fanIn + f.fanOut));
        return { draw: (rng) => rng.uniform(-bound, bound) };
      }
      const std = Math.sqrt(2 / f.fanIn);
      return { draw: (rng) => rng.normal(0, std) };
    }
  }
}

/** Parameters an initializer never touches: buffers (running statistics) and norms' 1/0. */
export function keptByInit(p: ParamSpec): boolean {
  return p.role === 'buffer' || p.init === 'ones' || p.init === 'zeros';
}

/** The seed of applyInit's generator (apart from resolveWeights' one, so kinds don't share draws). */
export const initSeed = (seed: number) => seed ^ 0x1417;

function initValues(spec: InitSpec, role: 'weight' | 'bias', shape: number[], rng: Rng): Float32Array | null {
  const recipe = initRecipe(spec, role, shape);
  if (!recipe) return null;
  const v = new Float32Array(shape.reduce((a, b) => a * b, 1));
  if ('fixed' in recipe) return v.fill(recipe.fixed);
  for (let i = 0; i < v.length; i++) v[i] = recipe.draw(rng);
  return v;
}

/**
 * Initial weights for every parameter of the analysed graph. `default` keeps the stored weights
 * where there are any (an imported ONNX file trains from its initializers) and PyTorch's default
 * elsewhere; every other kind replaces all weights and biases.
 */
export function initialWeights(
  analysis: Analysis,
  doc: Pick<ProjectDocument, 'weights'>,
  spec: InitSpec,
  seed = 0,
  /** Weights loaded beside the document (an ONNX file's initializers); they win over doc.weights. */
  stored?: WeightMap,
): WeightMap {
  const base = resolveWeights(analysis, doc.weights, seed, stored);
  return spec.kind === 'default' ? base : applyInit(analysis, base, spec, seed);
}

/** A copy of `weights` with the initializer applied (see the file comment for what is kept). */
export function applyInit(analysis: Analysis, weights: WeightMap, spec: InitSpec, seed = 0): WeightMap {
  const rng = createRng(initSeed(seed));
  const out: WeightMap = new Map();
  for (const id of analysis.order) {
    const params = analysis.nodes.get(id)!.parameters;
    const current = weights.get(id);
    if (!params.length || !current) continue;
    const map = new Map<string, Float32Array>();
    for (const p of params) {
      const old = current.get(p.name)!;
      const keep = keptByInit(p);
      let values = keep ? null : initValues(spec, p.role as 'weight' | 'bias', p.shape, rng);
      if (!keep && spec.kind === 'default') values = defaultInit(p, defaultFanIn(params), rng);
      map.set(p.name, values ?? Float32Array.from(old));
    }
    out.set(id, map);
  }
  return out;
}
