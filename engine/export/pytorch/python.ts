// Python source spelling for the PyTorch exporter: literals as Python's repr writes them, calls
// that leave out arguments at their defaults (as a person writing PyTorch would), identifiers.

/** A float as Python's repr writes it: 0.1, 1.0, 1e-05. */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return 'float("nan")';
  if (!Number.isFinite(x)) return x > 0 ? 'float("inf")' : '-float("inf")';
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return `${x}.0`;
  const abs = Math.abs(x);
  if (abs >= 1e-4 && abs < 1e16) return String(x);
  // JS writes 1e-5 or 1.5e+20; Python writes 1e-05 and 1.5e+20.
  return x.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
}

export type PyValue = number | boolean | string | null | readonly PyValue[] | { raw: string };

/** Python source for a value: ints, True/False/None, "strings", tuples for arrays, raw code as is. */
export function py(v: PyValue): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : pyFloat(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return v.length === 1 ? `(${py(v[0])},)` : `(${v.map(py).join(', ')})`;
  return (v as { raw: string }).raw;
}

/** A float-valued attribute: always written with a decimal point (eps=1.0, not eps=1). */
export const decimal = (x: number): { raw: string } => ({ raw: pyFloat(x) });

/** PyTorch's `int or tuple`: one int when every axis agrees, else a tuple. */
export function oneOrTuple(v: number | readonly number[]): number | readonly number[] {
  if (typeof v === 'number') return v;
  return v.every((x) => x === v[0]) ? v[0] : v;
}

const same = (a: PyValue, b: PyValue): boolean => py(a) === py(b);

/**
 * `name(positional..., key=value...)`, leaving out every keyword whose value equals its default
 * (the third element; omit it to always write the keyword).
 */
export function call(
  name: string,
  positional: PyValue[],
  keywords: ([string, PyValue] | [string, PyValue, PyValue])[] = [],
): string {
  const args = positional.map(py);
  for (const [k, v, d] of keywords) if (d === undefined || !same(v, d)) args.push(`${k}=${py(v)}`);
  return `${name}(${args.join(', ')})`;
}

export const PYTHON_KEYWORDS = new Set(
  (
    'False None True and as assert async await break class continue def del elif else except finally ' +
    'for from global if import in is lambda nonlocal not or pass raise return try while with yield'
  ).split(' '),
);

/**
 * A valid Python identifier from free text: letters, digits and underscores, not starting with a
 * digit, not a keyword. Empty text becomes `fallback`.
 */
export function identifier(text: string, fallback: string): string {
  let s = text
    .normalize('NFKD')
    .replace(/[^\w]+/g, '_')
    .replace(/[^ -~]/g, '')
    .replace(/_+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (!s) s = fallback;
  if (/^\d/.test(s)) s = `${fallback}_${s}`;
  if (PYTHON_KEYWORDS.has(s)) s = `${s}_`;
  return s;
}

/** A class name in CamelCase from a project name ("LeNet-5 on MNIST" -> LeNet5OnMNIST). */
export function className(text: string): string {
  const words = text
    .normalize('NFKD')
    .replace(/[^ -~]/g, '')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
  const name = words.map((w) => w[0].toUpperCase() + w.slice(1)).join('');
  if (!name) return 'Net';
  return /^\d/.test(name) ? `Net${name}` : name;
}

/** `[[1, 0], [0, 1]]` as Python list rows, one row per line when it is long. */
export function pyMatrix(rows: readonly (readonly number[])[], indent: string): string {
  const lines = rows.map((r) => `[${r.join(', ')}]`);
  const flat = `[${lines.join(', ')}]`;
  if (flat.length + indent.length <= 60) return flat;
  return `[\n${lines.map((l) => `${indent}    ${l},`).join('\n')}\n${indent}]`;
}
