// Reading layer attributes (already merged with the layer's defaults) with PyTorch's conventions:
// `int or tuple` values, pool stride null = kernel_size, and the padding forms.

export type Attrs = Record<string, unknown>;

export function attrNumber(a: Attrs, key: string): number {
  const v = a[key];
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new Error(`attribute ${key} must be a number, got ${JSON.stringify(v)}`);
  return v;
}

export function attrInt(a: Attrs, key: string): number {
  const v = attrNumber(a, key);
  if (!Number.isInteger(v)) throw new Error(`attribute ${key} must be an integer, got ${v}`);
  return v;
}

export function attrBool(a: Attrs, key: string): boolean {
  const v = a[key];
  if (typeof v !== 'boolean')
    throw new Error(`attribute ${key} must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

export function attrInts(a: Attrs, key: string): number[] {
  const v = a[key];
  if (!Array.isArray(v) || !v.every((x) => Number.isInteger(x)))
    throw new Error(`attribute ${key} must be a list of integers, got ${JSON.stringify(v)}`);
  return [...(v as number[])];
}

/** PyTorch's `int or tuple`: one value for every axis, or one per axis. */
export function perAxis(key: string, v: unknown, axes: number): number[] {
  const list = typeof v === 'number' ? [v] : v;
  if (!Array.isArray(list) || !list.every((x) => Number.isInteger(x)))
    throw new Error(`attribute ${key} must be an int or a tuple of ints, got ${JSON.stringify(v)}`);
  if (list.length === 1) return Array.from({ length: axes }, () => list[0] as number);
  if (list.length !== axes)
    throw new Error(`attribute ${key} needs 1 or ${axes} values, got ${JSON.stringify(v)}`);
  return [...(list as number[])];
}

export interface Padding {
  before: number[];
  after: number[];
}

/**
 * Convolution padding: an int, one per axis, 2*axes values (before..., after...) for asymmetric
 * padding (the engine's extension, ONNX `pads` order), 'valid', or 'same' (stride 1 only; the
 * odd extra element goes after, as torch.nn.functional.conv*d(padding='same') does).
 */
export function convPadding(
  v: unknown,
  axes: number,
  kernel: number[],
  dilation: number[],
  stride: number[],
): Padding {
  if (v === 'valid') return { before: Array(axes).fill(0), after: Array(axes).fill(0) };
  if (v === 'same') {
    if (stride.some((s) => s !== 1))
      throw new Error("padding='same' is not supported for strided convolutions");
    const total = kernel.map((k, i) => dilation[i] * (k - 1));
    const before = total.map((t) => Math.floor(t / 2));
    return { before, after: total.map((t, i) => t - before[i]) };
  }
  const list = typeof v === 'number' ? [v] : v;
  if (!Array.isArray(list) || !list.every((x) => Number.isInteger(x) && x >= 0))
    throw new Error(`padding must be non-negative ints, 'same' or 'valid', got ${JSON.stringify(v)}`);
  const p = list as number[];
  if (p.length === 2 * axes) return { before: p.slice(0, axes), after: p.slice(axes) };
  const sym = perAxis('padding', p, axes);
  return { before: sym, after: [...sym] };
}
