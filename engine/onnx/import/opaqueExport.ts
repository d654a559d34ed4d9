// Export of an opaque OnnxOp node: the ONNX node as imported, adapted to the export opset, with
// its edges, parameters and constants as tensors and the names its subgraphs read from outside
// renamed to the tensors they now are.
import type { LowerContext } from '../../layer.ts';
import type { Shape } from '../../tensor/shape.ts';
import type { OnnxAttribute, OnnxGraph, OnnxNode } from '../types.ts';
import { DataType } from '../types.ts';
import { adaptAndEmit, dryEmitter, type AdaptInput, type Emitter } from './adapt.ts';
import { decodeOpaque, isStd, type Opaque, type OpaqueAttrs, type Slot } from './opaque.ts';
import { constFromJson, toOnnxTensor, type ConstTensor } from './values.ts';

/** Renames outer-scope references inside subgraph attributes (deep copies what it changes). */
function renameInGraph(g: OnnxGraph, map: Map<string, string>): OnnxGraph {
  const local = new Set<string>([
    ...g.inputs.map((v) => v.name),
    ...g.initializers.map((t) => t.name),
    ...g.nodes.flatMap((n) => n.outputs),
  ]);
  const inner = new Map([...map].filter(([k]) => !local.has(k)));
  if (!inner.size) return g;
  const rename = (s: string) => inner.get(s) ?? s;
  const nodes: OnnxNode[] = g.nodes.map((n) => ({
    ...n,
    inputs: n.inputs.map(rename),
    attributes: renameInAttributes(n.attributes, inner),
  }));
  return { ...g, nodes, outputs: g.outputs.map((v) => ({ ...v, name: rename(v.name) })) };
}

function renameInAttributes(attrs: OnnxAttribute[], map: Map<string, string>): OnnxAttribute[] {
  return attrs.map((a) =>
    a.type === 'GRAPH'
      ? { ...a, value: renameInGraph(a.value, map) }
      : a.type === 'GRAPHS'
        ? { ...a, value: a.value.map((g) => renameInGraph(g, map)) }
        : a,
  );
}

function adaptInputs(o: Opaque, resolve: (s: Exclude<Slot, null>, i: number) => AdaptInput): AdaptInput[] {
  return o.slots.map((s, i) => (s ? resolve(s, i) : null));
}

/** Why the node can't be written at `opset` (null when it can). */
export function opaqueExportProblem(
  o: Opaque,
  opset: number,
  shapes: readonly (Shape | null)[],
): string | null {
  const inputs = adaptInputs(o, (s, i) =>
    'const' in s
      ? { const: o.consts[i]! }
      : { tensor: 'x', shape: 'param' in s ? s.shape : (shapes[s.port] ?? null) },
  );
  return adaptAndEmit(
    {
      opType: o.opType,
      domain: o.domain,
      attributes: o.attributes,
      inputs,
      dataType: o.outputTypes[0] || null,
    },
    o.opset,
    isStd(o.domain) ? opset : o.opset,
    Array.from({ length: o.outputs }, (_, k) => `y${k}`),
    dryEmitter,
  );
}

/** toOnnx: the node as imported, adapted to the export opset; fills ctx.outputs / outputTypes. */
export function emitOpaque(ctx: LowerContext<OpaqueAttrs>): string {
  const o = decodeOpaque(ctx.attrs);
  const { b } = ctx;
  const constant = (c: ConstTensor, hint: string) => b.initializer(toOnnxTensor(`${ctx.node}.${hint}`, c));
  const inputs = adaptInputs(o, (s, i) => {
    if ('port' in s) return { tensor: ctx.inputs[s.port], shape: ctx.inputShapes[s.port] ?? null };
    if ('param' in s) return { tensor: ctx.params[s.param], shape: s.shape };
    return { const: o.consts[i]! };
  });
  let attributes = o.attributes;
  if (o.outer.length) {
    const map = new Map<string, string>();
    o.outer.forEach((r, k) => {
      const s = r.slot;
      map.set(
        r.name,
        'port' in s
          ? ctx.inputs[s.port]
          : 'param' in s
            ? ctx.params[s.param]
            : constant(constFromJson(s.const), `outer${k}`),
      );
    });
    attributes = renameInAttributes(attributes, map);
  }
  const outputs = [
    ctx.output,
    ...Array.from({ length: o.outputs - 1 }, (_, k) => b.name(`${ctx.node}:${k + 1}`)),
  ];
  const em: Emitter = {
    constant,
    node: (op, ins, attrs, outs, name) => {
      const nodeName = b.nodeName(name ?? `${ctx.node}/${op}`);
      const names =
        typeof outs === 'number'
          ? Array.from({ length: outs }, (_, k) => b.name(`${nodeName}${k ? `:${k}` : ''}_out`))
          : outs;
      b.nodes.push({
        opType: op,
        domain: o.domain,
        name: nodeName,
        inputs: ins,
        outputs: names,
        attributes: attrs,
      });
      return names;
    },
  };
  const target = isStd(o.domain) ? (ctx.opset ?? 17) : o.opset;
  const problem = adaptAndEmit(
    { opType: o.opType, domain: o.domain, attributes, inputs, dataType: o.outputTypes[0] || null },
    o.opset,
    target,
    outputs,
    em,
    ctx.node,
  );
  if (problem) throw new Error(`${ctx.node}: ${problem}`);
  if (!isStd(o.domain)) b.domains.set(o.domain, Math.max(b.domains.get(o.domain) ?? 0, o.opset));
  ctx.outputs?.push(...outputs);
  ctx.outputTypes?.push(...o.outputTypes.map((t) => t || DataType.FLOAT));
  return outputs[0];
}
