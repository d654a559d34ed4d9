// ONNX model -> Netwright project, in five phases:
//   1. decode (decode.ts): operator sets, initializers, graph inputs, recorded shapes, node order;
//   2. shape inference and constant folding (shapes.ts, rules in infer/): every value's shape,
//      element type, and value where it is constant;
//   3. pattern matching (match.ts): each node offered to the layers whose `fromOnnx` names its
//      operator, a match kept only when the layer's own analysis reproduces the ONNX shapes;
//   4. build (build.ts, opaqueNode.ts): layers where a pattern matched, opaque OnnxOp nodes that
//      export back unchanged elsewhere;
//   5. prune and lay out (finish.ts): keep what the outputs need, embed weights, validate.
// Pure TypeScript.
import type { ProjectDocument } from '../../graph/document.ts';
import type { OnnxModel } from '../types.ts';
import { build } from './build.ts';
import type { ImportOptions, ImportResult } from './context.ts';
import { decode } from './decode.ts';
import { finish } from './finish.ts';
import { createMatcher } from './match.ts';
import { inferShapes } from './shapes.ts';

export { ImportError } from './context.ts';
export type { ImportOptions, ImportReport, ImportResult } from './context.ts';

export function importModel(model: OnnxModel, opts: ImportOptions = {}): ProjectDocument {
  return importOnnx(model, opts).doc;
}

export function importOnnx(model: OnnxModel, opts: ImportOptions = {}): ImportResult {
  const ctx = decode(model, opts);
  inferShapes(ctx);
  const project = build(ctx, createMatcher(ctx));
  return finish(ctx, project);
}
