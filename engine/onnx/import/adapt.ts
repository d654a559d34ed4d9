// Moves an opaque node from the opset its model was written for to the opset of the export, one
// step at a time (adapt/): upgrades from before 13 (adapt/up13.ts) and from 13-20 to 21
// (adapt/up21.ts), downgrades for models newer than the export (adapt/down.ts). Changes that only
// add element types need nothing. What can't be expressed at the target opset is returned as a
// sentence for exportProblems.
import { AdaptState, Problem, type AdaptNode, type Emitter } from './adapt/state.ts';
import { UP_TO_13 } from './adapt/up13.ts';
import { UP_TO_21 } from './adapt/up21.ts';
import { DOWNGRADES } from './adapt/down.ts';

export type { AdaptInput, AdaptNode, Emitter } from './adapt/state.ts';

export const dryEmitter: Emitter = {
  constant: (_c, hint) => hint,
  node: (op, _i, _a, outputs) =>
    typeof outputs === 'number' ? Array.from({ length: outputs }, (_, k) => `${op}:${k}`) : outputs,
};

/** Operators that entered the standard domain after opset 13 (our export floor), by version. */
const INTRODUCED: Record<string, number> = {
  Trilu: 14,
  HardSwish: 14,
  CastLike: 15,
  Bernoulli: 15,
  Optional: 15,
  OptionalGetElement: 15,
  OptionalHasElement: 15,
  GridSample: 16,
  LayerNormalization: 17,
  SequenceMap: 17,
  DFT: 17,
  STFT: 17,
  BlackmanWindow: 17,
  HannWindow: 17,
  HammingWindow: 17,
  MelWeightMatrix: 17,
  Col2Im: 18,
  CenterCropPad: 18,
  Mish: 18,
  GroupNormalization: 18,
  BitwiseAnd: 18,
  BitwiseOr: 18,
  BitwiseXor: 18,
  BitwiseNot: 18,
  DeformConv: 19,
  Gelu: 20,
  AffineGrid: 20,
  ImageDecoder: 20,
  RegexFullMatch: 20,
  StringConcat: 20,
  StringSplit: 20,
  RMSNormalization: 23,
  RotaryEmbedding: 23,
  Attention: 23,
  Swish: 24,
  TensorScatter: 24,
};

/** Experimental operators dropped from the standard domain (opset 10 and later refuse them). */
const REMOVED = new Set([
  'ImageScaler',
  'Crop',
  'Affine',
  'ScaledTanh',
  'ParametricSoftplus',
  'GivenTensorFill',
  'GRUUnit',
  'ATen',
  'DynamicSlice',
  'ConstantFill',
]);

const isStd = (domain: string) => domain === '' || domain === 'ai.onnx';

/**
 * Adapts `node` (written for opset `from` of its domain) to `to` and emits it. Returns null when
 * done, or a sentence saying what can't be expressed at `to`.
 */
export function adaptAndEmit(
  node: AdaptNode,
  from: number,
  to: number,
  outputs: string[],
  em: Emitter,
  name?: string,
): string | null {
  const s = new AdaptState(node, from, to, outputs, em, name);
  try {
    if (isStd(node.domain) && from !== to) {
      if (REMOVED.has(s.op) && to >= 10)
        s.fail(`was an experimental operator that opset ${to} no longer has`);
      const since = INTRODUCED[s.op];
      if (since !== undefined && to < since)
        s.fail(`needs opset ${since} or newer; export with --opset ${since}`);
      for (const step of [...UP_TO_13, ...UP_TO_21, ...DOWNGRADES]) if (step(s)) return null;
    }
    s.finish();
    return null;
  } catch (e) {
    if (e instanceof Problem) return e.message;
    throw e;
  }
}
