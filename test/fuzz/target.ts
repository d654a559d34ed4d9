// What a fuzz target is: a generator of inputs from a seeded random source, and a run that ends
// in success or in one of the target's documented error classes. Anything else (another
// exception, a crash of the thread, a case over the time budget, memory over the budget) is a
// failure the harness records with the case's seed and input, so it can be kept as a fixture.

import { mulberry32 } from '../helpers/reference/tensor.ts';

export type Rand = () => number;

export interface FuzzTarget<I = unknown> {
  name: string;
  /** The outcomes a case may have: 'ok' plus the documented error classes. */
  outcomes: readonly string[];
  /** Loads sources, starts servers; called once per worker thread. */
  setup?(): Promise<void>;
  teardown?(): Promise<void>;
  generate(rand: Rand, index: number): I;
  /** Resolves with an outcome from `outcomes`; throws (or resolves with anything else) on a defect. */
  run(input: I): Promise<string>;
  /** JSON-safe form of an input, for crash fixtures (test/fixtures/fuzz/<target>/). */
  save(input: I): unknown;
  load(saved: unknown): I;
}

/** mulberry32, seeded (the same generator as test/helpers/reference). */
export const prng: (seed: number) => Rand = mulberry32;

/** The generator of case `index` under `seed`: every case reproduces on its own. */
export function caseRand(seed: number, index: number): Rand {
  return prng(Math.imul(seed + 1, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b));
}

export const pick = <T>(rand: Rand, list: readonly T[]): T => list[Math.floor(rand() * list.length)];
export const int = (rand: Rand, lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));

/** A message that says which class an unexpected error was, for the failure report. */
export function describeError(e: unknown): string {
  if (e instanceof Error)
    return `${e.name}: ${e.message}\n${e.stack?.split('\n').slice(1, 6).join('\n') ?? ''}`;
  return String(e);
}

export type Container = Record<string, unknown> | unknown[];

/** Every array and object inside a value (at most `limit`), walked without recursion, to pick one to mutate. */
export function containers(root: unknown, limit = 5000): Container[] {
  const out: Container[] = [];
  const stack = [root];
  while (stack.length && out.length < limit) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null) continue;
    out.push(v as Container);
    stack.push(...Object.values(v));
  }
  return out;
}
