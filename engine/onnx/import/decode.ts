// Import phase 1, decode: the ONNX graph's values before any node runs — operator sets, the
// symbolic batch, initializers (read into typed constants), graph inputs (checked: an Input node
// must be able to declare them), the shapes the file records, and the nodes in topological order.
import type { Dim } from '../../tensor/shape.ts';
import { DataLocation, DataType, type OnnxModel, type OnnxType } from '../types.ts';
import { UNKNOWN, type ValueInfo } from './infer/index.ts';
import { fromOnnxTensor } from './values.ts';
import { ImportError, label, STD, type ImportContext, type ImportOptions, type Value } from './context.ts';
import { outerNames, topoOrder } from './order.ts';

/** ONNX element types an Input node can declare. */
export const INPUT_TYPES: Record<number, string> = {
  [DataType.FLOAT]: 'float32',
  [DataType.FLOAT16]: 'float16',
  [DataType.DOUBLE]: 'float64',
  [DataType.INT64]: 'int64',
  [DataType.INT32]: 'int32',
  [DataType.INT8]: 'int8',
  [DataType.UINT8]: 'uint8',
  [DataType.BOOL]: 'bool',
};

export function decode(model: OnnxModel, opts: ImportOptions): ImportContext {
  const g = model?.graph;
  if (!g || !Array.isArray(g.nodes)) throw new ImportError('The file has no graph to import.');
  const notes: string[] = [];
  const note = (s: string) => void (notes.includes(s) || notes.push(s));

  const opsets = new Map<string, number>();
  for (const o of model.opsetImport ?? []) opsets.set(STD(o.domain) ? '' : o.domain, o.version);
  if (!opsets.has('')) {
    opsets.set('', 1);
    if (g.nodes.some((n) => STD(n.domain)))
      note('The model names no opset for the standard domain; read as opset 1.');
  }
  const opsetOf = (domain: string) => opsets.get(STD(domain) ? '' : domain) ?? 1;

  // The symbolic batch: the dim_param at position 0 of the graph inputs becomes 'N'.
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

  const values = readInitializers(model);
  for (const v of graphInputs) {
    const info = typeInfo(v.type, true);
    checkGraphInput(v.name, info);
    const fixed = info.shape!.map((d, i) => {
      if (i === 0 || (typeof d === 'number' && d >= 1)) return d;
      note(
        `Input '${v.name}': dimension ${i} ('${d}') is not a fixed size; it was set to 1. Edit the Input node's shape.`,
      );
      return 1;
    });
    values.set(v.name, { name: v.name, info: { shape: fixed, dtype: info.dtype } });
  }
  const recorded = new Map<string, ValueInfo>();
  for (const v of [...g.valueInfo, ...g.outputs]) recorded.set(v.name, typeInfo(v.type, false));

  // Topological order (outer-scope reads of subgraphs count as inputs).
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
  return {
    model,
    g,
    opts,
    nodes,
    graphInputs,
    values,
    batchParams,
    recorded,
    outerRefs,
    order,
    position: new Map(order.map((node, k) => [node, k])),
    graphOutputs: new Set(g.outputs.map((o) => o.name)),
    unknownShapes: [],
    notes,
    note,
    opsetOf,
  };
}

/** Initializers as typed constants; external data must have been loaded beside the model. */
function readInitializers(model: OnnxModel): Map<string, Value> {
  const g = model.graph;
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
  return values;
}

function checkGraphInput(name: string, info: ValueInfo): void {
  if (!info.shape || info.dtype === null)
    throw new ImportError(
      `Graph input '${name}' is not a tensor of known rank and type; Netwright can't import it.`,
    );
  if (info.shape.length === 0)
    throw new ImportError(
      `Graph input '${name}' is a scalar; Netwright inputs have at least a batch dimension.`,
    );
  if (!(info.dtype in INPUT_TYPES))
    throw new ImportError(
      `Graph input '${name}' has element type ${info.dtype}, which an Input node can't declare.`,
    );
}
