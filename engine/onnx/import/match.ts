// Import phase 3, pattern matching: each node is offered to the layers whose `fromOnnx` names its
// operator (through the NodeView a layer's read() sees), and a match is kept only when the layer's
// own analysis reproduces the ONNX output shape and parameter shapes, and the nodes it absorbs are
// read nowhere else.
import { checkAttribute } from '../../attributes.ts';
import { isProblem } from '../../diagnostics.ts';
import type { AnyLayerDef } from '../../layer.ts';
import { defaultAttributes } from '../../layer.ts';
import { layersForOnnxOp } from '../../layers/index.ts';
import type { Shape } from '../../tensor/shape.ts';
import { product } from '../../tensor/shape.ts';
import { Attrs } from './attrs.ts';
import { isConstNode, STD, type ImportContext } from './context.ts';
import { UNKNOWN } from './infer/index.ts';
import { unfilledStandIn, type ConstTensor } from './values.ts';
import type { NodeView, OnnxMatch, ValueView } from './view.ts';

export interface LayerMatch {
  def: AnyLayerDef;
  m: OnnxMatch;
  /** The matched node and the nodes it absorbs, in topological order; the last gives the output. */
  chain: number[];
  /** ONNX input indices of the first node that become the layer's input ports. */
  ports: number[];
  output: string;
  params: { name: string; shape: number[] }[];
}

export interface Matcher {
  /** The layer this node (and the nodes after it that it absorbs) imports as, or null. */
  match(i: number): LayerMatch | null;
  /** Nodes already covered by a match. */
  absorbed: Set<number>;
  /** Value name -> the non-constant nodes reading it. */
  consumers: Map<string, number[]>;
}

export function createMatcher(ctx: ImportContext): Matcher {
  const { nodes, values } = ctx;
  const consumers = new Map<string, number[]>();
  for (const i of ctx.order) {
    if (isConstNode(ctx, i)) continue;
    for (const name of [...nodes[i].inputs, ...ctx.outerRefs[i]]) {
      if (!name) continue;
      const list = consumers.get(name) ?? [];
      if (!list.includes(i)) list.push(i);
      consumers.set(name, list);
    }
  }
  const options = { foldBatchNorm: !!ctx.opts.foldBatchNorm };
  const views = new Map<number, NodeView>();
  const viewIndex = new Map<NodeView, number>();
  const standIns = new Map<string, ConstTensor>();
  // Without weights, a lazy fill is shown unfilled; build.ts then leaves its parameter out.
  const visibleValue = (name: string, c: ConstTensor | undefined): ConstTensor | undefined => {
    if (c?.fill === undefined || ctx.opts.fillWeights !== false) return c;
    if (!standIns.has(name)) standIns.set(name, unfilledStandIn(c));
    return standIns.get(name);
  };
  const valueView = (name: string): ValueView => {
    const v = values.get(name)!;
    const view: ValueView = {
      name,
      shape: v.info.shape,
      dtype: v.info.dtype,
      value: visibleValue(name, v.info.value),
      sym: v.info.sym,
    };
    if (v.producer) {
      const p = v.producer.node;
      Object.defineProperty(view, 'producer', { get: () => nodeView(p), enumerable: true });
    }
    return view;
  };
  const nodeView = (i: number): NodeView => {
    const hit = views.get(i);
    if (hit) return hit;
    const n = nodes[i];
    const view: NodeView = {
      opType: n.opType,
      domain: n.domain,
      name: n.name,
      opset: ctx.opsetOf(n.domain),
      attrs: new Attrs(n.attributes),
      inputs: n.inputs.map((name) => (name ? valueView(name) : null)),
      outputs: n.outputs.map((name) => (name ? valueView(name) : { name: '', shape: null, dtype: null })),
      consumers: (k = 0) => (n.outputs[k] ? (consumers.get(n.outputs[k]) ?? []).map(nodeView) : []),
      isGraphOutput: (k = 0) => !!n.outputs[k] && ctx.graphOutputs.has(n.outputs[k]),
      options,
    };
    views.set(i, view);
    viewIndex.set(view, i);
    return view;
  };

  const absorbed = new Set<number>();
  // Of the layers that fit, the one covering the most nodes: MultiheadAttention's first MatMul
  // would also read as a Linear on its own.
  const match = (i: number): LayerMatch | null => {
    let best: LayerMatch | null = null;
    for (const def of layersForOnnxOp(nodes[i].opType)) {
      let m: OnnxMatch | null;
      try {
        m = def.fromOnnx!.read(nodeView(i));
      } catch {
        m = null;
      }
      if (!m) continue;
      const group = groupOf(ctx, { consumers, absorbed, viewIndex }, i, m);
      const verified = group && verify(ctx, def, group, m);
      if (verified && (!best || group.chain.length > best.chain.length))
        best = { def, m, ...group, ...verified };
    }
    return best;
  };
  return { match, absorbed, consumers };
}

interface Group {
  chain: number[];
  ports: number[];
  output: string;
}

/**
 * The group: this node and the nodes it absorbs (a chain, or a small DAG such as GELU's), all
 * after it in topological order, read only inside the group until the last one, and fed from
 * outside only by the layer's input ports. Null when the match's nodes don't form one.
 */
function groupOf(
  ctx: ImportContext,
  seen: { consumers: Map<string, number[]>; absorbed: Set<number>; viewIndex: Map<NodeView, number> },
  i: number,
  m: OnnxMatch,
): Group | null {
  const { nodes, values } = ctx;
  const n = nodes[i];
  const ports = m.inputs ?? [0];
  for (const k of ports) {
    const v = n.inputs[k] ? values.get(n.inputs[k]) : undefined;
    if (!v || v.info.value !== undefined || !v.info.shape || v.info.shape.includes(UNKNOWN)) return null;
  }
  const chain = [i];
  for (const a of m.absorbs ?? []) {
    const j = seen.viewIndex.get(a);
    if (j === undefined || chain.includes(j) || seen.absorbed.has(j) || isConstNode(ctx, j)) return null;
    if (!STD(nodes[j].domain) || ctx.outerRefs[j].length || ctx.position.get(j)! < ctx.position.get(i)!)
      return null;
    chain.push(j);
  }
  const inGroup = new Set(chain);
  const portValues = new Set(ports.map((k) => n.inputs[k]));
  for (const c of chain) {
    const x = nodes[c];
    const last = c === chain[chain.length - 1];
    for (const [k, o] of x.outputs.entries()) {
      if (!o) continue;
      const readers = seen.consumers.get(o) ?? [];
      const escapes = last
        ? k > 0 && (readers.length > 0 || ctx.graphOutputs.has(o))
        : ctx.graphOutputs.has(o) || readers.some((r) => !inGroup.has(r));
      if (escapes) return null;
    }
    for (const name of x.inputs) {
      if (!name) continue;
      const v = values.get(name)!;
      // Constants, and shape tensors known element by element, configure the layer.
      if (v.info.value !== undefined || v.info.sym || portValues.has(name)) continue;
      if (!v.producer || !inGroup.has(v.producer.node)) return null;
    }
  }
  const output = nodes[chain[chain.length - 1]].outputs[0];
  return output ? { chain, ports, output } : null;
}

/** Attributes valid, and the layer's analysis gives the ONNX shape and the given parameters. */
function verify(
  ctx: ImportContext,
  def: AnyLayerDef,
  group: Group,
  m: OnnxMatch,
): { params: { name: string; shape: number[] }[] } | null {
  const n = ctx.nodes[group.chain[0]];
  const inputShapes: Shape[] = group.ports.map((k) => ctx.values.get(n.inputs[k])!.info.shape!);
  const attrs = { ...defaultAttributes(def), ...m.attributes };
  for (const [k, v] of Object.entries(attrs)) {
    const spec = def.attributes[k];
    if (!spec || checkAttribute(spec, v)) return null;
  }
  const checked = def.check?.(attrs as never, inputShapes);
  const out = checked ?? def.outputShape(inputShapes, attrs as never);
  if (isProblem(out)) return null;
  const onnxShape = ctx.values.get(group.output)!.info.shape;
  if (onnxShape) {
    if (onnxShape.length !== out.length) return null;
    if (onnxShape.some((d, k) => d !== UNKNOWN && d !== out[k])) return null;
  }
  const params = def.parameters?.(inputShapes, attrs as never) ?? [];
  const given = m.params ?? {};
  if (Object.keys(given).length !== params.length) return null;
  for (const p of params) if (!given[p.name] || given[p.name].length !== product(p.shape)) return null;
  return { params };
}
