// ONNX shape and element-type inference for the common operators, with constant folding: what an
// imported model's values look like without running it. The importer walks a graph with it, and
// the opaque OnnxOp layer reruns it in analysis so shapes follow edits upstream.
//
// A dimension is a number, a symbol (the batch 'N', a dim_param) or '?' (unknown). Small integer
// tensors computed from shapes (Shape -> Gather -> Concat, as PyTorch writes `x.view(x.size(0), -1)`)
// are tracked element by element in `sym`, so a Reshape target that depends on the batch is still
// known. The rules are grouped by operator family, one module each.
import { Attrs } from '../attrs.ts';
import { InferError, sameAsInput, unknownOut, type OpSpec, type Rule, type ValueInfo } from './core.ts';
import { constantsRules } from './constants.ts';
import { elementwiseRules, SAME_SHAPE } from './elementwise.ts';
import { indexingRules } from './indexing.ts';
import { nnRules } from './nn.ts';
import { reduceRules } from './reduce.ts';
import { reshapeRules } from './reshape.ts';

export {
  broadcastShapes,
  dimProduct,
  InferError,
  MAX_FOLD_ELEMENTS,
  UNKNOWN,
  type OpSpec,
  type ValueInfo,
} from './core.ts';
export { resolvePads } from './window.ts';

const RULES: Record<string, Rule> = {
  ...constantsRules,
  ...reshapeRules,
  ...indexingRules,
  ...elementwiseRules,
  ...reduceRules,
  ...nnRules,
};
for (const op of SAME_SHAPE) RULES[op] ??= sameAsInput;

/** Whether this module knows the operator (standard domain). */
export function hasShapeRule(spec: Pick<OpSpec, 'opType' | 'domain'>): boolean {
  return (spec.domain === '' || spec.domain === 'ai.onnx') && spec.opType in RULES;
}

/** Every dim a size or a symbol; a loop, not `some`, which skips the holes a bad index leaves. */
function isShape(shape: readonly unknown[]): boolean {
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (typeof d === 'number' ? !(Number.isSafeInteger(d) && d >= 0) : typeof d !== 'string') return false;
  }
  return true;
}

/**
 * Shapes, element types and (where all inputs are constant and `fold` is set) values of a node's
 * outputs. Unknown operators give unknown outputs; malformed nodes throw InferError.
 */
export function inferNode(spec: OpSpec, inputs: (ValueInfo | null)[], fold = true): ValueInfo[] {
  const rule = hasShapeRule(spec) ? RULES[spec.opType] : undefined;
  if (!rule) return unknownOut(spec.outputs);
  const out = rule({ spec, a: new Attrs(spec.attributes), inputs, fold });
  while (out.length < spec.outputs) out.push({ shape: null, dtype: null });
  for (const v of out)
    if (v.shape && !isShape(v.shape))
      throw new InferError(`${spec.opType} would give the non-size shape [${v.shape.join(', ')}]`);
  return out.slice(0, spec.outputs);
}
