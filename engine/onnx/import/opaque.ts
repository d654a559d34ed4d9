// The opaque OnnxOp layer's data: an ONNX node kept exactly as imported (operator, domain, the
// opset it was written for, attributes, which inputs are edges, parameters or constants), its
// shape inference, receptive field and MACs for analysis (its export: opaqueExport.ts).
import type { AttrValue, RFTransfer } from '../../layer.ts';
import type { Dim, Shape } from '../../tensor/shape.ts';
import { perSampleElements } from '../../tensor/shape.ts';
import { symbolsOf } from '../../tensor/symbolic.ts';
import type { OnnxAttribute } from '../types.ts';
import { DataType } from '../types.ts';
import { Attrs } from './attrs.ts';
import { inferNode, resolvePads, type ValueInfo } from './infer/index.ts';
import {
  attributeFromJson,
  attributeToJson,
  constFromJson,
  type AttributeJson,
  type ConstTensor,
  type TensorJson,
} from './values.ts';

/** Where one ONNX input of the node comes from. */
export type Slot =
  /** An edge into input port `port` of the Netwright node. */
  | { port: number }
  /** A float parameter of the node (an initializer), trainable like any weight. */
  | { param: string; shape: number[] }
  /** A constant kept in the node (shapes, axes, integer tables, scalars). */
  | { const: TensorJson }
  /** An omitted optional input (''). */
  | null;

/** A name a subgraph attribute (If/Loop/Scan body) reads from the enclosing graph. */
export interface OuterRef {
  name: string;
  slot: Exclude<Slot, null>;
}

export interface Opaque {
  opType: string;
  domain: string;
  opset: number;
  attributes: OnnxAttribute[];
  slots: Slot[];
  outer: OuterRef[];
  outputs: number;
  /** ONNX element type per output; 0 where unknown. */
  outputTypes: number[];
  /** Shapes recorded at import (value_info, or measured by running the model). */
  recorded: (Shape | null)[] | null;
  /** Decoded constants by slot index (cached). */
  consts: (ConstTensor | undefined)[];
}

/** The OnnxOp layer's attribute values. */
export interface OpaqueAttrs {
  op_type: string;
  domain: string;
  opset: number;
  attributes: string;
  input_slots: string;
  outputs: number;
  output_types: readonly number[];
  output_shapes: string;
}

export function encodeOpaque(o: Omit<Opaque, 'consts'>): Record<string, AttrValue> {
  const slots = [...o.slots, ...o.outer.map((r) => ({ ...r.slot, outer: r.name }))];
  return {
    op_type: o.opType,
    domain: o.domain,
    opset: o.opset,
    attributes: JSON.stringify(o.attributes.map(attributeToJson)),
    input_slots: JSON.stringify(slots),
    outputs: o.outputs,
    output_types: o.outputTypes,
    output_shapes: o.recorded ? JSON.stringify(o.recorded) : '',
  };
}

const cache = new WeakMap<object, Opaque>();

/** Parses the attributes (cached per attribute object); throws an Error naming the bad field. */
export function decodeOpaque(a: OpaqueAttrs): Opaque {
  const hit = cache.get(a);
  if (hit) return hit;
  const field = <T>(name: string, f: () => T): T => {
    try {
      return f();
    } catch (e) {
      throw new Error(`${name}: ${(e as Error).message}`);
    }
  };
  const attributes = field('attributes', () => {
    const list = JSON.parse(a.attributes || '[]') as AttributeJson[];
    if (!Array.isArray(list)) throw new Error('must be a JSON list');
    return list.map(attributeFromJson);
  });
  const raw = field('input_slots', () => {
    const list = JSON.parse(a.input_slots || '[]') as unknown[];
    if (!Array.isArray(list)) throw new Error('must be a JSON list');
    return list;
  });
  const slots: Slot[] = [];
  const outer: OuterRef[] = [];
  const consts: (ConstTensor | undefined)[] = [];
  field('input_slots', () =>
    raw.forEach((s, i) => {
      if (s === null) {
        slots.push(null);
        return;
      }
      if (typeof s !== 'object') throw new Error(`entry ${i} must be an object or null`);
      const o = s as Record<string, unknown>;
      let slot: Exclude<Slot, null>;
      if (typeof o.port === 'number' && Number.isInteger(o.port) && o.port >= 0) slot = { port: o.port };
      else if (
        typeof o.param === 'string' &&
        Array.isArray(o.shape) &&
        o.shape.every((d) => Number.isInteger(d) && d >= 0)
      )
        slot = { param: o.param, shape: o.shape as number[] };
      else if (o.const && typeof o.const === 'object') {
        slot = { const: o.const as TensorJson };
        if (typeof o.outer !== 'string') consts[slots.length] = constFromJson(slot.const);
      } else throw new Error(`entry ${i} needs port, param (with shape) or const`);
      if (typeof o.outer === 'string') outer.push({ name: o.outer, slot });
      else slots.push(slot);
    }),
  );
  let recorded: (Shape | null)[] | null = null;
  if (a.output_shapes)
    recorded = field('output_shapes', () => {
      const r = JSON.parse(a.output_shapes) as unknown;
      if (!Array.isArray(r)) throw new Error('must be a JSON list');
      return r.map((s) => (Array.isArray(s) ? (s as Shape) : null));
    });
  const o: Opaque = {
    opType: a.op_type,
    domain: a.domain,
    opset: a.opset,
    attributes,
    slots,
    outer,
    outputs: a.outputs,
    outputTypes: [...a.output_types],
    recorded,
    consts,
  };
  cache.set(a, o);
  return o;
}

/** Number of edge ports the node expects. */
export function portCount(o: Opaque): number {
  let n = 0;
  for (const s of [...o.slots, ...o.outer.map((r) => r.slot)])
    if (s && 'port' in s) n = Math.max(n, s.port + 1);
  return n;
}

export function slotValue(o: Opaque, i: number, inputs: readonly (Shape | null)[]): ValueInfo | null {
  const s = o.slots[i];
  if (!s) return null;
  if ('port' in s) return { shape: inputs[s.port] ?? null, dtype: null };
  if ('param' in s) return { shape: s.shape, dtype: DataType.FLOAT };
  const c = o.consts[i]!;
  return { shape: c.dims, dtype: c.dtype, value: c };
}

const hasUnknown = (s: Shape | null) => !s || s.some((d) => d === '?');

/**
 * Every output's shape: inferred from the inputs where the operator is known, else as recorded.
 * A symbolic size that no input has (a subgraph's own dim_param) counts as unknown.
 */
export function opaqueShapes(o: Opaque, inputs: readonly (Shape | null)[]): (Shape | null)[] {
  const symbols = new Set(inputs.flatMap((s) => (s ?? []).flatMap(symbolsOf)));
  const local = (s: Shape | null) =>
    s && s.map((d) => (typeof d === 'string' && !symbolsOf(d).every((x) => symbols.has(x)) ? '?' : d));
  let inferred: (Shape | null)[] = Array(o.outputs).fill(null);
  try {
    const values = o.slots.map((_, i) => slotValue(o, i, inputs));
    inferred = inferNode(
      { opType: o.opType, domain: o.domain, opset: o.opset, attributes: o.attributes, outputs: o.outputs },
      values,
      false,
    ).map((v) => v.shape);
  } catch {
    // a node the rules reject keeps its recorded shapes
  }
  return inferred.map(local).map((s, k) => (hasUnknown(s) && o.recorded?.[k] ? o.recorded[k] : s));
}

export function isStd(domain: string): boolean {
  return domain === '' || domain === 'ai.onnx';
}

const WINDOW_OPS = new Set(['Conv', 'MaxPool', 'AveragePool', 'LpPool']);
const GLOBAL_OPS = new Set([
  'GlobalAveragePool',
  'GlobalMaxPool',
  'GlobalLpPool',
  'Gemm',
  'MatMul',
  'Flatten',
  'Reshape',
  'Transpose',
  'ReduceMean',
  'ReduceSum',
  'ReduceMax',
  'ReduceMin',
  'LayerNormalization',
  'Softmax',
  'LogSoftmax',
  'Resize',
  'Upsample',
  'Gather',
  'Einsum',
  'LSTM',
  'GRU',
  'RNN',
  'Attention',
]);

/** How the node moves the receptive field: windows for Conv and pools, global for mixing ops. */
export function opaqueField(o: Opaque, inputs: readonly (Shape | null)[]): RFTransfer {
  if (!isStd(o.domain)) return { kind: 'global' };
  const a = new Attrs(o.attributes);
  const x = inputs[0];
  if ((WINDOW_OPS.has(o.opType) || o.opType === 'ConvTranspose') && x) {
    const n = x.length - 2;
    const w = o.slots[1] && 'param' in o.slots[1]! ? (o.slots[1] as { shape: number[] }).shape : undefined;
    const kernel = a.ints('kernel_shape') ?? w?.slice(2);
    if (!kernel || kernel.length !== n) return { kind: 'global' };
    const dil = a.ints('dilations') ?? Array(n).fill(1);
    const strides = a.ints('strides') ?? Array(n).fill(1);
    const autoPad = a.string('auto_pad', 'NOTSET');
    const pads = resolvePads(
      {
        kernel,
        strides,
        dilations: dil,
        pads: autoPad === 'NOTSET' ? (a.ints('pads') ?? Array(2 * n).fill(0)) : (autoPad as 'VALID'),
      },
      x.slice(2),
    );
    if (!pads) return { kind: 'global' };
    const eff = kernel.map((k, i) => dil[i] * (k - 1) + 1);
    return o.opType === 'ConvTranspose'
      ? { kind: 'upsample', kernel: eff, stride: strides, pad: pads.slice(0, n) }
      : { kind: 'window', kernel: eff, stride: strides, pad: pads.slice(0, n) };
  }
  return GLOBAL_OPS.has(o.opType) ? { kind: 'global' } : { kind: 'identity' };
}

/**
 * Multiply-accumulates per sample of the compute-heavy operators (Conv, ConvTranspose, Gemm,
 * MatMul, also between two activations as in attention).
 */
export function opaqueMacs(o: Opaque, inputs: readonly (Shape | null)[], out: Shape): number {
  const shapeOf = (i: number): Shape | null => slotValue(o, i, inputs)?.shape ?? null;
  const a = new Attrs(o.attributes);
  const x = shapeOf(0);
  const w = shapeOf(1);
  if (!x || !w) return 0;
  const size = (d: Dim | undefined) => (typeof d === 'number' ? d : NaN);
  const macs = (() => {
    switch (o.opType) {
      case 'Conv':
        return spatial(out) * size(w[0]) * size(w[1]) * spatial(w);
      case 'ConvTranspose':
        return spatial(x) * size(w[0]) * size(w[1]) * spatial(w);
      case 'Gemm':
        return perSampleElements(out) * (a.int('transA', 0) ? size(x[0]) : size(x[1]));
      case 'MatMul':
        return perSampleElements(out) * size(x[x.length - 1]);
      default:
        return 0;
    }
  })();
  return Number.isFinite(macs) ? macs : 0;
}

/** Product of the dims after the first two (the spatial positions of N, C, ... tensors). */
function spatial(s: Shape): number {
  return s.slice(2).reduce<number>((p, d) => p * (typeof d === 'number' ? d : NaN), 1);
}
