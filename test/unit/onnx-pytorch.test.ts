// Models that real PyTorch (Debian's 1.13, opset 17) exports: torchvision architectures with random
// weights, a transformer encoder, and models exported in training mode. Each imports with a shape
// on every node, PyTorch's own parameter and MAC counts, and exports to a model whose outputs match
// both PyTorch's ONNX file in onnxruntime and PyTorch itself; a train-mode export trains (its
// gradients match PyTorch's and finite differences). Exported once for the whole file.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../../engine/index.ts';
import { decodeModel, encodeModel } from '../../engine/onnx/proto.ts';
import { exportInference } from '../../engine/onnx/export.ts';
import { importOnnx, type ImportResult } from '../../engine/onnx/import.ts';
import { maxDifference, runModel } from '../helpers/ort.ts';
import { needTorch } from '../helpers/python.ts';
import { repoRoot } from '../helpers/templates.ts';
import { exportTorchModels, type TorchModel } from '../helpers/torchModels.ts';
import { tempDir } from '../helpers/tempDir.ts';

// VGG's classifier holds 120 M parameters (a 500 MB file that takes PyTorch most of a minute to
// write): NETWRIGHT_TORCH_LARGE=1 adds VGG-11 and VGG-19.
const CNNS = [
  'resnet18',
  'mobilenet_v2',
  'mobilenet_v3_small',
  'densenet121',
  'squeezenet1_1',
  'efficientnet_b0',
  'shufflenet_v2_x0_5',
  ...(process.env.NETWRIGHT_TORCH_LARGE ? ['vgg11', 'vgg19'] : []),
];
const ALL = [...CNNS, 'transformer', 'dynamic', 'train_bn', 'train_bn_dropout'];

let exported: Map<string, TorchModel> | undefined;
function torchModel(t: TestContext, name: string): TorchModel | null {
  if (!needTorch(t)) return null;
  exported ??= exportTorchModels(ALL);
  return exported.get(name)!;
}

const netwright = (...args: string[]) =>
  spawnSync(process.execPath, [join(repoRoot, 'bin', 'netwright.js'), ...args], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });

/** Output of an ONNX model (bytes) for the model's seeded input. */
async function run(bytes: Uint8Array, m: TorchModel): Promise<Float32Array> {
  const model = decodeModel(bytes);
  const input = model.graph.inputs.find((v) => !model.graph.initializers.some((t) => t.name === v.name))!;
  const out = await runModel(bytes, { [input.name]: { dims: m.input, data: m.x } });
  return Object.values(out)[0].data;
}

/** Largest |a - b| over the largest |b|: outputs compared on their own scale. */
function relative(a: Float32Array, b: Float32Array): number {
  const scale = b.reduce((p, v) => Math.max(p, Math.abs(v)), 0);
  return maxDifference(a, b).maxAbs / scale;
}

/** Imports, checks counts and shapes, exports, and compares outputs; returns what the table shows. */
async function importAndCompare(t: TestContext, m: TorchModel, opts: { foldBatchNorm?: boolean } = {}) {
  const bytes = new Uint8Array(readFileSync(m.path));
  const result: ImportResult = importOnnx(decodeModel(bytes), { embedWeights: false, ...opts });
  const a = analyze(result.doc.graph);
  const unknown = result.doc.graph.nodes.filter((n) => !a.nodes.get(n.id)!.outputShape).map((n) => n.name);
  assert.deepEqual(unknown, [], 'every node has an output shape');
  const ours = exportInference(result.doc, { weights: result.weights });
  const y = await run(encodeModel(ours), m);
  const fromPytorchFile = await run(bytes, m);
  const vsFile = relative(y, fromPytorchFile);
  const vsTorch = relative(y, m.y!);
  const row = {
    nodes: `${decodeModel(bytes).graph.nodes.length} / ${result.doc.graph.nodes.length}`,
    params: a.totals.params,
    macs: a.totals.macs,
    vsFile,
    vsTorch,
    opaque: result.report.opaque,
  };
  t.diagnostic(
    `| ${m.name}${opts.foldBatchNorm ? ' (--fold-bn)' : ''} | 17 | ${row.nodes} | ${row.params.toLocaleString('en')} vs ${m.params.toLocaleString('en')} | ${vsFile.toExponential(1)} (vs PyTorch ${vsTorch.toExponential(1)}) | ${JSON.stringify(row.opaque)} |`,
  );
  return { ...row, result };
}

for (const name of [...CNNS, 'transformer', 'dynamic']) {
  test(`${name} exported by PyTorch: a shape on every node, PyTorch's parameters and MACs, the same outputs`, async (t) => {
    const m = torchModel(t, name);
    if (!m) return;
    const r = await importAndCompare(t, m);
    assert.equal(r.params, m.params, 'parameters (model.parameters())');
    assert.equal(r.macs, m.macs, 'multiply-accumulates per sample');
    assert.ok(r.vsFile <= 1e-5, `our export vs PyTorch's file in onnxruntime: ${r.vsFile}`);
    assert.ok(r.vsTorch <= 1e-4, `our export vs PyTorch itself: ${r.vsTorch}`);
  });
}

test('the transformer encoder: attention reshapes become batch-free constants, no shape arithmetic left', async (t) => {
  const m = torchModel(t, 'transformer');
  if (!m) return;
  const r = await importAndCompare(t, m);
  const kept = Object.keys(r.result.report.opaque);
  for (const op of ['Shape', 'Gather', 'Unsqueeze', 'Concat']) assert.ok(!kept.includes(op), `no ${op} left`);
  const a = analyze(r.result.doc.graph);
  const shapes = r.result.doc.graph.nodes.map((n) => JSON.stringify(a.nodes.get(n.id)!.outputShape));
  assert.ok(shapes.includes('["4*N",10,10]'), 'attention scores per head: [4*N, 10, 10]');
  // The summary of the ONNX file at another batch size: every node a shape, every MatMul its MACs.
  const s = netwright('summary', m.path, '--input-shape', '3x10x32', '--json');
  assert.equal(s.status, 0, s.stderr);
  const summary = JSON.parse(s.stdout) as { nodes: { op: string; outputShape: unknown; macs: number }[] };
  assert.ok(
    summary.nodes.every((n) => Array.isArray(n.outputShape) && !JSON.stringify(n.outputShape).includes('?')),
  );
  const matmuls = summary.nodes.filter((n) => /\bMatMul$/.test(n.op));
  assert.equal(matmuls.length, 4);
  assert.ok(
    matmuls.every((n) => n.macs === 4 * 10 * 10 * 8),
    'Q·Kᵀ and attention·V: 4 heads x 10 x 10 x 8',
  );
});

test('--fold-bn folds each BatchNorm into its convolution, as PyTorch does, and computes the same', async (t) => {
  const m = torchModel(t, 'resnet18');
  if (!m) return;
  const plain = await importAndCompare(t, m);
  const folded = await importAndCompare(t, m, { foldBatchNorm: true });
  assert.equal(plain.result.report.layers.BatchNorm2d, 20);
  assert.equal(folded.result.report.layers.BatchNorm2d, undefined);
  assert.equal(folded.params, m.params - m.bnChannels, 'minus 2C BatchNorm parameters, plus C biases');
  assert.ok(folded.vsTorch <= 1e-4, `folded vs PyTorch: ${folded.vsTorch}`);
  const dir = tempDir('nw-fold-');
  const r = netwright(
    'import',
    m.path,
    '-o',
    join(dir, 'r.netwright.json'),
    '--fold-bn',
    '--no-layout',
    '--json',
  );
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).layers.BatchNorm2d, undefined);
});

test('a model PyTorch exported in training mode imports as layers and trains: its gradients are PyTorch’s', async (t) => {
  const m = torchModel(t, 'train_bn');
  if (!m) return;
  const result = importOnnx(decodeModel(new Uint8Array(readFileSync(m.path))));
  assert.deepEqual(
    result.report.opaque,
    {},
    'no ONNX op left (BatchNormalization training_mode=1 is a BatchNorm2d)',
  );
  assert.equal(result.report.layers.BatchNorm2d, 1);
  const dir = tempDir('nw-train-mode-');
  const batch = join(dir, 'batch.json');
  writeFileSync(
    batch,
    JSON.stringify({
      inputs: { x: { shape: m.input, data: Array.from(m.x) } },
      targets: { shape: [m.targets!.length], data: m.targets },
    }),
  );
  const out = join(dir, 'grads.json');
  const r = netwright('grad', m.path, '--batch', batch, '--loss', 'cross-entropy', '-o', out);
  assert.equal(r.status, 0, r.stderr);
  const grads = JSON.parse(readFileSync(out, 'utf8')) as {
    loss: number;
    grads: Record<string, { data: number[] }>;
  };
  assert.ok(Math.abs(grads.loss - m.loss!) <= 1e-5 * Math.abs(m.loss!), `loss ${grads.loss} vs ${m.loss}`);
  assert.deepEqual(Object.keys(grads.grads).sort(), Object.keys(m.grads!).sort());
  // Each tensor on its own scale, with a floor from the largest gradient of the model: the conv
  // bias before a train-mode BatchNorm has a true gradient of 0 (the batch mean removes it), so
  // both sides are float32 rounding noise there.
  const largest = Object.values(m.grads!).reduce((p, g) => Math.max(p, ...g.map(Math.abs)), 0);
  for (const [name, want] of Object.entries(m.grads!)) {
    const got = Float32Array.from(grads.grads[name].data);
    const scale = Math.max(...want.map(Math.abs), 1e-2 * largest);
    const d = maxDifference(got, Float32Array.from(want)).maxAbs / scale;
    t.diagnostic(`${name}: max difference ${d.toExponential(1)} of max(|gradient|, 1e-2 x the largest)`);
    assert.ok(d <= 1e-4, `${name}: ${d}`);
  }
});

test('a training-mode export with Dropout: gradients match central finite differences (netwright gradcheck)', async (t) => {
  const m = torchModel(t, 'train_bn_dropout');
  if (!m) return;
  const result = importOnnx(decodeModel(new Uint8Array(readFileSync(m.path))));
  assert.deepEqual(result.report.opaque, {});
  assert.equal(result.report.layers.Dropout, 1);
  const r = netwright('gradcheck', m.path, '--json');
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout) as {
    forward: string;
    pass: boolean;
    params: { name: string; pass: boolean }[];
  };
  assert.equal(report.forward, 'training');
  assert.deepEqual(report.params.map((p) => p.name).sort(), [
    'bn1.bias',
    'bn1.weight',
    'conv1.bias',
    'conv1.weight',
    'fc.bias',
    'fc.weight',
  ]);
  assert.ok(report.pass, JSON.stringify(report.params.filter((p) => !p.pass)));
});
