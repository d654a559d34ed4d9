// erf, erfc and the standard normal CDF in float64, for the exact GELU. Independent of any
// library approximation: a positive-term series for erf (no cancellation) and Lentz's continued
// fraction for erfc where 1 - erf would cancel; relative error a few ulp (checked against libm).

const TWO_OVER_SQRT_PI = 1.1283791670955126; // 2/sqrt(pi)
const ONE_OVER_SQRT_PI = 0.5641895835477563; // 1/sqrt(pi)
/** erf uses the series below this |x|; erfc uses the continued fraction from ERFC_CF on. */
const SWITCH = 2;
const ERFC_CF = 0.5;

/** erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_n (2x^2)^n x / (1*3*...*(2n+1)); every term is positive. */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 500; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (Math.abs(term) <= 1e-17 * Math.abs(sum)) break;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
}

/** erfc(x), x >= ERFC_CF: exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))). */
function erfcContinuedFraction(x: number): number {
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let i = 1; i < 5000; i++) {
    const a = i / 2;
    d = x + a * d;
    if (d === 0) d = tiny;
    c = x + a / c;
    if (c === 0) c = tiny;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return (ONE_OVER_SQRT_PI * Math.exp(-x * x)) / f;
}

export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax < SWITCH) return erfSeries(x);
  if (ax > 6) return Math.sign(x); // 1 - erf(6) < 2e-17
  const r = 1 - erfcContinuedFraction(ax);
  return x < 0 ? -r : r;
}

export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x >= ERFC_CF) return x > 27 ? 0 : erfcContinuedFraction(x);
  return 1 - erf(x); // erf(x) < 0.53 here: no cancellation
}

/** Phi(x) = P(Z <= x) for a standard normal Z, accurate in the lower tail as well. */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x * Math.SQRT1_2);
}
