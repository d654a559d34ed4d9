// `netwright export --format pytorch` against real PyTorch: every template and lesson model
// exports, model.py imports and builds, model.state_dict() has the project's parameter names and
// shapes, and its forward equals the exported ONNX model in onnxruntime on random input.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProjectDocument } from '../../engine/index.ts';
import {
  allLayers,
  analyze,
  exportInference,
  GraphBuilder,
  newDocument,
  resolveWeights,
} from '../../engine/index.ts';
import { call, className, identifier, pyFloat } from '../../engine/export/pytorch/python.ts';
import { encodeModel } from '../../engine/onnx/proto.ts';
import { createRng } from '../../engine/data/random.ts';
import { exportPytorchProject } from '../../engine/export/pytorch/project.ts';
import { writePytorchProject } from '../../host/pytorchProject.ts';
import { runModel } from '../helpers/ort.ts';
import { needTorch, runPythonJson } from '../helpers/python.ts';
import { loadTemplate, templateNames } from '../helpers/templates.ts';
import { inputValues, layerZoo, sequenceZoo } from '../helpers/layerZoo.ts';
import { tempDir } from '../helpers/tempDir.ts';

const dir = tempDir('netwright-pytorch-export-');
after(() => rmSync(dir, { recursive: true, force: true }));

const CHECK_FORWARD = `
import importlib.util, json, sys, time
from pathlib import Path
import numpy as np
import torch
torch.set_num_threads(1)
report = {}
for i, folder in enumerate(sorted(Path(sys.argv[1]).iterdir())):
    began = time.perf_counter()
    meta = json.loads((folder / "meta.json").read_text())
    sys.path.insert(0, str(folder))
    spec = importlib.util.spec_from_file_location(f"model_{i}", folder / "model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.path.pop(0)
    model = module.load_model().eval()
    state = [[k, list(v.shape)] for k, v in model.state_dict().items()]
    x = torch.from_numpy(np.fromfile(folder / "input.bin", dtype="<f4").reshape(meta["input"]))
    with torch.no_grad():
        out = model(x)
    y = np.concatenate([o.numpy().ravel() for o in (out if isinstance(out, tuple) else (out,))])
    want = np.fromfile(folder / "expected.bin", dtype="<f4")
    scale = max(float(np.abs(want).max()), 1e-30)
    error = float(np.abs(y - want).max()) / scale if y.size == want.size else None
    report[folder.name] = {"state": state, "relError": error, "size": int(y.size),
                           "seconds": time.perf_counter() - began}
    del model, module
print(json.dumps(report))
`;

test('every template and lesson exports; model.py builds, has the project state_dict and computes the ONNX model', async (t) => {
  if (!needTorch(t)) return;
  const expected = new Map<string, { state: [string, number[]][]; outputs: number }>();
  const started = performance.now();
  // Every template and lesson, and one network with every layer type the exporter spells.
  const models: [string, () => ProjectDocument][] = [
    ...templateNames().map((n): [string, () => ProjectDocument] => [n, () => loadTemplate(n)]),
    ['layer-zoo', layerZoo],
    ['sequence-zoo', sequenceZoo],
  ];
  const nodeSeconds = new Map<string, number>();
  for (const [name, make] of models) {
    const began = performance.now();
    const doc = make();
    const analysis = analyze(doc.graph);
    const weights = resolveWeights(analysis, doc.weights, 3);
    const project = exportPytorchProject(doc, { weights });
    const folder = join(dir, name);
    mkdirSync(folder);
    await writePytorchProject(folder, project);
    // Same weights through the ONNX exporter, the reference the PyTorch forward must match.
    const input = doc.graph.nodes.find((n) => n.type === 'Input')!;
    // One sample for the 224x224 networks (VGG-16 alone is 15 GFLOPs), two elsewhere.
    const sample = input.attributes.shape as number[];
    const shape = [sample.reduce((a, b) => a * b, 1) > 100_000 ? 1 : 2, ...sample];
    const rng = createRng(11);
    const x = inputValues(
      doc,
      input.id,
      shape.reduce((a, b) => a * b, 1),
      rng,
    );
    // The weights go in as inputs: protobuf-encoding VGG-16's 528 MB would take longer than the rest.
    const onnx = exportInference(doc, { weightsAsInputs: true });
    const feeds: Parameters<typeof runModel>[1] = { [onnx.graph.inputs[0].name]: { dims: shape, data: x } };
    for (const [id, params] of weights)
      for (const [p, values] of params) {
        const spec = analysis.nodes.get(id)!.parameters.find((s) => s.name === p)!;
        feeds[`${doc.graph.nodes.find((n) => n.id === id)!.name}.${p}`] = { dims: spec.shape, data: values };
      }
    const outputs = await runModel(encodeModel(onnx), feeds);
    // Several outputs (a lesson comparing two branches) in graph-output order, as forward() returns them.
    const y = Float32Array.from(onnx.graph.outputs.flatMap((o) => [...outputs[o.name].data]));
    writeFileSync(join(folder, 'input.bin'), x);
    writeFileSync(join(folder, 'expected.bin'), y);
    writeFileSync(join(folder, 'meta.json'), JSON.stringify({ input: shape }));
    // What the state_dict must be: every project parameter (and buffer) under its node's name,
    // plus PyTorch's own BatchNorm counter.
    const state = project.state.map((e) => [e.key, e.shape] as [string, number[]]);
    for (const e of project.state)
      if (e.source) {
        const spec = analysis.nodes.get(e.source.nodeId)!.parameters.find((p) => p.name === e.source!.param)!;
        assert.deepEqual(e.shape, spec.shape, `${name}: ${e.key}`);
      } else assert.match(e.key, /\.num_batches_tracked$/, `${name}: ${e.key} is not a project parameter`);
    const params = [...analysis.nodes.values()].reduce((s, n) => s + n.parameters.length, 0);
    assert.equal(
      project.state.filter((e) => e.source).length,
      params,
      `${name}: every parameter is in the state_dict`,
    );
    expected.set(name, { state, outputs: y.length });
    nodeSeconds.set(name, (performance.now() - began) / 1000);
  }
  const exportSeconds = (performance.now() - started) / 1000;
  const report = runPythonJson<
    Record<string, { state: [string, number[]][]; relError: number | null; size: number; seconds: number }>
  >(CHECK_FORWARD, [dir], { timeoutMs: 300_000 });
  for (const [name, want] of expected) {
    const got = report[name];
    assert.ok(got, `${name}: PyTorch checked it`);
    assert.deepEqual(got.state, want.state, `${name}: model.state_dict() names and shapes`);
    assert.equal(got.size, want.outputs, `${name}: output size`);
    assert.ok(
      got.relError !== null && got.relError <= 1e-5,
      `${name}: PyTorch forward vs onnxruntime, relative error ${got.relError ?? 'n/a'}`,
    );
  }
  t.diagnostic(`${expected.size} models; export + ONNX reference ${exportSeconds.toFixed(1)} s`);
  for (const [name, r] of Object.entries(report))
    if (r.seconds + nodeSeconds.get(name)! > 1)
      t.diagnostic(
        `${name}: Netwright ${nodeSeconds.get(name)!.toFixed(1)} s, PyTorch ${r.seconds.toFixed(1)} s`,
      );
});

test('every layer type has a PyTorch spelling: its own toTorch, or an nn.X torch field', () => {
  for (const def of allLayers()) {
    if (def.type === 'Input') continue;
    assert.ok(def.toTorch || /^nn\.\w+$/.test(def.torch ?? ''), `${def.type} has no PyTorch spelling`);
  }
});

test('Python spelling: floats as repr writes them, identifiers and class names from free text', () => {
  assert.deepEqual([1, 0.1, 1e-5, 2.5e-7, 1e20, -3].map(pyFloat), [
    '1.0',
    '0.1',
    '1e-05',
    '2.5e-07',
    '1e+20',
    '-3.0',
  ]);
  assert.equal(identifier('layer1.0/conv 1', 'layer'), 'layer1_0_conv_1');
  assert.equal(identifier('3x3 conv', 'layer'), 'layer_3x3_conv');
  assert.equal(identifier('lambda', 'layer'), 'lambda_');
  assert.equal(identifier('é', 'layer'), 'e');
  assert.equal(className('LeNet-5 on MNIST'), 'LeNet5OnMNIST');
  assert.equal(className('3 layer mlp'), 'Net3LayerMlp');
  assert.equal(
    call(
      'nn.Conv2d',
      [1, 6],
      [
        ['kernel_size', 5],
        ['stride', 1, 1],
        ['bias', false, true],
      ],
    ),
    'nn.Conv2d(1, 6, kernel_size=5, bias=False)',
  );
});

test('node names that clash with nn.Module members or each other get distinct attributes', () => {
  const b = new GraphBuilder();
  const x = b.input([4]);
  const y = b.add('Linear', { out_features: 4 }, x, 'eval');
  const z = b.add('ReLU', {}, y, 'layer 1');
  b.add('Linear', { out_features: 2 }, z, 'layer-1');
  const doc = newDocument('clash', b.graph);
  const model = exportPytorchProject(doc).files.get('model.py') as string;
  assert.match(model, /self\.eval_2 = nn\.Linear\(4, 4\)/);
  assert.match(model, /self\.layer_1 = nn\.ReLU\(\)/);
  assert.match(model, /self\.layer_1_2 = nn\.Linear\(4, 2\)/);
});
