// Typed reading of an ONNX node's attributes with defaults (the importer, shape inference and the
// opaque layer all read attributes through this).
import type { OnnxAttribute, OnnxTensor } from '../types.ts';

export class Attrs {
  private readonly map = new Map<string, OnnxAttribute>();

  constructor(readonly list: readonly OnnxAttribute[]) {
    for (const a of list) this.map.set(a.name, a);
  }

  has(name: string): boolean {
    return this.map.has(name);
  }

  get(name: string): OnnxAttribute | undefined {
    return this.map.get(name);
  }

  int(name: string, fallback: number): number;
  int(name: string): number | undefined;
  int(name: string, fallback?: number): number | undefined {
    const a = this.map.get(name);
    if (a && (a.type === 'INT' || a.type === 'FLOAT')) return a.value;
    return fallback;
  }

  float(name: string, fallback: number): number;
  float(name: string): number | undefined;
  float(name: string, fallback?: number): number | undefined {
    const a = this.map.get(name);
    if (a && (a.type === 'FLOAT' || a.type === 'INT')) return a.value;
    return fallback;
  }

  string(name: string, fallback: string): string;
  string(name: string): string | undefined;
  string(name: string, fallback?: string): string | undefined {
    const a = this.map.get(name);
    if (a && a.type === 'STRING') return a.value;
    return fallback;
  }

  ints(name: string): number[] | undefined {
    const a = this.map.get(name);
    if (a && (a.type === 'INTS' || a.type === 'FLOATS')) return a.value;
    if (a && a.type === 'INT') return [a.value];
    return undefined;
  }

  floats(name: string): number[] | undefined {
    const a = this.map.get(name);
    if (a && (a.type === 'FLOATS' || a.type === 'INTS')) return a.value;
    return undefined;
  }

  strings(name: string): string[] | undefined {
    const a = this.map.get(name);
    return a && a.type === 'STRINGS' ? a.value : undefined;
  }

  tensor(name: string): OnnxTensor | undefined {
    const a = this.map.get(name);
    return a && a.type === 'TENSOR' ? a.value : undefined;
  }

  /** Names of the attributes present, for "only these attributes" checks in import patterns. */
  names(): string[] {
    return [...this.map.keys()];
  }
}
