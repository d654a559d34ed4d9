// `netwright export`, `netwright import` and `summary` of an .onnx file, as a user runs them (the
// real bin script, real files), and how long importing and laying out ResNet-50 takes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze, parseDocument, type ProjectDocument } from '../../engine/index.ts';
import { decodeModel, encodeModel, type OnnxModel } from '../../engine/onnx/proto.ts';
import { importOnnx } from '../../engine/onnx/import.ts';
import { layoutDocument } from '../../host/layout.ts';
import { cardPlace, GROUP_CARD } from '../../engine/graph/layout.ts';
import { FIXTURES, noFixtures, prng } from '../helpers/onnxCases.ts';
import { runModel } from '../helpers/ort.ts';
import { repoRoot, templatesDir } from '../helpers/templates.ts';
import { tempDir } from '../helpers/tempDir.ts';

const netwright = (...args: string[]) =>
  spawnSync(process.execPath, [join(repoRoot, 'bin', 'netwright.js'), ...args], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
const dir = tempDir('nw-onnx-cli-');
const resnet = join(FIXTURES, 'light', 'light_resnet50.onnx');
const squeezenet = join(FIXTURES, 'light', 'light_squeezenet.onnx');

test('export writes an ONNX file that onnxruntime runs; --fp16 and --opset too', async () => {
  const out = join(dir, 'lenet.onnx');
  const r = netwright('export', join(templatesDir, 'lenet5.netwright.json'), '-o', out);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Wrote .*lenet\.onnx: \d+ ONNX nodes, 10 initializers/);
  const m = decodeModel(new Uint8Array(readFileSync(out)));
  assert.equal(m.irVersion, 8);
  assert.deepEqual(m.opsetImport, [{ domain: '', version: 17 }]);
  const x = { dims: [2, 1, 28, 28], data: new Float32Array(2 * 784).fill(0.5) };
  const y = await runModel(readFileSync(out), { input: x });
  assert.deepEqual(Object.values(y)[0].dims, [2, 10]);

  const half = join(dir, 'lenet16.onnx');
  const r16 = netwright(
    'export',
    join(templatesDir, 'lenet5.netwright.json'),
    '-o',
    half,
    '--fp16',
    '--opset',
    '13',
    '--json',
  );
  assert.equal(r16.status, 0, r16.stderr);
  assert.deepEqual(JSON.parse(r16.stdout).opset, 13);
  const m16 = decodeModel(new Uint8Array(readFileSync(half)));
  assert.deepEqual(m16.opsetImport, [{ domain: '', version: 13 }]);
  assert.equal(m16.graph.inputs[0].type!.kind === 'tensor' && m16.graph.inputs[0].type!.elemType, 10);
  // No temporary files left beside the outputs (written atomically).
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.endsWith('.tmp')),
    [],
  );
});

test('export lists the problems and what to change, and writes nothing', () => {
  const doc = JSON.parse(readFileSync(join(templatesDir, 'lenet5.netwright.json'), 'utf8'));
  doc.graph.edges = doc.graph.edges.filter((e: { target: string }) => e.target !== 'flatten_1');
  const broken = join(dir, 'broken.netwright.json');
  writeFileSync(broken, JSON.stringify(doc));
  const out = join(dir, 'never.onnx');
  const r = netwright('export', broken, '-o', out);
  assert.equal(r.status, 1);
  assert.match(
    r.stderr,
    /can't be exported yet\. Change these first:\n {2}- flatten_1 has nothing connected to input 'x'; connect a layer's output to it\./,
  );
  assert.ok(!existsSync(out));
  assert.match(
    netwright('export', join(templatesDir, 'lenet5.netwright.json'), '-o', out, '--opset', '12').stderr,
    /choose an opset from 13 to 21/,
  );
  assert.match(
    netwright('export', join(templatesDir, 'lenet5.netwright.json')).stderr,
    /needs an output file/,
  );
});

test(
  'import writes a laid-out project that summary and export read; summary reads .onnx directly',
  { skip: noFixtures },
  async () => {
    const project = join(dir, 'squeezenet.netwright.json');
    const r = netwright('import', squeezenet, '-o', project);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Wrote .*squeezenet\.netwright\.json: 68 nodes\./);
    assert.match(r.stdout, /layers: Conv2d 26, ReLU 26, Concat 8, MaxPool2d 3/);
    assert.match(r.stdout, /note: 39 node\(s\) computing constants/);
    const doc = parseDocument(readFileSync(project, 'utf8'));
    assert.equal(Object.keys(doc.weights!).length, 26);
    const positions = new Set(doc.graph.nodes.map((n) => `${n.position.x},${n.position.y}`));
    assert.equal(positions.size, doc.graph.nodes.length, 'every node has its own place');

    // summary of the .onnx file and of the imported project agree; every node has a shape.
    const fromOnnx = JSON.parse(netwright('summary', squeezenet, '--json').stdout);
    const fromProject = JSON.parse(netwright('summary', project, '--json').stdout);
    assert.deepEqual(fromOnnx, fromProject);
    assert.ok(fromOnnx.nodes.every((n: { outputShape: unknown }) => n.outputShape !== null));
    assert.equal(fromOnnx.totals.params, 1_235_496); // SqueezeNet 1.1, as torchvision's squeezenet1_1
    // The file names its nodes n0, n1, ...: a layer is named after its weights instead, the
    // first Conv (inputs data_0, conv1_w_0, conv1_b_0) "conv1", and its ReLU after it.
    const onnxConv = decodeModel(new Uint8Array(readFileSync(squeezenet))).graph.nodes.find(
      (n) => n.opType === 'Conv',
    )!;
    assert.deepEqual([onnxConv.name, onnxConv.inputs[1]], ['n0', 'conv1_w_0']);
    const [conv, relu] = fromOnnx.nodes.slice(1, 3).map((n: { name: string }) => n.name);
    assert.deepEqual([conv, relu], ['conv1', 'conv1_relu'], 'nodes are named after their weights');

    // The project exports to a model computing what the original file does.
    const out = join(dir, 'squeezenet.onnx');
    assert.equal(netwright('export', project, '-o', out).status, 0);
    const rand = prng(9);
    const x = { dims: [1, 3, 224, 224], data: Float32Array.from({ length: 3 * 224 * 224 }, () => rand()) };
    const want = await runModel(readFileSync(squeezenet), { data_0: x }, { logSeverityLevel: 3 });
    const got = await runModel(readFileSync(out), { data_0: x });
    assert.deepEqual(Object.values(got)[0].data, Object.values(want)[0].data);
  },
);

test('summary of an .onnx file: an op whose shape stays unknown shows null and a diagnostic', () => {
  const m: OnnxModel = {
    irVersion: 8,
    opsetImport: [
      { domain: '', version: 17 },
      { domain: 'com.example', version: 1 },
    ],
    graph: {
      name: 'custom',
      nodes: [
        { opType: 'Relu', domain: '', name: 'first', inputs: ['x'], outputs: ['a'], attributes: [] },
        {
          opType: 'Mystery',
          domain: 'com.example',
          name: 'mystery',
          inputs: ['a'],
          outputs: ['y'],
          attributes: [],
        },
      ],
      initializers: [],
      inputs: [{ name: 'x', type: { kind: 'tensor', elemType: 1, shape: [{ param: 'n' }, { value: 4 }] } }],
      outputs: [{ name: 'y' }],
      valueInfo: [],
    },
  };
  const file = join(dir, 'custom.onnx');
  writeFileSync(file, encodeModel(m));
  const r = netwright('summary', file, '--json');
  assert.equal(r.status, 0, r.stderr);
  const nodes = JSON.parse(r.stdout).nodes;
  assert.deepEqual(
    nodes.map((n: { name: string; op: string }) => [n.name, n.op]),
    [
      ['x', 'Input'],
      ['first', 'ReLU'],
      ['mystery', 'ONNX com.example.Mystery'],
      // The graph output keeps its name through an Identity (the node producing it is 'mystery').
      ['y', 'Identity'],
    ],
  );
  assert.deepEqual(nodes[1].outputShape, [1, 4]);
  assert.equal(nodes[2].outputShape, null);
  assert.match(nodes[2].diagnostic, /can't be inferred/);
  assert.equal(nodes[3].outputShape, null);
  assert.match(nodes[3].diagnostic, /input from mystery is unknown/);
  // The table shows it too.
  assert.match(netwright('summary', file).stdout, /mystery \(ONNX com\.example\.Mystery\)\s+\?/);
});

test('bad .onnx files fail with a clear message and no stack', () => {
  const bad = join(dir, 'bad.onnx');
  writeFileSync(bad, 'not a model');
  for (const cmd of [
    ['summary', bad],
    ['import', bad, '-o', join(dir, 'x.json')],
    ['export', bad, '-o', join(dir, 'x.onnx')],
  ]) {
    const r = netwright(...cmd);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^netwright: .*bad\.onnx: /);
    assert.doesNotMatch(r.stderr, /at .*\.ts/);
  }
});

test('light_resnet50: import and elk layout times', { skip: noFixtures }, async (t) => {
  const bytes = new Uint8Array(readFileSync(resnet));
  const t0 = performance.now();
  const m = decodeModel(bytes);
  const t1 = performance.now();
  const { doc } = importOnnx(m);
  const t2 = performance.now();
  const laid = await layoutDocument(doc);
  const t3 = performance.now();
  // It opens as its four stages, collapsed: the cards and the layers outside them are what is drawn.
  assert.deepEqual(
    laid.groups?.map((g) => [g.title, g.collapsed]),
    ['res2 (3 blocks)', 'res3 (4 blocks)', 'res4 (6 blocks)', 'res5 (3 blocks)'].map((title) => [
      title,
      true,
    ]),
  );
  // Readable, collapsed and expanded: no two boxes (220 wide, at least 62 high) overlap, and every
  // edge between drawn boxes goes down.
  const readable = (d: ProjectDocument) => {
    const owner = new Map(d.groups?.flatMap((g) => g.members.map((m) => [m, g] as const)));
    const boxes = new Map<string, { x: number; y: number; width: number; height: number }>();
    for (const n of d.graph.nodes)
      if (!owner.get(n.id)?.collapsed) boxes.set(n.id, { ...n.position, width: 220, height: 62 });
    for (const g of d.groups ?? []) {
      if (!g.collapsed) continue;
      const ps = d.graph.nodes.filter((n) => g.members.includes(n.id)).map((n) => n.position);
      const x = Math.min(...ps.map((p) => p.x));
      const y = Math.min(...ps.map((p) => p.y));
      const b = {
        x,
        y,
        width: Math.max(...ps.map((p) => p.x)) + 220 - x,
        height: Math.max(...ps.map((p) => p.y)) + 62 - y,
      };
      boxes.set(g.id, { ...cardPlace(b, 'TB'), ...GROUP_CARD });
    }
    const list = [...boxes];
    for (let i = 0; i < list.length; i++)
      for (let j = i + 1; j < list.length; j++) {
        const [[a, p], [b, q]] = [list[i], list[j]];
        const apart =
          p.x + p.width <= q.x || q.x + q.width <= p.x || p.y + p.height <= q.y || q.y + q.height <= p.y;
        assert.ok(apart, `${a} overlaps ${b}`);
      }
    const drawn = (id: string) => (owner.get(id)?.collapsed ? owner.get(id)!.id : id);
    for (const e of d.graph.edges) {
      const [s, u] = [drawn(e.source), drawn(e.target)];
      if (s !== u) assert.ok(boxes.get(u)!.y > boxes.get(s)!.y, `${s} -> ${u} goes up`);
    }
  };
  readable(laid);
  const expanded = await layoutDocument({
    ...doc,
    groups: doc.groups?.map((g) => ({ ...g, collapsed: false })),
  });
  readable(expanded);
  assert.equal(analyze(laid.graph).diagnostics.filter((d) => d.severity === 'error').length, 0);
  t.diagnostic(
    `light_resnet50 (${laid.graph.nodes.length} nodes): decode ${(t1 - t0).toFixed(0)} ms, import ${(t2 - t1).toFixed(0)} ms, elk layout ${(t3 - t2).toFixed(0)} ms`,
  );
});
