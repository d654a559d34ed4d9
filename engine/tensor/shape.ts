// Shapes are NCHW-style lists. A dimension is a known size or a symbol (the batch "N", or a
// dim_param from an imported ONNX file). Counting is per sample, so the leading batch dimension
// is never multiplied in.
import { elementsPerBatchSymbol } from './symbolic.ts';

export type Dim = number | string;
export type Shape = readonly Dim[];

export const BATCH: Dim = 'N';

export function isKnown(d: Dim): d is number {
  return typeof d === 'number';
}

/**
 * Elements per sample: the product of every dimension after the batch dimension, or, where the
 * batch symbol sits elsewhere or inside a product (an imported transformer's [10, 4*N, 8]), every
 * other factor.
 */
export function perSampleElements(shape: Shape): number {
  if (!shape.every((d, i) => isKnown(d) || (i === 0 && d === BATCH))) {
    const perBatch = elementsPerBatchSymbol(shape, BATCH as string);
    if (perBatch !== null) return perBatch;
  }
  let n = 1;
  for (let i = 1; i < shape.length; i++) {
    const d = shape[i];
    if (!isKnown(d)) return NaN;
    n *= d;
  }
  return n;
}

export function product(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

export function formatShape(shape: Shape | null | undefined): string {
  if (!shape) return '?';
  return `[${shape.join(', ')}]`;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Expands PyTorch's `int or tuple` convention to one value per spatial axis. */
export function perAxis(value: number | readonly number[], axes: number): number[] {
  if (typeof value === 'number') return Array.from({ length: axes }, () => value);
  if (value.length === 1) return Array.from({ length: axes }, () => value[0]);
  return [...value];
}

/** An ONNX Reshape target for a known output shape: 0 copies the batch, '?' becomes -1. */
export function reshapeTarget(out: Shape): number[] {
  return out.map((d, i) => (i === 0 ? 0 : isKnown(d) ? d : -1));
}
