// Import phase 4, build: one Netwright node per ONNX node or matched group — Input nodes for the
// graph inputs, layers where a pattern matched, opaque OnnxOp nodes elsewhere (opaqueNode.ts) —
// wired by edges, with names that follow the file, each parameter's values and where they came
// from, and the graph outputs named after the nodes producing them.
import type { Edge, GraphNode } from '../../graph/graph.ts';
import { edgeId } from '../../graph/graph.ts';
import { defaultAttributes } from '../../layer.ts';
import { getLayer } from '../../layers/index.ts';
import type { WeightMap } from '../../weights.ts';
import { ImportError, isConstNode, STD, type ImportContext } from './context.ts';
import { INPUT_TYPES } from './decode.ts';
import type { LayerMatch, Matcher } from './match.ts';
import { addOpaqueNode } from './opaqueNode.ts';
import { constSize, type ConstTensor } from './values.ts';

/** The project taking shape: nodes, edges, parameters, and where each ONNX value now lives. */
export class ProjectBuilder {
  readonly nodes: GraphNode[] = [];
  readonly edges: Edge[] = [];
  readonly weights: WeightMap = new Map();
  /** `${id}.${param}` -> shape. */
  readonly paramShapes = new Map<string, number[]>();
  readonly parameterSources: Record<string, Record<string, string>> = {};
  /** ONNX value name -> the Netwright node id and output port holding it. */
  readonly placed = new Map<string, { id: string; port: number }>();
  readonly inputs: Record<string, string> = {};
  readonly outputs: Record<string, string> = {};
  /** Initializer data arrays -> their names (a constant reshaped on upgrade keeps its array). */
  readonly initializerData = new Map<unknown, string>();
  /** Parameters left unfilled (ImportOptions.fillWeights false). */
  unfilled = 0;
  private readonly usedNames = new Set<string>();
  private readonly reserved: Set<string>;
  private readonly outputCount = new Map<string, number>();
  private readonly idCounters = new Map<string, number>();

  constructor(
    private readonly ctx: ImportContext,
    private readonly consumers: Map<string, number[]>,
  ) {
    this.reserved = new Set(ctx.g.outputs.map((o) => o.name));
    for (const o of ctx.g.outputs) this.outputCount.set(o.name, (this.outputCount.get(o.name) ?? 0) + 1);
    for (const t of ctx.g.initializers)
      this.initializerData.set(ctx.values.get(t.name)!.info.value!.data, t.name);
  }

  uniqueName(base: string, allowReserved = false): string {
    const clean = base.trim() || 'node';
    let n = clean;
    for (let k = 2; this.usedNames.has(n) || (!allowReserved && this.reserved.has(n)); k++)
      n = `${clean}_${k}`;
    this.usedNames.add(n);
    return n;
  }

  /** A node may take a graph output's name when it alone produces that output, at port 0. */
  ownsOutputName(base: string, out0: string | undefined): boolean {
    return (
      !!out0 && base === out0 && this.outputCount.get(out0) === 1 && !(this.consumers.get(out0) ?? []).length
    );
  }

  freshId(type: string): string {
    const base = type.toLowerCase().replace(/[^a-z0-9]+/g, '_');
    const k = (this.idCounters.get(base) ?? 0) + 1;
    this.idCounters.set(base, k);
    return `${base}_${k}`;
  }

  connect(target: string, port: number, valueName: string): void {
    const src = this.placed.get(valueName);
    if (!src) throw new ImportError(`internal: '${valueName}' has no node yet`);
    this.edges.push({
      id: edgeId(src.id, src.port, target, port),
      source: src.id,
      sourcePort: src.port,
      target,
      targetPort: port,
    });
  }

  storeParam(id: string, param: string, data: Float32Array, shape: number[], source: string): void {
    (this.parameterSources[id] ??= {})[param] = source;
    if (this.leavesUnfilled(this.ctx.values.get(source)?.info.value)) {
      this.unfilled++;
      return;
    }
    if (!this.weights.has(id)) this.weights.set(id, new Map());
    this.weights.get(id)!.set(param, data);
    this.paramShapes.set(`${id}.${param}`, shape);
  }

  /** A lazy fill whose parameter the import leaves out (ImportOptions.fillWeights false). */
  leavesUnfilled(c: ConstTensor | undefined): boolean {
    return this.ctx.opts.fillWeights === false && c?.fill !== undefined;
  }

  /** A graph output's name is free again once an Identity takes it. */
  release(name: string): void {
    this.reserved.delete(name);
  }
}

export function build(ctx: ImportContext, matcher: Matcher): ProjectBuilder {
  const pb = new ProjectBuilder(ctx, matcher.consumers);
  addInputs(ctx, pb);
  for (const i of ctx.order) {
    if (matcher.absorbed.has(i) || isConstNode(ctx, i)) continue;
    const n = ctx.nodes[i];
    const match = STD(n.domain) && !ctx.outerRefs[i].length ? matcher.match(i) : null;
    if (match) {
      addLayer(ctx, pb, match);
      match.chain.forEach((c) => matcher.absorbed.add(c));
    } else addOpaqueNode(ctx, pb, i);
  }
  addOutputs(ctx, pb);
  return pb;
}

function addInputs(ctx: ImportContext, pb: ProjectBuilder): void {
  for (const v of ctx.graphInputs) {
    const info = ctx.values.get(v.name)!.info;
    const shape = info.shape!;
    const id = pb.freshId('Input');
    pb.nodes.push({
      id,
      type: 'Input',
      name: pb.uniqueName(v.name, true),
      attributes: {
        ...defaultAttributes(getLayer('Input')!),
        shape: shape.slice(1) as number[],
        batch_size: typeof shape[0] === 'number' ? shape[0] : null,
        dtype: INPUT_TYPES[info.dtype!],
      },
      position: { x: 0, y: 0 },
    });
    pb.placed.set(v.name, { id, port: 0 });
    pb.inputs[v.name] = id;
  }
}

function addLayer(ctx: ImportContext, pb: ProjectBuilder, match: LayerMatch): void {
  const { def, m, chain, ports, output } = match;
  const { nodes, values } = ctx;
  const n = nodes[chain[0]];
  const last = nodes[chain[chain.length - 1]];
  const id = pb.freshId(def.type);
  const name = pb.uniqueName(last.name || output, pb.ownsOutputName(last.name || output, output));
  pb.nodes.push({
    id,
    type: def.type,
    name,
    attributes: { ...defaultAttributes(def), ...m.attributes },
    position: { x: 0, y: 0 },
  });
  ports.forEach((k, port) => pb.connect(id, port, n.inputs[k]));
  // Which ONNX constant each parameter came from (the same values object, else the same size).
  const candidates = chain.flatMap((c) => nodes[c].inputs).filter((x) => x && values.get(x)!.info.value);
  const constant = (x: string) => values.get(x)!.info.value!;
  // Reading a lazy fill's data would fill it: one is matched by its size alone.
  const same = (x: string, data: Float32Array) => constant(x).fill === undefined && constant(x).data === data;
  for (const [param, data] of Object.entries(m.params ?? {})) {
    const spec = match.params.find((p) => p.name === param)!;
    const source =
      candidates.find((x) => same(x, data)) ??
      candidates.find((x) => constSize(constant(x)) === data.length) ??
      `${name}.${param}`;
    pb.storeParam(id, param, data, spec.shape, source);
  }
  pb.placed.set(output, { id, port: 0 });
}

/** Graph outputs: the node producing one is named after it, else an Identity carries the name. */
function addOutputs(ctx: ImportContext, pb: ProjectBuilder): void {
  const consumedPorts = new Set(pb.edges.map((e) => `${e.source}:${e.sourcePort}`));
  const claimed = new Set<string>();
  const byId = new Map(pb.nodes.map((x) => [x.id, x]));
  for (const o of ctx.g.outputs) {
    const v = ctx.values.get(o.name);
    if (!v) throw new ImportError(`Graph output '${o.name}' is not computed by any node.`);
    if (!pb.placed.has(o.name))
      throw new ImportError(
        `Graph output '${o.name}' is a constant (it depends on no input); Netwright models compute every output from an input.`,
      );
    const src = pb.placed.get(o.name)!;
    const node = byId.get(src.id)!;
    const direct =
      src.port === 0 &&
      node.name === o.name &&
      node.type !== 'Input' &&
      !consumedPorts.has(`${src.id}:0`) &&
      !claimed.has(src.id);
    if (direct) {
      claimed.add(src.id);
      pb.outputs[o.name] = src.id;
      continue;
    }
    const id = pb.freshId('Identity');
    pb.release(o.name);
    pb.nodes.push({
      id,
      type: 'Identity',
      name: pb.uniqueName(o.name),
      attributes: {},
      position: { x: 0, y: 0 },
    });
    pb.edges.push({
      id: edgeId(src.id, src.port, id, 0),
      source: src.id,
      sourcePort: src.port,
      target: id,
      targetPort: 0,
    });
    pb.outputs[o.name] = id;
  }
}
