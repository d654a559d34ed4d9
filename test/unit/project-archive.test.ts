// The .netwright project file (engine/graph/archive.ts, docs/project-format.md): every light/
// model imported, saved, reopened and exported gives the same graph and bit-identical weights;
// an independent reader (Python's zipfile + json + numpy) finds a tensor by name and offset
// without reading the rest; damaged, foreign, newer and oversized files are refused with a
// DocumentError naming what is wrong; old JSON files still open; saves leave no debris.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import {
  ARCHIVE_VERSION,
  decodeProjectArchive,
  DocumentError,
  embedArchiveWeights,
  encodeProjectArchive,
  parseDocument,
  serializeDocument,
  type ProjectDocument,
  type WeightMap,
} from '../../engine/index.ts';
import { exportInference } from '../../engine/onnx/export.ts';
import { importOnnx } from '../../engine/onnx/import.ts';
import { encodeSafetensors, f32Tensor } from '../../engine/tensor/safetensors.ts';
import { saveProjectArchive } from '../../host/projectFiles.ts';
import {
  canonicalModel,
  loadCases,
  noFixtures,
  prepareCase,
  randomizeWeights,
  weightBytes,
} from '../helpers/onnxCases.ts';
import { runPythonJson, torchMissing } from '../helpers/python.ts';
import { templatesDir } from '../helpers/templates.ts';
import { tempDir } from '../helpers/tempDir.ts';

const dir = tempDir('nw-archive-');
const lightCases = loadCases().cases.filter((c) => c.case.startsWith('light/'));
/** Classifiers of hundreds of MB: one test for the three, which states its time. */
const LARGE = new Set(['light/light_bvlc_alexnet', 'light/light_vgg19', 'light/light_zfnet512']);

/** import -> .netwright bytes -> reopen -> export, against the export straight after the import. */
function roundTrip(caseName: string): { ms: number; bytes: number; nodes: number } {
  const c = lightCases.find((x) => x.case === caseName)!;
  // Seeded random weights: the fixtures' constant 0.02 would hide a swapped or misplaced tensor.
  const model = randomizeWeights(prepareCase(c).model, 7);
  const imported = importOnnx(model, { embedWeights: false });
  const direct = exportInference(imported.doc, { weights: imported.weights });
  const t0 = performance.now();
  const bytes = encodeProjectArchive(imported.doc, { weights: imported.weights });
  const reopened = decodeProjectArchive(bytes);
  const ms = performance.now() - t0;
  const graphOnly = { ...imported.doc };
  delete graphOnly.weights;
  assert.equal(serializeDocument(reopened.doc), serializeDocument(graphOnly), `${caseName}: document`);
  const again = exportInference(reopened.doc, { weights: reopened.weights });
  assert.equal(canonicalModel(again), canonicalModel(direct), `${caseName}: graph`);
  const w1 = weightBytes(direct);
  const w2 = weightBytes(again);
  assert.equal(w2.length, w1.length, `${caseName}: initializer count`);
  w1.forEach((b, k) => assert.ok(b.equals(w2[k]), `${caseName}: initializer ${k} differs`));
  return { ms, bytes: bytes.length, nodes: imported.doc.graph.nodes.length };
}

for (const c of lightCases.filter((x) => !LARGE.has(x.case)))
  test(
    `${c.case}: import -> .netwright -> reopen -> export keeps bit-identical weights`,
    { skip: noFixtures },
    (t) => {
      const r = roundTrip(c.case);
      t.diagnostic(`${r.nodes} nodes, ${(r.bytes / 1e6).toFixed(1)} MB, save + reopen ${r.ms.toFixed(0)} ms`);
    },
  );

test(
  'AlexNet, VGG-19 and ZFNet-512 (0.2-0.6 GB of weights each) round-trip bit-identically (about a minute on 2 cores; the time is printed)',
  { skip: noFixtures, timeout: 600_000 },
  (t) => {
    const started = performance.now();
    for (const name of LARGE) {
      const r = roundTrip(name);
      t.diagnostic(`${name}: ${(r.bytes / 1e6).toFixed(0)} MB, save + reopen ${r.ms.toFixed(0)} ms`);
    }
    t.diagnostic(`whole test ${((performance.now() - started) / 1000).toFixed(1)} s`);
  },
);

const lenet = (): ProjectDocument =>
  parseDocument(readFileSync(join(templatesDir, 'lenet5.netwright.json'), 'utf8'));

/** LeNet-5 with seeded weights for every parameter, as a run would leave it. */
function lenetWithWeights(): { doc: ProjectDocument; weights: WeightMap } {
  const doc = lenet();
  const imported = importOnnx(exportInference(doc, { seed: 3 }), { embedWeights: false });
  return { doc: imported.doc, weights: imported.weights };
}

test('an independent reader (Python zipfile + json + numpy) finds one tensor by name and offset', (t) => {
  if (torchMissing()) return void t.skip('needs /usr/bin/python3 with numpy');
  const { doc, weights } = lenetWithWeights();
  const path = join(dir, 'lenet.netwright');
  writeFileSync(path, encodeProjectArchive(doc, { weights }));
  const [id, params] = [...weights].find(([, p]) => p.size > 0)!;
  const [param, values] = [...params][0];
  const got = runPythonJson<{
    members: [string, number][];
    first: number[];
    meta: Record<string, unknown>;
    name: string;
  }>(
    `
import json, struct, sys, zipfile
import numpy as np
path, name = sys.argv[1], sys.argv[2]
z = zipfile.ZipFile(path)
info = z.getinfo('weights.safetensors')
with open(path, 'rb') as f:
    f.seek(info.header_offset)
    local = f.read(30)
    n, e = struct.unpack('<HH', local[26:30])
    start = info.header_offset + 30 + n + e          # the stored member's first byte
    f.seek(start)
    size = struct.unpack('<Q', f.read(8))[0]
    header = json.loads(f.read(size))
    b, e2 = header[name]['data_offsets']
    f.seek(start + 8 + size + b)                    # only this tensor's bytes are read
    first = np.frombuffer(f.read(e2 - b), dtype='<f4')[:5]
print(json.dumps({'members': [[i.filename, i.compress_type] for i in z.infolist()],
                  'first': first.tolist(), 'meta': json.loads(z.read('metadata.json')),
                  'name': json.loads(z.read('project.json'))['name']}))
`,
    [path, `${id}/${param}`],
  );
  assert.deepEqual(got.members, [
    ['metadata.json', 8],
    ['project.json', 8],
    ['weights.safetensors', 0],
  ]);
  assert.deepEqual(got.first, [...values.subarray(0, 5)]);
  assert.equal(got.meta.format, 'netwright-project');
  assert.equal(got.meta.version, ARCHIVE_VERSION);
  assert.equal(got.name, doc.name);
});

test('base64 weights in doc.weights are stored too, and embedArchiveWeights gives them back', () => {
  const { doc, weights } = lenetWithWeights();
  const embedded = importOnnx(exportInference(doc, { weights }), {}).doc;
  assert.ok(embedded.weights);
  const reopened = decodeProjectArchive(encodeProjectArchive(embedded));
  assert.deepEqual(embedArchiveWeights(reopened).weights, embedded.weights);
});

/** A zip of the given members, as a hand-made or damaged file would be. */
const zipOf = (members: Record<string, Uint8Array>) => zipSync(members);
const json = (v: unknown) => strToU8(JSON.stringify(v));
const goodMeta = { format: 'netwright-project', version: 1, writer: 'test', created: '2026-01-01T00:00:00Z' };

function refused(bytes: Uint8Array, pattern: RegExp): void {
  assert.throws(
    () => decodeProjectArchive(bytes),
    (e: unknown) => e instanceof DocumentError && pattern.test(e.message),
  );
}

test('damaged, foreign, newer and oversized files are refused, naming what is wrong', () => {
  const { doc, weights } = lenetWithWeights();
  const good = encodeProjectArchive(doc, { weights });
  const project = strToU8(serializeDocument(doc));
  refused(good.subarray(0, good.length - 100), /not a readable zip.*truncated/);
  refused(strToU8(serializeDocument(doc)), /does not start as a zip/);
  refused(
    zipOf({ 'readme.txt': strToU8('hi') }),
    /^metadata\.json: is missing; this zip is not a Netwright project/,
  );
  refused(
    zipOf({ 'metadata.json': json({ ...goodMeta, format: 'keras' }), 'project.json': project }),
    /metadata\.json format: format must be "netwright-project"/,
  );
  refused(
    zipOf({ 'metadata.json': json({ ...goodMeta, version: ARCHIVE_VERSION + 1 }), 'project.json': project }),
    /metadata\.json version: the file is version 2, made by a newer Netwright/,
  );
  refused(zipOf({ 'metadata.json': json(goodMeta) }), /^project\.json: is missing/);
  refused(
    zipOf({
      'metadata.json': json(goodMeta),
      'project.json': strToU8(
        '{"format":"netwright","version":2,"name":"x","graph":{"nodes":[{"id":"a","type":"Nope","name":"a"}],"edges":[]}}',
      ),
    }),
    /^project\.json: graph\.nodes\[0\]\.type: unknown layer type 'Nope'/,
  );
  const [id, params] = [...weights].find(([, p]) => p.size > 0)!;
  const [param, values] = [...params][0];
  const withWeights = (tensors: [string, ReturnType<typeof f32Tensor>][]) =>
    zipOf({
      'metadata.json': json(goodMeta),
      'project.json': project,
      'weights.safetensors': encodeSafetensors(tensors),
    });
  refused(
    withWeights([[`${id}/${param}`, f32Tensor([3], values.subarray(0, 3))]]),
    new RegExp(`^weights\\.safetensors ${id}/${param}: holds 3 values but the layer needs`),
  );
  refused(
    withWeights([['ghost/weight', f32Tensor([1], new Float32Array(1))]]),
    /holds weights of 'ghost', which no node has/,
  );
  refused(
    withWeights([['noslash', f32Tensor([1], new Float32Array(1))]]),
    /'noslash' is not named "<node id>\/<parameter>"/,
  );
  refused(
    zipOf({
      'metadata.json': json(goodMeta),
      'project.json': project,
      'weights.safetensors': strToU8('garbage!'),
    }),
    /^weights\.safetensors: the header claims/,
  );
});

test("an entry's declared size is checked before it is inflated", () => {
  const bytes = encodeProjectArchive(lenet());
  // Rewrite project.json's uncompressed size in the central directory to 1 GB.
  const name = strToU8('project.json');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let patched = 0;
  for (let i = 0; i + 46 + name.length <= bytes.length; i++)
    if (view.getUint32(i, true) === 0x02014b50 && name.every((b, k) => bytes[i + 46 + k] === b)) {
      view.setUint32(i + 24, 2 ** 30, true);
      patched++;
    }
  assert.equal(patched, 1);
  refused(bytes, /^project\.json: declares 1073741824 bytes; this member holds at most 67108864/);
});

test('saving is atomic: the file is replaced whole, a failed save keeps the old one, no temp files stay', async () => {
  const { doc, weights } = lenetWithWeights();
  const target = join(dir, 'saves', 'model.netwright');
  await fs.mkdir(join(dir, 'saves'));
  await saveProjectArchive(target, lenet());
  await saveProjectArchive(target, doc, weights);
  assert.deepEqual(readdirSync(join(dir, 'saves')), ['model.netwright']);
  assert.equal(decodeProjectArchive(readFileSync(target)).weights.size, weights.size);
  const before = readFileSync(target);
  const full = {
    ...fs,
    rename: async () => Promise.reject(Object.assign(new Error('full'), { code: 'ENOSPC' })),
  };
  await assert.rejects(
    saveProjectArchive(target, lenet(), undefined, full),
    /the disk is full.*previous version is unchanged/,
  );
  assert.deepEqual(readdirSync(join(dir, 'saves')), ['model.netwright']);
  assert.ok(readFileSync(target).equals(before));
});

test('old *.netwright.json files still open, and save as .netwright with the same graph', () => {
  for (const name of readdirSync(templatesDir).filter((f) => f.endsWith('.netwright.json'))) {
    const doc = parseDocument(readFileSync(join(templatesDir, name), 'utf8'));
    const reopened = decodeProjectArchive(encodeProjectArchive(doc));
    const back = embedArchiveWeights(reopened);
    assert.deepEqual(JSON.parse(serializeDocument(back)), JSON.parse(serializeDocument(doc)), name);
  }
});
