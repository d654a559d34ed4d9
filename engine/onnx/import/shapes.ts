// Import phase 2, shape inference and constant folding: every node's outputs in topological
// order — shapes, element types, and values wherever the inputs are constant (weights made by
// Constant/ConstantOfShape nodes, shape arithmetic). Where the rules leave a dimension unknown,
// the shape measured by running the model or recorded in the file fills it in.
import type { Shape } from '../../tensor/shape.ts';
import { inferNode, InferError, UNKNOWN, type ValueInfo } from './infer/index.ts';
import { ImportError, label, type ImportContext } from './context.ts';

export function inferShapes(ctx: ImportContext): void {
  const { nodes, values } = ctx;
  for (const i of ctx.order) {
    const n = nodes[i];
    const spec = {
      opType: n.opType,
      domain: n.domain,
      opset: ctx.opsetOf(n.domain),
      attributes: n.attributes,
      outputs: n.outputs.length,
    };
    const ins = n.inputs.map((name) => (name ? values.get(name)!.info : null));
    let outs: ValueInfo[];
    try {
      outs = inferNode(spec, ins, true);
    } catch (e) {
      if (e instanceof TypeError || e instanceof ReferenceError) throw e;
      if (!(e instanceof InferError))
        // A tensor in the node that can't be read (wrong length, unknown type, too large).
        throw new ImportError(`Node ${label(n, i)} (${n.opType}): ${(e as Error).message}.`);
      outs = n.outputs.map(() => ({ shape: null, dtype: null }));
      ctx.note(
        `${label(n, i)} (${n.opType}): ${(e as Error).message}; its shape comes from the file or stays unknown.`,
      );
    }
    n.outputs.forEach((name, port) => {
      if (!name) return;
      const info = completed(ctx, name, { ...outs[port] });
      if (!info.shape && !info.value) ctx.unknownShapes.push(name);
      values.set(name, { name, info, producer: { node: i, port } });
    });
  }
}

/** An inferred value with the batch named 'N', and unknown dims filled from measured or recorded shapes. */
function completed(ctx: ImportContext, name: string, info: ValueInfo): ValueInfo {
  // Subgraph outputs name the batch by the model's own dim_param.
  if (info.shape?.some((d) => typeof d === 'string' && ctx.batchParams.has(d)))
    info.shape = info.shape.map((d) => (typeof d === 'string' && ctx.batchParams.has(d) ? 'N' : d));
  const rec = ctx.recorded.get(name);
  const meas = ctx.opts.measuredShapes?.get(name);
  const better = meas ? ([...meas] as Shape) : rec?.shape;
  if (
    (!info.shape || info.shape.some((d) => d === UNKNOWN)) &&
    better &&
    (!info.shape || better.length === info.shape.length)
  )
    info.shape = info.shape ? info.shape.map((d, k) => (d === UNKNOWN ? better[k] : d)) : better;
  if (info.dtype === null && rec?.dtype) info.dtype = rec.dtype;
  return info;
}
