// Issue 13's open ONNX fuzz findings, fixed: each kept input (test/fixtures/fuzz/onnx, which the
// fast fuzz tier replays for "a documented outcome") also ends in the sentence a user should read,
// naming the node, within the fuzz budget of 5 s.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { exportProblems } from '../../engine/onnx/export.ts';
import { ImportError, importOnnx } from '../../engine/onnx/import.ts';
import { decodeModel } from '../../engine/onnx/proto.ts';

const kept = (index: number) => {
  const path = join(import.meta.dirname, '..', 'fixtures', 'fuzz', 'onnx', `seed1-case${index}.json`);
  const saved = JSON.parse(readFileSync(path, 'utf8')) as { input: { base64: string } };
  return decodeModel(new Uint8Array(Buffer.from(saved.input.base64, 'base64')));
};

/** The export problems of an imported kept input, and how long import and check took. */
function problemsOf(index: number): { problems: string[]; ms: number } {
  const t0 = performance.now();
  const { doc } = importOnnx(kept(index), { embedWeights: false });
  const problems = exportProblems(doc, 17);
  return { problems, ms: performance.now() - t0 };
}

describe('Fixed ONNX fuzz findings', () => {
  for (const index of [22277, 58987, 87105])
    it(`case ${index}: a float constant where a downgraded ReduceMean reads its axes is a problem on the node`, () => {
      const { problems, ms } = problemsOf(index);
      assert.ok(
        problems.some((p) =>
          /XSquaredMean: ReduceMean .* has axes = 0\.0000099.*must be a whole number/.test(p),
        ),
        JSON.stringify(problems),
      );
      assert.ok(ms < 5000, `${ms} ms`);
    });

  it('case 89573: opset-6 Add broadcasting at axis -2^31 is refused, not 2 billion trailing ones', () => {
    const { problems, ms } = problemsOf(89573);
    assert.ok(
      problems.some((p) =>
        /Add \(written for opset 6\) broadcasts at axis -2147483648, outside its first input's 2 dimensions/.test(
          p,
        ),
      ),
      JSON.stringify(problems),
    );
    assert.ok(ms < 5000, `${ms} ms`);
  });

  it('case 2831: a 392 MB weight wired into a shape input is an ImportError naming the node and the limit', () => {
    const t0 = performance.now();
    assert.throws(
      () => importOnnx(kept(2831), { embedWeights: false }),
      (e: Error) =>
        e instanceof ImportError &&
        /\(ConstantOfShape\) takes a 392 MB constant at input 0.*MAX_DOCUMENT_BYTES/.test(e.message),
    );
    assert.ok(performance.now() - t0 < 5000);
  });
});
