// Sizes that are products of a number and symbols: what the shape arithmetic of exported models
// makes of a symbolic batch (`x.view(batch * heads, seq, d)` gives "4*N"). A dimension string is
// such a product written with '*' (a plain symbol is a product of one); '?' is unknown. The
// canonical form puts the number first and the symbols in order, so equal sizes are equal strings.
import type { Dim, Shape } from './shape.ts';

const UNKNOWN = '?';

interface Monomial {
  coef: number;
  /** symbol -> exponent (>= 1) */
  syms: Map<string, number>;
}

function parse(d: Dim): Monomial | null {
  if (typeof d === 'number') return { coef: d, syms: new Map() };
  if (d === UNKNOWN || d === '') return null;
  const m: Monomial = { coef: 1, syms: new Map() };
  for (const part of d.split('*')) {
    const p = part.trim();
    if (/^\d+$/.test(p)) m.coef *= Number(p);
    else if (p && p !== UNKNOWN) m.syms.set(p, (m.syms.get(p) ?? 0) + 1);
    else return null;
  }
  return m;
}

function format(m: Monomial): Dim {
  if (!Number.isSafeInteger(m.coef)) return UNKNOWN;
  if (m.coef === 0 || m.syms.size === 0) return m.coef;
  const names = [...m.syms.keys()].sort().flatMap((s) => Array<string>(m.syms.get(s)!).fill(s));
  return [...(m.coef === 1 ? [] : [String(m.coef)]), ...names].join('*');
}

/** a × b: a number when both are, a product of symbols otherwise, '?' when either is unknown. */
export function mulDims(a: Dim, b: Dim): Dim {
  const x = parse(a);
  const y = parse(b);
  if (!x || !y) return UNKNOWN;
  const syms = new Map(x.syms);
  for (const [s, e] of y.syms) syms.set(s, (syms.get(s) ?? 0) + e);
  return format({ coef: x.coef * y.coef, syms });
}

/** a ÷ b when it divides exactly (as sizes do: "4*N" / 4 = "N"); '?' otherwise. */
export function divDims(a: Dim, b: Dim): Dim {
  const x = parse(a);
  const y = parse(b);
  if (!x || !y || y.coef === 0 || x.coef % y.coef !== 0) return UNKNOWN;
  const syms = new Map(x.syms);
  for (const [s, e] of y.syms) {
    const left = (syms.get(s) ?? 0) - e;
    if (left < 0) return UNKNOWN;
    if (left === 0) syms.delete(s);
    else syms.set(s, left);
  }
  return format({ coef: x.coef / y.coef, syms });
}

/** a + b when both are numbers or multiples of the same symbols ("N" + "N" = "2*N"); '?' otherwise. */
export function addDims(a: Dim, b: Dim): Dim {
  const x = parse(a);
  const y = parse(b);
  if (!x || !y) return UNKNOWN;
  if (format({ coef: 1, syms: x.syms }) !== format({ coef: 1, syms: y.syms })) return UNKNOWN;
  return format({ coef: x.coef + y.coef, syms: x.syms });
}

/** The symbols a size is a product of ([] for a number or '?'). */
export function symbolsOf(d: Dim): string[] {
  return [...(parse(d)?.syms.keys() ?? [])];
}

/** The product of dims (1 for none). */
export function productDims(dims: readonly Dim[]): Dim {
  let p: Dim = 1;
  for (const d of dims) p = mulDims(p, d);
  return p;
}

/**
 * Elements per sample when the batch symbol appears exactly once, inside any dimension ("4*N" at
 * axis 1 of a transposed attention tensor); null when it doesn't (then the batch is the leading axis).
 */
export function elementsPerBatchSymbol(shape: Shape, batch: string): number | null {
  const total = parse(productDims(shape));
  if (!total || total.syms.get(batch) !== 1) return null;
  return total.syms.size === 1 ? total.coef : NaN;
}
