// A small typed builder for ONNX graphs: layers lower themselves through it (toOnnx), and the
// training compiler emits backward and optimizer subgraphs with it. Numbers become INT
// attributes unless wrapped in f()/fs(): JS can't tell 1.0 from 1, and onnxruntime rejects a
// FLOAT attribute encoded as INT.
import type { OnnxAttribute, OnnxNode, OnnxTensor, OnnxValueInfo, OnnxDim } from './types.ts';
import { DataType } from './types.ts';
import { float32Tensor, int64Tensor } from './tensor.ts';
import { AXES_INPUT_SINCE_18 } from './opsetChanges.ts';

export interface FloatAttr {
  float: number;
}
export interface FloatsAttr {
  floats: number[];
}
export type AttrArg = number | number[] | string | string[] | FloatAttr | FloatsAttr | OnnxTensor;

export const f = (x: number): FloatAttr => ({ float: x });
export const fs = (x: number[]): FloatsAttr => ({ floats: x });

function toAttribute(name: string, v: AttrArg): OnnxAttribute {
  if (typeof v === 'number') return { name, type: 'INT', value: v };
  if (typeof v === 'string') return { name, type: 'STRING', value: v };
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === 'number')) return { name, type: 'INTS', value: v as number[] };
    return { name, type: 'STRINGS', value: v as string[] };
  }
  if ('float' in v) return { name, type: 'FLOAT', value: v.float };
  if ('floats' in v) return { name, type: 'FLOATS', value: v.floats };
  return { name, type: 'TENSOR', value: v };
}

export function tensorInfo(
  name: string,
  shape: readonly (number | string)[],
  elemType: DataType = DataType.FLOAT,
): OnnxValueInfo {
  const dims: OnnxDim[] = shape.map((d) => (typeof d === 'number' ? { value: d } : { param: d }));
  return { name, type: { kind: 'tensor', elemType, shape: dims } };
}

export class OnnxBuilder {
  /**
   * The opset being written. Layers emit opset-17 forms; the builder writes what a later opset
   * changed in its own form (Reduce*'s axes as an input from 18).
   */
  constructor(readonly opset = 17) {}

  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  /** Versions of the non-standard operator domains the nodes use (imported ops), for opset_import. */
  readonly domains = new Map<string, number>();
  private used = new Set<string>();
  private usedNodes = new Set<string>();
  private constants = new Map<string, string>();

  /** Reserves a tensor name: `base`, or `base_2`, `base_3`... when taken. */
  name(base: string): string {
    let n = base;
    for (let i = 2; this.used.has(n); i++) n = `${base}_${i}`;
    this.used.add(n);
    return n;
  }

  /**
   * Reserves a node name. Node and tensor names are separate namespaces in ONNX, so a layer's
   * node can share its name with its output tensor (conv1 -> conv1).
   */
  nodeName(base: string): string {
    let n = base;
    for (let i = 2; this.usedNodes.has(n); i++) n = `${base}_${i}`;
    this.usedNodes.add(n);
    return n;
  }

  /** Adds a node; returns its output names (one name per requested output). */
  opN(
    opType: string,
    inputs: string[],
    attrs: Record<string, AttrArg | undefined> = {},
    outputs: number | string[] = 1,
    opts: { name?: string; domain?: string } = {},
  ): string[] {
    if (this.opset >= 18 && AXES_INPUT_SINCE_18.has(opType) && Array.isArray(attrs.axes)) {
      inputs = [...inputs, this.int64s('axes', attrs.axes as number[])];
      attrs = { ...attrs, axes: undefined };
    }
    const nodeName = this.nodeName(opts.name ?? opType);
    const outs =
      typeof outputs === 'number'
        ? Array.from({ length: outputs }, (_, i) => this.name(`${nodeName}${i ? `:${i}` : ''}_out`))
        : outputs.map((o) => (this.used.has(o) ? o : this.name(o)));
    const attributes = Object.entries(attrs)
      .filter((e): e is [string, AttrArg] => e[1] !== undefined)
      .map(([k, v]) => toAttribute(k, v));
    this.nodes.push({ opType, domain: opts.domain ?? '', name: nodeName, inputs, outputs: outs, attributes });
    return outs;
  }

  op(
    opType: string,
    inputs: string[],
    attrs: Record<string, AttrArg | undefined> = {},
    opts: { name?: string; output?: string } = {},
  ): string {
    return this.opN(opType, inputs, attrs, opts.output ? [opts.output] : 1, { name: opts.name })[0];
  }

  initializer(tensor: OnnxTensor): string {
    const name = this.used.has(tensor.name)
      ? this.name(tensor.name)
      : (this.used.add(tensor.name), tensor.name);
    this.initializers.push({ ...tensor, name });
    return name;
  }

  /** A float32 constant (deduplicated by value, so repeated scalars cost one initializer). */
  floats(base: string, dims: number[], values: ArrayLike<number>): string {
    const key = `f:${dims.join('x')}:${Array.from(values).join(',')}`;
    const known = values.length <= 16 ? this.constants.get(key) : undefined;
    if (known) return known;
    const name = this.initializer(float32Tensor(this.name(base), dims, values));
    if (values.length <= 16) this.constants.set(key, name);
    return name;
  }

  scalar(value: number): string {
    return this.floats(`const_${String(value).replace(/[^0-9a-z]/gi, '_')}`, [], [value]);
  }

  int64s(base: string, values: number[]): string {
    const key = `i:${values.join(',')}`;
    const known = this.constants.get(key);
    if (known) return known;
    const name = this.initializer(int64Tensor(this.name(base), [values.length], values));
    this.constants.set(key, name);
    return name;
  }
}
