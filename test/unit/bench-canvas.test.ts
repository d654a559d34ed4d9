// Keeps scripts/bench-canvas.ts from going stale (it once clicked a button that had moved into a
// menu): one quick run in Chromium must produce every measurement, each with its target, and the
// drags must really move a node. Timings themselves are not judged here (a shared CI machine);
// the report quotes full runs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { noFixtures } from '../helpers/onnxCases.ts';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const skip =
  noFixtures ||
  (!existsSync(chromium) && `no Chromium at ${chromium}`) ||
  (!existsSync('dist/renderer/index.html') && 'the renderer is not built (npm run build:renderer)');

test('bench-canvas --quick measures every case', { skip, timeout: 300_000 }, () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/bench-canvas.ts', '--quick'], {
    encoding: 'utf8',
    timeout: 280_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, number | string | boolean>);
  const cases = lines.map((l) => `${l.case}:${l.model}`);
  assert.deepEqual(cases, [
    'open-onnx:resnet50',
    'drag:resnet50',
    'edit-analysis:resnet50',
    'open-project:thousand',
    'auto-layout:thousand',
    'drag:thousand',
    'edit-analysis:thousand',
  ]);
  for (const l of lines) {
    assert.equal(l.bench, 'canvas');
    if (l.case !== 'auto-layout')
      assert.equal(typeof l.ok, 'boolean', `${l.case} says whether it met its target`);
    if (l.case === 'drag') {
      assert.ok(Number(l.moved_px) > 100, `the dragged node moved ${l.moved_px} px`);
      assert.ok(Number(l.frames) > 10 && Number(l.fps) > 0);
    } else assert.ok(Number(l.ms) > 0, `${l.case} took ${l.ms} ms`);
  }
});
