// The command line and the .netwright file: `import -o X.netwright` writes the zip, and the
// commands that read MODEL (summary, export, gradcheck) read it as they read the .onnx file;
// `-o X.netwright.json` still writes the older JSON form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeProjectArchive, isProjectArchive, parseDocument } from '../../engine/index.ts';
import { FIXTURES, noFixtures, prng } from '../helpers/onnxCases.ts';
import { runModel } from '../helpers/ort.ts';
import { repoRoot } from '../helpers/templates.ts';
import { tempDir } from '../helpers/tempDir.ts';

const netwright = (...args: string[]) =>
  spawnSync(process.execPath, [join(repoRoot, 'bin', 'netwright.js'), ...args], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
const dir = tempDir('nw-archive-cli-');
const squeezenet = join(FIXTURES, 'light', 'light_squeezenet.onnx');

test('import -o X.netwright writes the zip; summary and export read it', { skip: noFixtures }, async () => {
  const project = join(dir, 'squeezenet.netwright');
  const r = netwright('import', squeezenet, '-o', project);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Wrote .*squeezenet\.netwright: 68 nodes\./);
  const bytes = readFileSync(project);
  assert.ok(isProjectArchive(bytes));
  const archive = decodeProjectArchive(bytes);
  assert.equal(archive.weights.size, 26);
  assert.equal(archive.doc.weights, undefined, 'no base64 copies in project.json');

  const fromOnnx = JSON.parse(netwright('summary', squeezenet, '--json').stdout);
  const fromProject = JSON.parse(netwright('summary', project, '--json').stdout);
  assert.deepEqual(fromProject, fromOnnx);

  const out = join(dir, 'squeezenet.onnx');
  const e = netwright('export', project, '-o', out);
  assert.equal(e.status, 0, e.stderr);
  const rand = prng(5);
  const x = { dims: [1, 3, 224, 224], data: Float32Array.from({ length: 3 * 224 * 224 }, () => rand()) };
  const want = await runModel(readFileSync(squeezenet), { data_0: x }, { logSeverityLevel: 3 });
  const got = await runModel(readFileSync(out), { data_0: x });
  assert.deepEqual(Object.values(got)[0].data, Object.values(want)[0].data);

  // The older form is still written when asked for by name, and reads back the same graph.
  const json = join(dir, 'squeezenet.netwright.json');
  assert.equal(netwright('import', squeezenet, '-o', json).status, 0);
  const old = parseDocument(readFileSync(json, 'utf8'));
  assert.deepEqual(old.graph, archive.doc.graph);
  assert.equal(Object.keys(old.weights!).length, 26);
});

test('a damaged .netwright file is named with what is wrong, not a stack trace', { skip: noFixtures }, () => {
  const project = join(dir, 'broken.netwright');
  assert.equal(netwright('import', squeezenet, '-o', project).status, 0);
  const truncated = join(dir, 'truncated.netwright');
  const bytes = readFileSync(project);
  writeFileSync(truncated, bytes.subarray(0, bytes.length >> 1));
  const r = netwright('summary', truncated);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /truncated\.netwright: This \.netwright file is not a readable zip/);
  assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/);
});
