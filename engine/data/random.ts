// A small seeded random source for everything in the data layer (synthetic sets, shuffles,
// random labels). Math.random cannot be seeded, and a classroom demo or a test must give the
// same dataset twice from the same seed, in the app, the CLI and the worker alike.
//
// mulberry32: 32 bits of state, passes the usual statistical batteries well enough for data
// shuffling, and is a handful of lines. Not for cryptography.

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** Standard normal N(0, 1) (Box-Muller), scaled by std and shifted by mean. */
  normal(mean?: number, std?: number): number;
  /** Advances as `n` calls of next() would, in constant time (a layer's draws, not wanted). */
  skip(n: number): void;
}

/** mulberry32's state moves by this much per draw, so n draws move it by n times this. */
const STEP = 0x6d2b79f5;

/** Seeds are any finite number; non-integers and negatives are folded into 32 bits. */
export function createRng(seed = 0): Rng {
  let state = hashSeed(seed);
  // Box-Muller makes normals in pairs; keep the spare so normal() costs one call on average.
  let spare: number | null = null;

  function next(): number {
    state = (state + STEP) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  function standardNormal(): number {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    // 1 - next() is in (0, 1], so the log is finite.
    const r = Math.sqrt(-2 * Math.log(1 - next()));
    const theta = 2 * Math.PI * next();
    spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  return {
    next,
    int: (n) => Math.floor(next() * n),
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    normal: (mean = 0, std = 1) => mean + std * standardNormal(),
    skip: (n) => {
      if (!(Number.isSafeInteger(n) && n >= 0)) throw new RangeError(`cannot skip ${n} draws`);
      // (state + n * STEP) mod 2^32, with n split so each product stays exact in Math.imul.
      const high = Math.floor(n / 2 ** 16);
      state = (state + Math.imul(high, Math.imul(STEP, 2 ** 16)) + Math.imul(n % 2 ** 16, STEP)) | 0;
    },
  };
}

/** One standard-normal draw from an Rng (a free function for call sites that prefer it). */
export function normal(rng: Rng, mean = 0, std = 1): number {
  return rng.normal(mean, std);
}

/** A random permutation of 0..n-1 (Fisher-Yates), reproducible from the seed. */
export function permutation(n: number, seed: number | Rng): Int32Array {
  const rng = typeof seed === 'number' ? createRng(seed) : seed;
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

// Nearby seeds (0, 1, 2 ...) must give unrelated streams, so the seed goes through an integer
// hash (the murmur3 finalizer) instead of becoming the state directly.
function hashSeed(seed: number): number {
  if (!Number.isFinite(seed)) throw new Error(`random seed must be a finite number, got ${seed}`);
  let h = Math.floor(seed) ^ Math.floor((seed % 1) * 4294967296) ^ Math.floor(seed / 4294967296);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}
