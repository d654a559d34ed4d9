// Property tests over random valid conv/pool stacks, checked against brute force that does not
// use the engine's formulas: window positions are enumerated, and the receptive field comes from
// back-propagating the set of input positions each output position depends on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReceptiveField } from '../../engine/index.ts';
import { analyze, GraphBuilder } from '../../engine/index.ts';

function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Axis1D {
  k: number;
  s: number;
  d: number;
  before: number;
  after: number;
  ceil: boolean;
}

/** Counts window positions one by one. A window is kept when it fits in the padded input; with
 *  ceil_mode, a partial last window is kept when it starts inside the input or the left padding
 *  and no full stride lies between it and the last full window (PyTorch's rule). */
function countWindows(n: number, w: Axis1D): number {
  const padded = n + w.before + w.after;
  const span = w.d * (w.k - 1) + 1;
  let count = 0;
  for (let start = 0; start < 10_000; start += w.s) {
    const full = start + span <= padded;
    const partial = w.ceil && start < n + w.before && start <= padded - span + w.s - 1;
    if (!full && !partial) break;
    count++;
  }
  return count;
}

/** Input positions (on an unbounded line) that output position u of the stack depends on. */
function dependsOn(layers: Axis1D[], u: number): Set<number> {
  let positions = new Set([u]);
  for (let l = layers.length - 1; l >= 0; l--) {
    const w = layers[l];
    const next = new Set<number>();
    for (const p of positions) for (let j = 0; j < w.k; j++) next.add(p * w.s - w.before + j * w.d);
    positions = next;
  }
  return positions;
}

test('random conv/pool stacks: shapes match enumerated windows, fields match dependency masks (300 stacks)', () => {
  const random = rng(20261125);
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  let checked = 0;
  for (let trial = 0; trial < 300; trial++) {
    const b = new GraphBuilder();
    let n = int(16, 64);
    let last = b.input([2, n, n]);
    const axes: Axis1D[] = [];
    const depth = int(1, 5);
    for (let l = 0; l < depth; l++) {
      const pool = random() < 0.35;
      const k = int(1, 5);
      const w: Axis1D = pool
        ? { k, s: int(1, 3), d: 1, before: 0, after: 0, ceil: random() < 0.5 }
        : { k, s: int(1, 3), d: int(1, 2), before: 0, after: 0, ceil: false };
      w.before = w.after = pool ? int(0, Math.floor(k / 2)) : int(0, 2);
      if (w.d * (w.k - 1) + 1 > n + 2 * w.before) break;
      last = pool
        ? b.add(
            random() < 0.5 ? 'MaxPool2d' : 'AvgPool2d',
            { kernel_size: w.k, stride: w.s, padding: w.before, ceil_mode: w.ceil },
            last,
          )
        : b.add(
            'Conv2d',
            { out_channels: 3, kernel_size: w.k, stride: w.s, padding: w.before, dilation: w.d },
            last,
          );
      axes.push(w);
      n = countWindows(n, w);
      const node = analyze(b.graph).nodes.get(last)!;
      assert.deepEqual(node.diagnostics, [], JSON.stringify(axes));
      assert.equal(node.outputShape![2], n, `height after ${JSON.stringify(axes)}`);
      assert.equal(node.outputShape![3], n);

      const at0 = dependsOn(axes, 0);
      const at1 = dependsOn(axes, 1);
      const lo = Math.min(...at0);
      const rf = node.receptiveField as ReceptiveField;
      assert.equal(rf.size[0], Math.max(...at0) - lo + 1, `size for ${JSON.stringify(axes)}`);
      assert.equal(rf.start[0], lo);
      assert.equal(rf.stride[0], Math.min(...at1) - lo);
      checked++;
    }
  }
  assert.ok(checked > 500, `checked ${checked} layers`);
});

test('the 1,000-node analysis is fast enough to run on every edit', () => {
  // Timing is reported by `netwright bench`; here only a sanity bound that cannot flake.
  const b = new GraphBuilder();
  let last = b.input([8, 32, 32]);
  for (let i = 0; i < 333; i++)
    last = b.chain(last, [
      ['Conv2d', { out_channels: 8, kernel_size: 3, padding: 1 }],
      ['BatchNorm2d'],
      ['ReLU'],
    ]);
  assert.equal(b.graph.nodes.length, 1000);
  const a = analyze(b.graph);
  assert.equal(a.diagnostics.length, 0);
  assert.deepEqual((a.nodes.get(last)!.receptiveField as ReceptiveField).size, [667, 667]);
});
