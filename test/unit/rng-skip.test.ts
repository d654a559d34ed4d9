// Skipping draws in constant time (Rng.skip) gives the stream that drawing them gives, so the
// inspector shows a VGG-16 classifier's random start without drawing the 120 M numbers before it,
// and resolveWeights burns the draws of stored tensors without a loop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze, parseDocument, resolveWeights } from '../../engine/index.ts';
import { createRng } from '../../engine/data/random.ts';
import { nodeParams } from '../../renderer/inspector/weightValues.ts';
import { templatesDir } from '../helpers/templates.ts';

test('skip(n) leaves the generator where n calls of next() leave it', () => {
  for (const seed of [0, 1, 42, -7.5])
    for (const n of [0, 1, 2, 65_535, 65_536, 65_537, 1_000_003, 2 ** 27 + 5]) {
      const a = createRng(seed);
      const b = createRng(seed);
      a.normal(); // leaves a spare normal, which skipping must not touch
      b.normal();
      a.skip(n);
      for (let i = 0; i < n; i++) b.next();
      assert.deepEqual(
        [a.next(), a.normal(), a.next()],
        [b.next(), b.normal(), b.next()],
        `seed ${seed}, n ${n}`,
      );
    }
  assert.throws(() => createRng(0).skip(-1), /cannot skip -1 draws/);
});

test("the inspector shows VGG-16's last Linear without drawing the layers before it", (t) => {
  const doc = parseDocument(readFileSync(join(templatesDir, 'vgg16.netwright.json'), 'utf8'));
  const analysis = analyze(doc.graph);
  const linears = analysis.order.filter((id) => doc.graph.nodes.find((n) => n.id === id)?.type === 'Linear');
  const last = linears[linears.length - 1];
  const t0 = performance.now();
  const shown = nodeParams(analysis, doc.weights, last, { seed: 3 });
  const ms = performance.now() - t0;
  // What training would start from, drawn the long way by the engine.
  const all = resolveWeights(analysis, undefined, 3);
  // The 4 M-value weight is described, not drawn; the bias after it (past 120 M draws) is shown.
  const drawn = shown.filter((p) => p.values);
  assert.deepEqual(
    shown.map((p) => [p.spec.name, !!p.values]),
    [
      ['weight', false],
      ['bias', true],
    ],
  );
  for (const p of drawn) assert.deepEqual(p.values, all.get(last)!.get(p.spec.name), p.spec.name);
  t.diagnostic(`nodeParams of ${last}: ${ms.toFixed(1)} ms`);
  assert.ok(ms < 1000, `took ${ms} ms`);
});
