// ONNX model -> Netwright project. Values are followed through the graph (shapes, element types,
// constants folded: initializers, Constant and ConstantOfShape nodes, shape arithmetic), each node
// is offered to the layers whose `fromOnnx` names its operator, and a match is kept only when the
// layer's own analysis reproduces the ONNX output shape and parameter shapes. Everything else
// becomes an opaque OnnxOp node that exports back unchanged. Pure TypeScript.
import { checkAttribute } from '../../attributes.ts';
import type { AnyLayerDef, AttrValue } from '../../layer.ts';
import { defaultAttributes } from '../../layer.ts';
import { getLayer, layersForOnnxOp } from '../../layers/index.ts';
import { isProblem } from '../../diagnostics.ts';
import type { Edge, Graph, GraphNode } from '../../graph/graph.ts';
import { edgeId } from '../../graph/graph.ts';
import type { ProjectDocument, StoredTensor } from '../../graph/document.ts';
import { DocumentError, newDocument, validateDocument } from '../../graph/document.ts';
import type { Dim, Shape } from '../../tensor/shape.ts';
import { product } from '../../tensor/shape.ts';
import { encodeFloat32, type WeightMap } from '../../weights.ts';
import {
  DataLocation,
  DataType,
  type OnnxAttribute,
  type OnnxGraph,
  type OnnxModel,
  type OnnxNode,
  type OnnxType,
} from '../types.ts';
import { Attrs } from './attrs.ts';
import { inferNode, InferError, UNKNOWN, type ValueInfo } from './infer/index.ts';
import { decodeOpaque, encodeOpaque, opaqueShapes, type OuterRef, type Slot } from './opaque.ts';
import { constToJson, fromOnnxTensor, type ConstTensor } from './values.ts';
import { adaptAndEmit, type AdaptInput } from './adapt.ts';
import type { NodeView, OnnxMatch, ValueView } from './view.ts';

export class ImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportError';
  }
}

export interface ImportOptions {
  /** Project name; the ONNX graph's name otherwise. */
  name?: string;
  /** Shapes measured by running the model (host/onnxShapes.ts), by tensor name. */
  measuredShapes?: ReadonlyMap<string, readonly number[]>;
  /**
   * Write the weights into doc.weights as base64 (default true). Tensors too large for a JSON
   * string are left out with a note either way; `weights` in the result always has them all.
   */
  embedWeights?: boolean;
}

export interface ImportReport {
  /** Netwright layers created, by type (OnnxOp counted under `opaque`). */
  layers: Record<string, number>;
  /** Opaque nodes by ONNX operator type. */
  opaque: Record<string, number>;
  /** Things a user should know (fixed symbolic sizes, folded constants, dropped nodes). */
  notes: string[];
  /** Tensors whose shape stayed unknown; measuring by running the model fills them. */
  unknownShapes: string[];
  /** ONNX graph input / output name -> node id. */
  inputs: Record<string, string>;
  outputs: Record<string, string>;
  /** node id -> parameter -> the ONNX tensor (initializer or folded constant) it holds. */
  parameterSources: Record<string, Record<string, string>>;
}

export interface ImportResult {
  doc: ProjectDocument;
  report: ImportReport;
  /** Every parameter's values (also those too large to embed in the document). */
  weights: WeightMap;
}

/** Tensors above this many bytes don't fit a JavaScript string as base64 (V8's limit is ~2^29 chars). */
const MAX_EMBED_BYTES = 384 * 2 ** 20;

const STD = (domain: string) => domain === '' || domain === 'ai.onnx';

/** ONNX element types an Input node can declare. */
const INPUT_TYPES: Record<number, string> = {
  [DataType.FLOAT]: 'float32',
  [DataType.FLOAT16]: 'float16',
  [DataType.DOUBLE]: 'float64',
  [DataType.INT64]: 'int64',
  [DataType.INT32]: 'int32',
  [DataType.INT8]: 'int8',
  [DataType.UINT8]: 'uint8',
  [DataType.BOOL]: 'bool',
};

/** Inputs that configure an operator rather than carry weights: kept as constants in the node. */
const CONFIG_INPUTS: Record<string, number[]> = {
  Reshape: [1],
  Unsqueeze: [1],
  Squeeze: [1],
  Slice: [1, 2, 3, 4],
  Pad: [1, 2, 3],
  Resize: [1, 2, 3],
  Upsample: [1],
  Expand: [1],
  Tile: [1],
  ConstantOfShape: [0],
  Split: [1],
  TopK: [1],
  Clip: [1, 2],
  Range: [0, 1, 2],
  OneHot: [1, 2],
  Dropout: [1, 2],
  CumSum: [1],
  ReduceSum: [1],
  ReduceMean: [1],
  ReduceMax: [1],
  ReduceMin: [1],
  ReduceProd: [1],
  ReduceL1: [1],
  ReduceL2: [1],
  ReduceLogSum: [1],
  ReduceLogSumExp: [1],
  ReduceSumSquare: [1],
  Trilu: [1],
  Gather: [1],
};

/** ONNX schema input names, for readable parameter names of opaque nodes. */
const INPUT_NAMES: Record<string, string[]> = {
  Conv: ['X', 'W', 'B'],
  ConvTranspose: ['X', 'W', 'B'],
  Gemm: ['A', 'B', 'C'],
  MatMul: ['A', 'B'],
  BatchNormalization: ['X', 'scale', 'B', 'input_mean', 'input_var'],
  InstanceNormalization: ['input', 'scale', 'B'],
  LayerNormalization: ['X', 'Scale', 'B'],
  GroupNormalization: ['X', 'scale', 'bias'],
  PRelu: ['X', 'slope'],
  Gather: ['data', 'indices'],
  LSTM: ['X', 'W', 'R', 'B', 'sequence_lens', 'initial_h', 'initial_c', 'P'],
  GRU: ['X', 'W', 'R', 'B', 'sequence_lens', 'initial_h'],
  RNN: ['X', 'W', 'R', 'B', 'sequence_lens', 'initial_h'],
};

interface Value {
  name: string;
  info: ValueInfo;
  /** Producing node index and output port; absent for graph inputs and initializers. */
  producer?: { node: number; port: number };
  initializer?: boolean;
}

interface Placed {
  /** The Netwright node id and output port holding this ONNX value. */
  id: string;
  port: number;
}

interface Verified {
  chain: number[];
  ports: number[];
  output: string;
  params: { name: string; shape: number[] }[];
}

export function importModel(model: OnnxModel, opts: ImportOptions = {}): ProjectDocument {
  return importOnnx(model, opts).doc;
}

export function importOnnx(model: OnnxModel, opts: ImportOptions = {}): ImportResult {
  const g = model?.graph;
  if (!g || !Array.isArray(g.nodes)) throw new ImportError('The file has no graph to import.');
  const notes: string[] = [];
  const note = (s: string) => notes.includes(s) || notes.push(s);

  // ---- operator sets
  const opsets = new Map<string, number>();
  for (const o of model.opsetImport ?? []) opsets.set(STD(o.domain) ? '' : o.domain, o.version);
  if (!opsets.has('')) {
    opsets.set('', 1);
    if (g.nodes.some((n) => STD(n.domain)))
      note('The model names no opset for the standard domain; read as opset 1.');
  }
  const opsetOf = (domain: string) => opsets.get(STD(domain) ? '' : domain) ?? 1;

  // ---- symbolic batch: the dim_param at position 0 of the graph inputs becomes 'N'
  const initNames = new Set(g.initializers.map((t) => t.name));
  const graphInputs = g.inputs.filter((v) => !initNames.has(v.name));
  const batchParams = new Set<string>();
  for (const v of graphInputs) {
    const d0 = v.type?.kind === 'tensor' ? v.type.shape?.[0] : undefined;
    if (d0?.param) batchParams.add(d0.param);
  }
  const typeInfo = (t: OnnxType | undefined, isInput: boolean): ValueInfo => {
    if (!t || t.kind !== 'tensor') return { shape: null, dtype: null };
    const shape = t.shape?.map((d, i): Dim => {
      if (d.value !== undefined) return d.value;
      if (d.param) return batchParams.has(d.param) ? 'N' : d.param;
      return i === 0 && isInput ? 'N' : UNKNOWN;
    });
    return { shape: shape ?? null, dtype: t.elemType || null };
  };

  // ---- values
  const values = new Map<string, Value>();
  for (const t of g.initializers) {
    if (t.dataLocation === DataLocation.EXTERNAL && !t.rawData)
      throw new ImportError(
        `Initializer '${t.name}' keeps its data in an external file; load the model with its data files (the CLI reads the files beside the model).`,
      );
    let value;
    try {
      value = fromOnnxTensor(t);
    } catch (e) {
      throw new ImportError(`Initializer '${t.name}' can't be read: ${(e as Error).message}.`);
    }
    values.set(t.name, {
      name: t.name,
      info: { shape: [...t.dims], dtype: t.dataType, value },
      initializer: true,
    });
  }
  if (g.sparseInitializers?.length)
    throw new ImportError('The model has sparse initializers, which Netwright does not import yet.');
  const inputInfo = new Map<string, ValueInfo>();
  for (const v of graphInputs) {
    const info = typeInfo(v.type, true);
    if (!info.shape || info.dtype === null)
      throw new ImportError(
        `Graph input '${v.name}' is not a tensor of known rank and type; Netwright can't import it.`,
      );
    if (info.shape.length === 0)
      throw new ImportError(
        `Graph input '${v.name}' is a scalar; Netwright inputs have at least a batch dimension.`,
      );
    if (!(info.dtype in INPUT_TYPES))
      throw new ImportError(
        `Graph input '${v.name}' has element type ${info.dtype}, which an Input node can't declare.`,
      );
    const fixed = info.shape.map((d, i) => {
      if (i === 0 || (typeof d === 'number' && d >= 1)) return d;
      note(
        `Input '${v.name}': dimension ${i} ('${d}') is not a fixed size; it was set to 1. Edit the Input node's shape.`,
      );
      return 1;
    });
    inputInfo.set(v.name, { shape: fixed, dtype: info.dtype });
    values.set(v.name, { name: v.name, info: { shape: fixed, dtype: info.dtype } });
  }
  const recorded = new Map<string, ValueInfo>();
  for (const v of [...g.valueInfo, ...g.outputs]) recorded.set(v.name, typeInfo(v.type, false));
  const measured = opts.measuredShapes;

  // ---- topological order (outer-scope reads of subgraphs count as inputs)
  const nodes = g.nodes;
  const outerRefs = nodes.map((n) => outerNames(n));
  const producerOf = new Map<string, number>();
  nodes.forEach((n, i) =>
    n.outputs.forEach((o) => {
      if (!o) return;
      if (producerOf.has(o) || values.has(o))
        throw new ImportError(
          `The value '${o}' is defined twice (node ${label(n, i)}); the model is not valid ONNX.`,
        );
      producerOf.set(o, i);
    }),
  );
  const order = topoOrder(nodes, outerRefs, producerOf, values);
  const position = new Map(order.map((node, k) => [node, k]));

  // ---- follow values through the graph
  const unknownShapes: string[] = [];
  for (const i of order) {
    const n = nodes[i];
    const spec = {
      opType: n.opType,
      domain: n.domain,
      opset: opsetOf(n.domain),
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
      note(
        `${label(n, i)} (${n.opType}): ${(e as Error).message}; its shape comes from the file or stays unknown.`,
      );
    }
    n.outputs.forEach((name, port) => {
      if (!name) return;
      const info = { ...outs[port] };
      // Subgraph outputs name the batch by the model's own dim_param.
      if (info.shape?.some((d) => typeof d === 'string' && batchParams.has(d)))
        info.shape = info.shape.map((d) => (typeof d === 'string' && batchParams.has(d) ? 'N' : d));
      const rec = recorded.get(name);
      const meas = measured?.get(name);
      const better = meas ? ([...meas] as Shape) : rec?.shape;
      if (
        (!info.shape || info.shape.some((d) => d === UNKNOWN)) &&
        better &&
        (!info.shape || better.length === info.shape.length)
      )
        info.shape = info.shape ? info.shape.map((d, k) => (d === UNKNOWN ? better[k] : d)) : better;
      if (info.dtype === null && rec?.dtype) info.dtype = rec.dtype;
      if (!info.shape && !info.value) unknownShapes.push(name);
      values.set(name, { name, info, producer: { node: i, port } });
    });
  }

  // ---- views for the layers' import patterns
  const isConstNode = (i: number) =>
    nodes[i].outputs.every((o) => !o || values.get(o)!.info.value !== undefined);
  const consumers = new Map<string, number[]>();
  for (const i of order) {
    if (isConstNode(i)) continue;
    for (const name of [...nodes[i].inputs, ...outerRefs[i]]) {
      if (!name) continue;
      const list = consumers.get(name) ?? [];
      if (!list.includes(i)) list.push(i);
      consumers.set(name, list);
    }
  }
  const graphOutputs = new Set(g.outputs.map((o) => o.name));
  const views = new Map<number, NodeView>();
  const viewIndex = new Map<NodeView, number>();
  const valueView = (name: string): ValueView => {
    const v = values.get(name)!;
    const view: ValueView = {
      name,
      shape: v.info.shape,
      dtype: v.info.dtype,
      value: v.info.value,
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
      opset: opsetOf(n.domain),
      attrs: new Attrs(n.attributes),
      inputs: n.inputs.map((name) => (name ? valueView(name) : null)),
      outputs: n.outputs.map((name) => (name ? valueView(name) : { name: '', shape: null, dtype: null })),
      consumers: (k = 0) => (n.outputs[k] ? (consumers.get(n.outputs[k]) ?? []).map(nodeView) : []),
      isGraphOutput: (k = 0) => !!n.outputs[k] && graphOutputs.has(n.outputs[k]),
    };
    views.set(i, view);
    viewIndex.set(view, i);
    return view;
  };

  // ---- names and ids
  const usedNames = new Set<string>();
  const reserved = new Set(g.outputs.map((o) => o.name));
  const uniqueName = (base: string, allowReserved = false) => {
    const clean = base.trim() || 'node';
    let n = clean;
    for (let k = 2; usedNames.has(n) || (!allowReserved && reserved.has(n)); k++) n = `${clean}_${k}`;
    usedNames.add(n);
    return n;
  };
  /** A node may take a graph output's name when it alone produces that output, at port 0. */
  const outputCount = new Map<string, number>();
  for (const o of g.outputs) outputCount.set(o.name, (outputCount.get(o.name) ?? 0) + 1);
  const ownsOutputName = (base: string, out0: string | undefined) =>
    !!out0 && base === out0 && outputCount.get(out0) === 1 && !(consumers.get(out0) ?? []).length;
  const idCounters = new Map<string, number>();
  const freshId = (type: string) => {
    const base = type.toLowerCase().replace(/[^a-z0-9]+/g, '_');
    const k = (idCounters.get(base) ?? 0) + 1;
    idCounters.set(base, k);
    return `${base}_${k}`;
  };

  const graphNodes: GraphNode[] = [];
  const edges: Edge[] = [];
  const parameterSources: Record<string, Record<string, string>> = {};
  const placed = new Map<string, Placed>();
  const reportInputs: Record<string, string> = {};

  for (const v of graphInputs) {
    const info = inputInfo.get(v.name)!;
    const shape = info.shape!;
    const id = freshId('Input');
    graphNodes.push({
      id,
      type: 'Input',
      name: uniqueName(v.name, true),
      attributes: {
        ...defaultAttributes(getLayer('Input')!),
        shape: shape.slice(1) as number[],
        batch_size: typeof shape[0] === 'number' ? shape[0] : null,
        dtype: INPUT_TYPES[info.dtype!],
      },
      position: { x: 0, y: 0 },
    });
    placed.set(v.name, { id, port: 0 });
    reportInputs[v.name] = id;
  }

  const connect = (target: string, port: number, valueName: string) => {
    const src = placed.get(valueName);
    if (!src) throw new ImportError(`internal: '${valueName}' has no node yet`);
    edges.push({
      id: edgeId(src.id, src.port, target, port),
      source: src.id,
      sourcePort: src.port,
      target,
      targetPort: port,
    });
  };
  const weightMap: WeightMap = new Map();
  const paramShapes = new Map<string, number[]>();
  /** Initializer data arrays -> their names (a constant reshaped on upgrade keeps its array). */
  const initializerData = new Map<unknown, string>();
  for (const t of g.initializers) initializerData.set(values.get(t.name)!.info.value!.data, t.name);
  const storeParam = (id: string, param: string, data: Float32Array, shape: number[], source: string) => {
    if (!weightMap.has(id)) weightMap.set(id, new Map());
    weightMap.get(id)!.set(param, data);
    paramShapes.set(`${id}.${param}`, shape);
    (parameterSources[id] ??= {})[param] = source;
  };

  // ---- one Netwright node per ONNX node (or per matched group of nodes)
  const absorbed = new Set<number>();
  for (const i of order) {
    if (absorbed.has(i) || isConstNode(i)) continue;
    const n = nodes[i];
    const match = STD(n.domain) && !outerRefs[i].length ? matchLayer(i) : null;
    if (match) {
      const { def, m, chain, ports, output } = match;
      const last = nodes[chain[chain.length - 1]];
      const id = freshId(def.type);
      const name = uniqueName(last.name || output, ownsOutputName(last.name || output, output));
      graphNodes.push({
        id,
        type: def.type,
        name,
        attributes: { ...defaultAttributes(def), ...m.attributes },
        position: { x: 0, y: 0 },
      });
      ports.forEach((k, port) => connect(id, port, n.inputs[k]));
      // Which ONNX constant each parameter came from (the same values object, else the same size).
      const candidates = chain.flatMap((c) => nodes[c].inputs).filter((x) => x && values.get(x)!.info.value);
      for (const [param, data] of Object.entries(m.params ?? {})) {
        const spec = match.params.find((p) => p.name === param)!;
        const source =
          candidates.find((x) => values.get(x)!.info.value!.data === data) ??
          candidates.find((x) => values.get(x)!.info.value!.data.length === data.length) ??
          `${name}.${param}`;
        storeParam(id, param, data, spec.shape, source);
      }
      chain.forEach((c) => absorbed.add(c));
      placed.set(output, { id, port: 0 });
      continue;
    }
    // Opaque: the node as it is.
    const id = freshId('OnnxOp');
    const base = n.name || n.outputs.find((o) => o) || n.opType;
    const name = uniqueName(base, ownsOutputName(base, n.outputs[0]));
    let outputs = n.outputs.length;
    while (outputs > 1 && !n.outputs[outputs - 1]) outputs--;
    const outInfo = n.outputs
      .slice(0, outputs)
      .map((o) => (o ? values.get(o)!.info : { shape: null, dtype: null }));
    // Stored in its opset-13 form where that is one node (attributes that became inputs, Softmax's
    // axis, Upsample -> Resize ...), so exports at any opset from 13 write it unchanged.
    const stored = upgradeForStorage(i, outInfo[0]?.dtype ?? null) ?? {
      opType: n.opType,
      opset: opsetOf(n.domain),
      attributes: n.attributes,
      inputs: n.inputs.map((x) => (x ? x : null)),
    };
    const names = INPUT_NAMES[stored.opType] ?? [];
    const usedParams = new Set<string>();
    let port = 0;
    const slotFor = (input: string | ConstTensor, slotIndex: number, outer: boolean): Exclude<Slot, null> => {
      const v = typeof input === 'string' ? values.get(input)! : undefined;
      const c = v ? v.info.value : (input as ConstTensor);
      if (!c) {
        connect(id, port, input as string);
        return { port: port++ };
      }
      const config = !outer && (CONFIG_INPUTS[stored.opType] ?? []).includes(slotIndex);
      const fromInitializer = v ? !!v.initializer : initializerData.has(c.data);
      const weight = c.dtype === DataType.FLOAT && !config && (fromInitializer || c.data.length > 1);
      if (!weight) return { const: constToJson(c) };
      const source =
        typeof input === 'string' ? input : (initializerData.get(c.data) ?? `${name}.input${slotIndex}`);
      let param = ((outer ? source : names[slotIndex]) || `input${slotIndex}`).replace(
        /[^A-Za-z0-9_]+/g,
        '_',
      );
      if (!param) param = `input${slotIndex}`;
      while (usedParams.has(param)) param = `${param}_`;
      usedParams.add(param);
      storeParam(id, param, c.data as Float32Array, [...c.dims], source);
      return { param, shape: [...c.dims] };
    };
    const slots: Slot[] = stored.inputs.map((x, k) => (x ? slotFor(x, k, false) : null));
    const outer: OuterRef[] = outerRefs[i].map((ref) => ({ name: ref, slot: slotFor(ref, -1, true) }));
    const opaque = {
      opType: stored.opType,
      domain: STD(n.domain) ? '' : n.domain,
      opset: stored.opset,
      attributes: stored.attributes,
      slots,
      outer,
      outputs,
      outputTypes: outInfo.map((v) => v.dtype ?? 0),
      recorded: null as (Shape | null)[] | null,
    };
    let attributes = encodeOpaque(opaque);
    // Keep the import-time shapes where the node alone can't reproduce them (a computed Reshape
    // target, an unknown operator, shapes measured by running the model).
    const portShapes: (Shape | null)[] = [];
    slots.forEach((s, k) => {
      if (s && 'port' in s) portShapes[s.port] = values.get(stored.inputs[k] as string)!.info.shape;
    });
    outer.forEach((r) => {
      if ('port' in r.slot) portShapes[r.slot.port] = values.get(r.name)!.info.shape;
    });
    let local: (Shape | null)[];
    try {
      local = opaqueShapes(decodeOpaque(attributes as never), portShapes);
    } catch (e) {
      throw new ImportError(
        `Node ${label(n, i)} (${n.opType}) can't be kept as it is: ${(e as Error).message}.`,
      );
    }
    if (outInfo.some((v, k) => v.shape && JSON.stringify(v.shape) !== JSON.stringify(local[k]))) {
      opaque.recorded = outInfo.map((v) => v.shape);
      attributes = encodeOpaque(opaque);
    }
    graphNodes.push({
      id,
      type: 'OnnxOp',
      name,
      attributes: attributes as Record<string, AttrValue>,
      position: { x: 0, y: 0 },
    });
    n.outputs.slice(0, outputs).forEach((o, k) => o && placed.set(o, { id, port: k }));
  }

  // ---- graph outputs: the node producing one is named after it, else an Identity carries the name
  const reportOutputs: Record<string, string> = {};
  const consumedPorts = new Set(edges.map((e) => `${e.source}:${e.sourcePort}`));
  const claimed = new Set<string>();
  const byId = new Map(graphNodes.map((x) => [x.id, x]));
  for (const o of g.outputs) {
    const v = values.get(o.name);
    if (!v) throw new ImportError(`Graph output '${o.name}' is not computed by any node.`);
    if (!placed.has(o.name))
      throw new ImportError(
        `Graph output '${o.name}' is a constant (it depends on no input); Netwright models compute every output from an input.`,
      );
    const src = placed.get(o.name)!;
    const node = byId.get(src.id)!;
    const direct =
      src.port === 0 &&
      node.name === o.name &&
      node.type !== 'Input' &&
      !consumedPorts.has(`${src.id}:0`) &&
      !claimed.has(src.id);
    if (direct) {
      claimed.add(src.id);
      reportOutputs[o.name] = src.id;
      continue;
    }
    const id = freshId('Identity');
    reserved.delete(o.name);
    graphNodes.push({
      id,
      type: 'Identity',
      name: uniqueName(o.name),
      attributes: {},
      position: { x: 0, y: 0 },
    });
    edges.push({
      id: edgeId(src.id, src.port, id, 0),
      source: src.id,
      sourcePort: src.port,
      target: id,
      targetPort: 0,
    });
    reportOutputs[o.name] = id;
  }

  // ---- keep what the outputs depend on (and every graph input)
  const live = new Set<string>(Object.values(reportOutputs));
  const into = new Map<string, string[]>();
  for (const e of edges) into.set(e.target, [...(into.get(e.target) ?? []), e.source]);
  const stack = [...live];
  while (stack.length)
    for (const s of into.get(stack.pop()!) ?? [])
      if (!live.has(s)) {
        live.add(s);
        stack.push(s);
      }
  for (const id of Object.values(reportInputs)) live.add(id);
  const dropped = graphNodes.filter((x) => !live.has(x.id));
  if (dropped.length) {
    const kinds = [
      ...new Set(dropped.map((x) => (x.type === 'OnnxOp' ? String(x.attributes.op_type) : x.type))),
    ];
    note(`${dropped.length} node(s) that no output depends on were left out (${kinds.join(', ')}).`);
  }
  const keptNodes = graphNodes.filter((x) => live.has(x.id));
  const keptEdges = edges.filter((e) => live.has(e.source) && live.has(e.target));
  for (const x of dropped) {
    weightMap.delete(x.id);
    delete parameterSources[x.id];
  }
  const folded = order.filter((i) => isConstNode(i)).length;
  if (folded)
    note(
      `${folded} node(s) computing constants (weights from Constant/ConstantOfShape, shape arithmetic) were folded into values.`,
    );

  const weights: Record<string, Record<string, StoredTensor>> = {};
  if (opts.embedWeights !== false)
    for (const [id, params] of weightMap)
      for (const [param, data] of params) {
        if (data.byteLength > MAX_EMBED_BYTES) {
          note(
            `${byId.get(id)!.name}.${param} (${(data.byteLength / 2 ** 20).toFixed(0)} MB) is too large to store in a project file; it is kept in memory only.`,
          );
          continue;
        }
        (weights[id] ??= {})[param] = {
          shape: paramShapes.get(`${id}.${param}`)!,
          dtype: 'float32',
          data: encodeFloat32(data),
        };
      }

  const graph: Graph = { nodes: placeByDepth(keptNodes, keptEdges), edges: keptEdges };
  const layers: Record<string, number> = {};
  const opaqueCount: Record<string, number> = {};
  for (const x of graph.nodes)
    if (x.type === 'OnnxOp')
      opaqueCount[String(x.attributes.op_type)] = (opaqueCount[String(x.attributes.op_type)] ?? 0) + 1;
    else layers[x.type] = (layers[x.type] ?? 0) + 1;

  const name = opts.name ?? (g.name || 'Imported model');
  const raw: ProjectDocument = {
    ...newDocument(name, graph),
    ...(Object.keys(weights).length ? { weights } : {}),
  };
  const description = model.docString || g.docString;
  if (description) raw.description = description;
  let doc: ProjectDocument;
  try {
    doc = validateDocument(raw);
  } catch (e) {
    if (e instanceof DocumentError)
      throw new ImportError(`The imported project does not validate (${e.message}).`);
    throw e;
  }
  return {
    doc,
    weights: weightMap,
    report: {
      layers,
      opaque: opaqueCount,
      notes,
      unknownShapes,
      inputs: reportInputs,
      outputs: reportOutputs,
      parameterSources,
    },
  };

  // ---- opset-13 form of an old node, when the upgrade is a single node
  function upgradeForStorage(
    i: number,
    dataType: number | null,
  ): {
    opType: string;
    opset: number;
    attributes: OnnxAttribute[];
    inputs: (string | ConstTensor | null)[];
  } | null {
    const n = nodes[i];
    const from = opsetOf(n.domain);
    if (!STD(n.domain) || from >= 13 || outerRefs[i].length) return null;
    const inputs: AdaptInput[] = n.inputs.map((x) => {
      if (!x) return null;
      const v = values.get(x)!.info;
      return v.value ? { const: v.value } : { tensor: x, shape: v.shape };
    });
    const consts = new Map<string, ConstTensor>();
    const emitted: { opType: string; inputs: string[]; attributes: OnnxAttribute[] }[] = [];
    const problem = adaptAndEmit(
      { opType: n.opType, domain: n.domain, attributes: n.attributes, inputs, dataType },
      from,
      13,
      n.outputs,
      {
        constant: (c) => {
          const key = `\u0000${consts.size}`;
          consts.set(key, c);
          return key;
        },
        node: (opType, ins, attributes, outs) => {
          emitted.push({ opType, inputs: ins, attributes });
          return typeof outs === 'number'
            ? Array.from({ length: outs }, (_, k) => `\u0000out${emitted.length}:${k}`)
            : outs;
        },
      },
    );
    if (problem || emitted.length !== 1) return null;
    const [e] = emitted;
    const original = new Set(n.inputs);
    if (!e.inputs.every((x) => !x || consts.has(x) || original.has(x))) return null;
    return {
      opType: e.opType,
      opset: 13,
      attributes: e.attributes,
      inputs: e.inputs.map((x) => (!x ? null : (consts.get(x) ?? values.get(x)!.info.value ?? x))),
    };
  }

  // ---- matching a node (and the nodes it absorbs) to a layer, verified by the layer's own analysis
  function matchLayer(i: number): ({ def: AnyLayerDef; m: OnnxMatch } & Verified) | null {
    for (const def of layersForOnnxOp(nodes[i].opType)) {
      let m: OnnxMatch | null;
      try {
        m = def.fromOnnx!.read(nodeView(i));
      } catch {
        m = null;
      }
      if (!m) continue;
      const verified = verify(def, i, m);
      if (verified) return { def, m, ...verified };
    }
    return null;
  }

  function verify(def: AnyLayerDef, i: number, m: OnnxMatch): Verified | null {
    const n = nodes[i];
    const ports = m.inputs ?? [0];
    const inputShapes: Shape[] = [];
    for (const k of ports) {
      const v = n.inputs[k] ? values.get(n.inputs[k]) : undefined;
      if (!v || v.info.value !== undefined || !v.info.shape || v.info.shape.includes(UNKNOWN)) return null;
      inputShapes.push(v.info.shape);
    }
    // The group: this node and the nodes it absorbs (a chain, or a small DAG such as GELU's), all
    // after it in topological order, read only inside the group until the last one, and fed from
    // outside only by the layer's input ports.
    const chain = [i];
    for (const a of m.absorbs ?? []) {
      const j = viewIndex.get(a);
      if (j === undefined || chain.includes(j) || absorbed.has(j) || isConstNode(j)) return null;
      if (!STD(nodes[j].domain) || outerRefs[j].length || position.get(j)! < position.get(i)!) return null;
      chain.push(j);
    }
    const inGroup = new Set(chain);
    const portValues = new Set(ports.map((k) => n.inputs[k]));
    for (const c of chain) {
      const x = nodes[c];
      const last = c === chain[chain.length - 1];
      for (const [k, o] of x.outputs.entries()) {
        if (!o) continue;
        const readers = consumers.get(o) ?? [];
        const escapes = last
          ? k > 0 && (readers.length > 0 || graphOutputs.has(o))
          : graphOutputs.has(o) || readers.some((r) => !inGroup.has(r));
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
    if (!output) return null;
    // Attributes valid, and the layer's analysis gives the ONNX shape and the given parameters.
    const attrs = { ...defaultAttributes(def), ...m.attributes };
    for (const [k, v] of Object.entries(attrs)) {
      const spec = def.attributes[k];
      if (!spec || checkAttribute(spec, v)) return null;
    }
    const checked = def.check?.(attrs as never, inputShapes);
    const out = checked ?? def.outputShape(inputShapes, attrs as never);
    if (isProblem(out)) return null;
    const onnxShape = values.get(output)!.info.shape;
    if (onnxShape) {
      if (onnxShape.length !== out.length) return null;
      if (onnxShape.some((d, k) => d !== UNKNOWN && d !== out[k])) return null;
    }
    const params = def.parameters?.(inputShapes, attrs as never) ?? [];
    const given = m.params ?? {};
    if (Object.keys(given).length !== params.length) return null;
    for (const p of params) if (!given[p.name] || given[p.name].length !== product(p.shape)) return null;
    return { chain, ports, output, params };
  }
}

function label(n: OnnxNode, i: number): string {
  return n.name ? `'${n.name}'` : `#${i}`;
}

/** Names a node's subgraphs read from enclosing scopes. */
function outerNames(n: OnnxNode): string[] {
  const out = new Set<string>();
  const visit = (g: OnnxGraph, outerDefined: Set<string>) => {
    const defined = new Set([
      ...outerDefined,
      ...g.inputs.map((v) => v.name),
      ...g.initializers.map((t) => t.name),
    ]);
    for (const x of g.nodes) {
      for (const name of x.inputs) if (name && !defined.has(name)) out.add(name);
      for (const a of x.attributes) {
        if (a.type === 'GRAPH') visit(a.value, defined);
        if (a.type === 'GRAPHS') a.value.forEach((s) => visit(s, defined));
      }
      x.outputs.forEach((o) => defined.add(o));
    }
    for (const o of g.outputs) if (!defined.has(o.name)) out.add(o.name);
  };
  for (const a of n.attributes) {
    if (a.type === 'GRAPH') visit(a.value, new Set());
    if (a.type === 'GRAPHS') a.value.forEach((s) => visit(s, new Set()));
  }
  return [...out];
}

function topoOrder(
  nodes: readonly OnnxNode[],
  outer: string[][],
  producerOf: Map<string, number>,
  values: Map<string, Value>,
): number[] {
  const deps = nodes.map((n, i) => {
    const d = new Set<number>();
    for (const name of [...n.inputs, ...outer[i]]) {
      if (!name) continue;
      const p = producerOf.get(name);
      if (p !== undefined) d.add(p);
      else if (!values.has(name))
        throw new ImportError(
          `Node ${label(n, i)} (${n.opType}) reads '${name}', which no node, input or initializer defines.`,
        );
    }
    return d;
  });
  // Files are normally in topological order already: keep it, so names and layout follow the file.
  if (deps.every((d, i) => [...d].every((p) => p < i))) return nodes.map((_, i) => i);
  // Otherwise Kahn's algorithm, taking the earliest ready node first (a binary heap of indices).
  const indegree = deps.map((d) => d.size);
  const users: number[][] = nodes.map(() => []);
  deps.forEach((d, i) => d.forEach((p) => users[p].push(i)));
  const heap: number[] = [];
  const push = (v: number) => {
    heap.push(v);
    for (let k = heap.length - 1; k > 0;) {
      const parent = (k - 1) >> 1;
      if (heap[parent] <= heap[k]) break;
      [heap[parent], heap[k]] = [heap[k], heap[parent]];
      k = parent;
    }
  };
  const pop = () => {
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length) {
      heap[0] = last;
      for (let k = 0; ;) {
        const l = 2 * k + 1;
        const r = l + 1;
        let m = k;
        if (l < heap.length && heap[l] < heap[m]) m = l;
        if (r < heap.length && heap[r] < heap[m]) m = r;
        if (m === k) break;
        [heap[m], heap[k]] = [heap[k], heap[m]];
        k = m;
      }
    }
    return top;
  };
  indegree.forEach((d, i) => d === 0 && push(i));
  const order: number[] = [];
  while (heap.length) {
    const i = pop();
    order.push(i);
    for (const u of users[i]) if (--indegree[u] === 0) push(u);
  }
  if (order.length !== nodes.length)
    throw new ImportError('The graph has a cycle; ONNX graphs must be acyclic.');
  return order;
}

/** Rows by depth, as GraphBuilder places nodes; layoutGraph (elkjs) replaces them. */
function placeByDepth(nodes: GraphNode[], edges: Edge[]): GraphNode[] {
  const into = new Map<string, string[]>();
  for (const e of edges) into.set(e.target, [...(into.get(e.target) ?? []), e.source]);
  const depth = new Map<string, number>();
  const rows = new Map<number, number>();
  // Nodes are created in topological order, so every source already has its depth.
  return nodes.map((n) => {
    const d = Math.max(-1, ...(into.get(n.id) ?? []).map((s) => depth.get(s) ?? 0)) + 1;
    depth.set(n.id, d);
    const row = rows.get(d) ?? 0;
    rows.set(d, row + 1);
    return { ...n, position: { x: row * 220, y: d * 110 } };
  });
}
