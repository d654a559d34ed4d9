// The fast fuzz tier (the long one is `npm run fuzz -- --cases 100000`): a few thousand seeded
// cases per target, plus every crash input kept in test/fixtures/fuzz/. Each case must end in
// success or a documented error class within 5 s, with the process under its memory budget.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fuzzTarget, heapLimitMb, replayFixtures, type FuzzReport } from '../fuzz/harness.ts';
import { noFixtures } from '../helpers/onnxCases.ts';

const CASES: Record<string, number> = { onnx: 1500, project: 1500, data: 2000, hostapi: 800 };
const SEED = 20261205;

function check(r: FuzzReport): void {
  const failures = r.failures.map((f) => `case ${f.index} (seed ${r.seed}): ${f.kind}: ${f.detail}`);
  assert.deepEqual(failures, [], `${r.target}: ${failures.length} failing case(s)`);
}

describe('Fuzzing (fast tier)', () => {
  it('the worker heap limit leaves room under its RSS budget, so V8 collects before the kill', () => {
    for (const budget of [256, 2048]) {
      const heap = heapLimitMb(budget);
      assert.ok(heap < budget && heap >= budget / 2, `${budget} MB budget: heap ${heap} MB`);
    }
  });
  for (const [target, cases] of Object.entries(CASES))
    it(
      `${target}: ${cases} cases and the kept crash inputs`,
      { skip: target === 'onnx' && noFixtures },
      async (t) => {
        const replay = await replayFixtures(target);
        check(replay);
        const r = await fuzzTarget(target, { cases, seed: SEED });
        check(r);
        assert.equal(r.cases, cases);
        t.diagnostic(
          `${target}: ${JSON.stringify(r.outcomes)}; ${replay.cases} kept inputs; slowest ${r.maxMs.toFixed(0)} ms; peak RSS ${r.peakRssMb.toFixed(0)} MB; ${r.seconds.toFixed(1)} s`,
        );
      },
    );
});
