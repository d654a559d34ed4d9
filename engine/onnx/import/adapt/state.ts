// What every adaptation step works on: the node being moved between opsets (operator, attributes,
// inputs, changed in place step by step), where it goes, and helpers to read and fail.
import type { Shape } from '../../../tensor/shape.ts';
import { DataType, type OnnxAttribute } from '../../types.ts';
import { Attrs } from '../attrs.ts';
import { int64Const, makeConst, type ConstTensor } from '../values.ts';

/** An input of the node being adapted: a constant, a tensor by name, or omitted. */
export type AdaptInput = { const: ConstTensor } | { tensor: string; shape: Shape | null } | null;

export interface AdaptNode {
  opType: string;
  domain: string;
  attributes: OnnxAttribute[];
  inputs: AdaptInput[];
  /** Element type of output 0 (for constants that must match the data type: Pad value, Clip bounds). */
  dataType: number | null;
}

/** Where adapted nodes go: the exporter's builder, or nowhere in a dry run (exportCheck). */
export interface Emitter {
  constant(c: ConstTensor, hint: string): string;
  node(
    opType: string,
    inputs: string[],
    attributes: OnnxAttribute[],
    outputs: string[] | number,
    name?: string,
  ): string[];
}

/** Something the target opset can't express; its message is the sentence exportProblems shows. */
export class Problem extends Error {}

export class AdaptState {
  op: string;
  attrs: OnnxAttribute[];
  inputs: AdaptInput[];

  constructor(
    readonly node: AdaptNode,
    readonly from: number,
    readonly to: number,
    readonly outputs: string[],
    readonly em: Emitter,
    readonly name: string | undefined,
  ) {
    this.op = node.opType;
    this.attrs = [...node.attributes];
    this.inputs = [...node.inputs];
  }

  a(): Attrs {
    return new Attrs(this.attrs);
  }

  /** Crossing opset v upwards (the node was written before v, the export is at v or later). */
  up(v: number): boolean {
    return this.from < v && this.to >= v;
  }

  /** Crossing opset v downwards. */
  down(v: number): boolean {
    return this.from >= v && this.to < v;
  }

  fail(why: string): never {
    throw new Problem(`${this.op} (written for opset ${this.from}) ${why}`);
  }

  without(...names: string[]): void {
    this.attrs = this.attrs.filter((a) => !names.includes(a.name));
  }

  set(a: OnnxAttribute): void {
    this.without(a.name);
    this.attrs.push(a);
  }

  /** A tensor name for an input: constants become initializers. */
  materialize(i: AdaptInput, hint: string): string {
    if (!i) return '';
    return 'const' in i ? this.em.constant(i.const, hint) : i.tensor;
  }

  /**
   * An INT or INTS attribute holding a fraction (a mutated or hand-edited model can feed a float
   * constant where a downgrade reads axes) is a sentence on the node, not a crash in the encoder.
   */
  private checkWholeNumbers(): void {
    for (const a of this.attrs) {
      if (a.type !== 'INT' && a.type !== 'INTS') continue;
      const values: unknown[] = Array.isArray(a.value) ? a.value : [a.value];
      const bad = values.find((v) => typeof v !== 'bigint' && !Number.isInteger(v));
      if (bad !== undefined)
        this.fail(
          `has ${a.name} = ${String(bad)}, which must be a whole number; check the tensor or attribute that gives ${a.name}`,
        );
    }
  }

  /** Emits the node as it now stands. */
  finish(): void {
    this.checkWholeNumbers();
    const names = this.inputs.map((i, k) => (i ? this.materialize(i, `in${k}`) : ''));
    while (names.length && names[names.length - 1] === '') names.pop();
    this.em.node(this.op, names, this.attrs, this.outputs, this.name);
  }

  /** A one-output helper node (Unsqueeze, Reshape, ...) feeding the adapted node. */
  helper(op: string, inputs: string[], attrs: OnnxAttribute[] = []): string {
    return this.em.node(op, inputs, attrs, 1)[0];
  }

  int64s(values: number[], hint: string): string {
    return this.em.constant(int64Const([values.length], values), hint);
  }
}

/** A step: changes the state in place, or returns true when it has emitted the node itself. */
export type Step = (s: AdaptState) => boolean | void;

export function constOf(i: AdaptInput | undefined): ConstTensor | undefined {
  return i && 'const' in i ? i.const : undefined;
}

export function shapeOfInput(i: AdaptInput | undefined): Shape | null {
  if (!i) return null;
  return 'const' in i ? i.const.dims : i.shape;
}

/** A float constant of the node's data type (float32 unless the data is double or half). */
export function dataConst(t: number | null, values: number[]): ConstTensor {
  const dtype = t ?? DataType.FLOAT;
  return makeConst(dtype, [], dtype === DataType.FLOAT ? values.map(Math.fround) : values);
}
