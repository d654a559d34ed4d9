// An ONNX node no layer matched, kept as an opaque OnnxOp node that exports back unchanged: its
// inputs become edges, float parameters (trainable like any weight) or constants kept in the node,
// and it is stored in its opset-13 form where that is one node, so exports at any opset from 13
// write it unchanged.
import type { AttrValue } from '../../layer.ts';
import type { Shape } from '../../tensor/shape.ts';
import { DataType, type OnnxAttribute } from '../types.ts';
import { adaptAndEmit, type AdaptInput } from './adapt.ts';
import type { ProjectBuilder } from './build.ts';
import { ImportError, label, STD, type ImportContext } from './context.ts';
import { decodeOpaque, encodeOpaque, opaqueShapes, type OuterRef, type Slot } from './opaque.ts';
import { Attrs } from './attrs.ts';
import { inferNode, UNKNOWN } from './infer/index.ts';
import { constBytes, constSize, constToJson, int64Const, type ConstTensor } from './values.ts';
import { MAX_DOCUMENT_BYTES } from '../../limits.ts';

/** The largest constant input written into a project as text (base64 grows it by a third). */
const MAX_INLINE_CONST_BYTES = (MAX_DOCUMENT_BYTES / 4) * 3;

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

interface Stored {
  opType: string;
  opset: number;
  attributes: OnnxAttribute[];
  inputs: (string | ConstTensor | null)[];
}

export function addOpaqueNode(ctx: ImportContext, pb: ProjectBuilder, i: number): void {
  const { nodes, values } = ctx;
  const n = nodes[i];
  const id = pb.freshId('OnnxOp');
  const base = n.name || n.outputs.find((o) => o) || n.opType;
  const name = pb.uniqueName(base, pb.ownsOutputName(base, n.outputs[0]));
  let outputs = n.outputs.length;
  while (outputs > 1 && !n.outputs[outputs - 1]) outputs--;
  const outInfo = n.outputs
    .slice(0, outputs)
    .map((o) => (o ? values.get(o)!.info : { shape: null, dtype: null }));
  const stored: Stored = upgradeForStorage(ctx, i, outInfo[0]?.dtype ?? null) ?? {
    opType: n.opType,
    opset: ctx.opsetOf(n.domain),
    attributes: n.attributes,
    inputs: n.inputs.map((x) => (x ? x : null)),
  };
  const names = INPUT_NAMES[stored.opType] ?? [];
  const usedParams = new Set<string>();
  let port = 0;
  const slotFor = (input: string | ConstTensor, slotIndex: number, outer: boolean): Exclude<Slot, null> => {
    const v = typeof input === 'string' ? values.get(input)! : undefined;
    const c = v ? (v.info.value ?? batchFreeTarget(ctx, i, stored, slotIndex)) : (input as ConstTensor);
    if (!c) {
      pb.connect(id, port, input as string);
      return { port: port++ };
    }
    const config = !outer && (CONFIG_INPUTS[stored.opType] ?? []).includes(slotIndex);
    // A lazy fill is no initializer, and reading its data would write it out.
    const initializer = c.fill === undefined ? pb.initializerData.get(c.data) : undefined;
    const fromInitializer = v ? !!v.initializer : initializer !== undefined;
    const weight = c.dtype === DataType.FLOAT && !config && (fromInitializer || constSize(c) > 1);
    if (!weight) {
      // Written into the project as base64 text: one the document can't hold (a mutated model
      // feeding a 400 MB weight into ConstantOfShape's shape) would overflow a string instead.
      const bytes = constBytes(c);
      if (bytes > MAX_INLINE_CONST_BYTES)
        throw new ImportError(
          `Node ${label(n, i)} (${n.opType}) takes a ${(bytes / 2 ** 20).toFixed(0)} MB constant at input ${slotIndex}, where a small setting (a shape, axes, indices) goes; a project holds at most ${MAX_INLINE_CONST_BYTES / 2 ** 20} MB there (MAX_DOCUMENT_BYTES). The model is probably damaged.`,
        );
      return { const: constToJson(c) };
    }
    const source = typeof input === 'string' ? input : (initializer ?? `${name}.input${slotIndex}`);
    let param = ((outer ? source : names[slotIndex]) || `input${slotIndex}`).replace(/[^A-Za-z0-9_]+/g, '_');
    if (!param) param = `input${slotIndex}`;
    while (usedParams.has(param)) param = `${param}_`;
    usedParams.add(param);
    pb.storeParam(
      id,
      param,
      (pb.leavesUnfilled(c) ? new Float32Array(0) : c.data) as Float32Array,
      [...c.dims],
      source,
    );
    return { param, shape: [...c.dims] };
  };
  const slots: Slot[] = stored.inputs.map((x, k) => (x ? slotFor(x, k, false) : null));
  const outer: OuterRef[] = ctx.outerRefs[i].map((ref) => ({ name: ref, slot: slotFor(ref, -1, true) }));
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
  pb.nodes.push({
    id,
    type: 'OnnxOp',
    name,
    attributes: attributes as Record<string, AttrValue>,
    position: { x: 0, y: 0 },
  });
  n.outputs.slice(0, outputs).forEach((o, k) => o && pb.placed.set(o, { id, port: k }));
}

/** The opset-13 form of an old node, when the upgrade is a single node. */
function upgradeForStorage(ctx: ImportContext, i: number, dataType: number | null): Stored | null {
  const n = ctx.nodes[i];
  const from = ctx.opsetOf(n.domain);
  if (!STD(n.domain) || from >= 13 || ctx.outerRefs[i].length) return null;
  const inputs: AdaptInput[] = n.inputs.map((x) => {
    if (!x) return null;
    const v = ctx.values.get(x)!.info;
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
    inputs: e.inputs.map((x) => (!x ? null : (consts.get(x) ?? ctx.values.get(x)!.info.value ?? x))),
  };
}

/**
 * A Reshape or Expand target computed from the input's own shape (Shape -> Gather -> Mul -> Concat,
 * as PyTorch writes `x.view(b * heads, seq, d)`), as a constant that means the same for every batch
 * size: the one symbolic entry becomes -1 (Reshape), entries equal to the input's become 0 (Reshape)
 * or 1 (Expand). The shape arithmetic feeding it is then left out. Undefined when it can't be.
 */
function batchFreeTarget(
  ctx: ImportContext,
  i: number,
  stored: Stored,
  slot: number,
): ConstTensor | undefined {
  const n = ctx.nodes[i];
  const source = stored.inputs[slot];
  if (slot !== 1 || typeof source !== 'string' || !['Reshape', 'Expand'].includes(stored.opType)) return;
  const target = ctx.values.get(source)?.info.sym;
  const x = typeof stored.inputs[0] === 'string' ? ctx.values.get(stored.inputs[0])?.info.shape : null;
  const out = n.outputs[0] ? ctx.values.get(n.outputs[0])?.info.shape : null;
  if (!target || !x || !out || target.includes(UNKNOWN)) return;
  let entries: number[];
  if (stored.opType === 'Expand') {
    const offset = target.length - x.length;
    if (offset < 0) return;
    entries = target.map((d, k) =>
      typeof d === 'number' ? d : k >= offset && x[k - offset] === d ? 1 : NaN,
    );
  } else {
    if (new Attrs(stored.attributes).int('allowzero', 0) === 1) return;
    entries = target.map((d, k) => (typeof d === 'number' ? d : x[k] === d ? 0 : NaN));
    const free = entries.filter((e) => Number.isNaN(e)).length;
    if (free > 1 || (free === 1 && entries.includes(-1))) return;
    entries = entries.map((e) => (Number.isNaN(e) ? -1 : e));
  }
  if (entries.some((e) => Number.isNaN(e))) return;
  const c = int64Const([entries.length], entries);
  const check = inferNode(
    { opType: stored.opType, domain: '', opset: stored.opset, attributes: stored.attributes, outputs: 1 },
    [
      { shape: x, dtype: null },
      { shape: [entries.length], dtype: DataType.INT64, value: c },
    ],
    false,
  )[0].shape;
  return check && check.length === out.length && check.every((d, k) => d === out[k]) ? c : undefined;
}
