// What a layer's `fromOnnx.read()` sees of an ONNX node while a model is imported, and what it
// answers. Each layer file states its own import pattern through these types; the importer indexes
// layers by `opTypes`, verifies every match (the layer's own shape inference must give the ONNX
// output shape, its parameters the given tensors) and falls back to an opaque OnnxOp node.
import type { AttrValue } from '../../layer.ts';
import type { Dim, Shape } from '../../tensor/shape.ts';
import { DataType } from '../types.ts';
import type { Attrs } from './attrs.ts';
import { resolvePads } from './infer/index.ts';
import { shortestFloat32, type ConstTensor } from './values.ts';

export interface ValueView {
  name: string;
  /** Inferred (or recorded) shape; the batch symbol is 'N'. null: unknown rank. */
  shape: Shape | null;
  /** ONNX DataType code, or null when unknown. */
  dtype: number | null;
  /** The value, when it is constant (initializer, Constant node, or folded from constants). */
  value?: ConstTensor;
  /** Elements of a small integer tensor known symbolically (Shape -> Gather -> Concat chains). */
  sym?: Dim[];
  /** The node computing it; absent for graph inputs and initializers. */
  producer?: NodeView;
}

/** Import choices a pattern follows (ImportOptions). */
export interface PatternOptions {
  /** Fold a BatchNormalization that follows a Conv into the Conv's weight and bias. */
  foldBatchNorm: boolean;
}

export interface NodeView {
  opType: string;
  domain: string;
  /** The ONNX node's name ('' when it has none). */
  name: string;
  /** Version of the node's domain in the model (old opsets change attribute meanings). */
  opset: number;
  attrs: Attrs;
  /** One entry per ONNX input; null where an optional input is omitted (''). */
  inputs: (ValueView | null)[];
  outputs: ValueView[];
  /** Nodes reading output `k` (default 0). */
  consumers(k?: number): NodeView[];
  /** Whether output `k` (default 0) is a graph output. */
  isGraphOutput(k?: number): boolean;
  options: PatternOptions;
}

export interface OnnxMatch {
  /** The layer's attributes (defaults fill in the rest). */
  attributes: Record<string, AttrValue>;
  /** Parameter values in the layer's own layout (PyTorch's), by parameter name. */
  params?: Record<string, Float32Array>;
  /** Which of the node's inputs become the layer's input ports, in order (default [0]). */
  inputs?: number[];
  /**
   * Nodes after this one that the layer also covers (MatMul's bias Add); the last one's output
   * becomes the layer's output. Each must be this node's only consumer in turn.
   */
  absorbs?: NodeView[];
}

export interface OnnxImport {
  /** ONNX operator types (standard domain) this layer may import; the registry indexes them. */
  opTypes: readonly string[];
  /** The layer's attributes and parameters for this node, or null when it doesn't fit exactly. */
  read(node: NodeView): OnnxMatch | null;
}

// ---------------------------------------------------------------------------------------------
// Helpers shared by the layers' read() functions

/** float32 values of a constant FLOAT input, or undefined (not constant, or another type). */
export function floatValues(v: ValueView | null | undefined): Float32Array | undefined {
  const c = v?.value;
  return c && c.dtype === DataType.FLOAT && c.data instanceof Float32Array ? c.data : undefined;
}

/** A non-constant (data) input. */
export function isData(v: ValueView | null | undefined): v is ValueView {
  return !!v && v.value === undefined;
}

/** True when every attribute the node sets is in `allowed` (unknown attributes mean "don't guess"). */
export function onlyAttrs(node: NodeView, allowed: readonly string[]): boolean {
  return node.attrs.names().every((n) => allowed.includes(n));
}

/** True when no output but `main` is read or is a graph output (Dropout's mask, MaxPool's indices). */
export function onlyOutputUsed(node: NodeView, main = 0): boolean {
  return node.outputs.every((_, k) => k === main || (!node.consumers(k).length && !node.isGraphOutput(k)));
}

/** Rows x cols -> cols x rows. */
export function transpose2d(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c];
  return out;
}

/** A per-axis list as one number when all equal (PyTorch's `int or tuple`). */
export function compact(values: readonly number[]): number | number[] {
  return values.every((v) => v === values[0]) ? values[0] : [...values];
}

/** The rank of an input, when known. */
export function rankOf(v: ValueView | null | undefined): number | undefined {
  return v?.shape ? v.shape.length : undefined;
}

/** Attributes of opsets before 7 that carry no meaning for a single inference node. */
export const LEGACY = ['consumed_inputs', 'is_test'];

/** An activation (or other one-input op) whose attributes map one to one. */
export function simpleImport(
  opType: string,
  attributes: readonly string[],
  map: (node: NodeView) => Record<string, AttrValue> | null = () => ({}),
): OnnxImport {
  return {
    opTypes: [opType],
    read: (node) => {
      if (!isData(node.inputs[0]) || node.inputs.length !== 1) return null;
      if (!onlyAttrs(node, [...attributes, ...LEGACY]) || !onlyOutputUsed(node)) return null;
      const attrs = map(node);
      return attrs ? { attributes: attrs } : null;
    },
  };
}

/** A float attribute as the user would type it (float32 fields read back as their shortest decimal). */
export function floatAttr(node: NodeView, name: string, fallback: number): number {
  return shortestFloat32(node.attrs.float(name, fallback));
}

/** A Conv's or pool's strides, dilations and explicit (before, after) pads; null when unreadable. */
export function windowOf(node: NodeView, axes: number, kernel: number[]) {
  const a = node.attrs;
  const x = node.inputs[0]!;
  const strides = a.ints('strides') ?? Array(axes).fill(1);
  const dilations = a.ints('dilations') ?? Array(axes).fill(1);
  const autoPad = a.string('auto_pad', 'NOTSET');
  if (!['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'].includes(autoPad)) return null;
  const pads = resolvePads(
    {
      kernel,
      strides,
      dilations,
      pads: autoPad === 'NOTSET' ? (a.ints('pads') ?? Array(2 * axes).fill(0)) : (autoPad as 'VALID'),
    },
    x.shape!.slice(2),
  );
  if (!pads || pads.length !== 2 * axes || strides.length !== axes || dilations.length !== axes) return null;
  return { strides, dilations, before: pads.slice(0, axes), after: pads.slice(axes) };
}

// ---------------------------------------------------------------------------------------------
// Multi-node patterns (GELU, decomposed normalisations)

/** The single value of a one-element float constant input. */
export function scalarOf(v: NodeView['inputs'][number]): number | undefined {
  const f = floatValues(v);
  return f && f.length === 1 ? f[0] : undefined;
}

/** A two-input node with one data input and one scalar constant. */
export function dataAndScalar(
  n: NodeView,
): { x: NonNullable<NodeView['inputs'][number]>; c: number; index: number } | null {
  if (n.inputs.length !== 2) return null;
  const index = n.inputs.findIndex((v) => isData(v));
  const c = scalarOf(n.inputs[1 - index]);
  return index >= 0 && c !== undefined ? { x: n.inputs[index]!, c, index } : null;
}

export const near = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.abs(b);

/** The only reader of a node's output, when it has the given type and the output is no graph output. */
export function onlyReader(n: NodeView, opType: string): NodeView | null {
  const r = n.consumers(0);
  return r.length === 1 && r[0].opType === opType && !n.isGraphOutput(0) ? r[0] : null;
}
