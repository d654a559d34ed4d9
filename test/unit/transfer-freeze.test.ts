// Transfer learning's two edits (freeze up to a node, replace the classifier) and what freezing
// costs in the train step: no backward pass and no optimizer state for the frozen backbone, and
// the head's gradients equal PyTorch's with the backbone in eval mode and requires_grad=False.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Graph, ProjectDocument, TrainStep } from '../../engine/index.ts';
import {
  analyze,
  compileTrainStep,
  CURRENT_VERSION,
  FORMAT,
  freezeUpTo,
  GraphBuilder,
  isEditError,
  parseDocument,
  replaceClassifier,
  replaceClassifierInDocument,
  serializeDocument,
  resolveWeights,
  setFrozen,
  storeWeights,
  unfreezeAll,
} from '../../engine/index.ts';
import { createRng } from '../../engine/data/random.ts';
import { keepClasses, makeDataset } from '../../engine/data/index.ts';
import { exportPytorchProject } from '../../engine/export/pytorch/project.ts';
import { writePytorchProject } from '../../host/pytorchProject.ts';
import { computeGrads } from '../../cli/grad.ts';
import { needTorch, runPythonJson } from '../helpers/python.ts';
import { tempDir } from '../helpers/tempDir.ts';
import { FIXTURES, noFixtures } from '../helpers/onnxCases.ts';
import { importOnnx } from '../../engine/onnx/import.ts';
import { decodeModel } from '../../engine/onnx/proto.ts';

const ok = <T>(x: T | { error: string }): T => {
  if (isEditError(x)) throw new Error(x.error);
  return x as T;
};

const dir = tempDir('netwright-transfer-');
after(() => rmSync(dir, { recursive: true, force: true }));

/** A small residual CNN backbone (BatchNorm, Dropout, a skip connection) and a two-layer head. */
function model() {
  const b = new GraphBuilder();
  const x = b.input([3, 12, 12]);
  const stem = b.chain(x, [
    ['Conv2d', { out_channels: 6, kernel_size: 3, padding: 1 }],
    ['BatchNorm2d'],
    ['ReLU'],
  ]);
  const branch = b.chain(stem, [
    ['Conv2d', { out_channels: 6, kernel_size: 3, padding: 1 }],
    ['BatchNorm2d'],
  ]);
  const sum = b.add('Add', {}, [stem, branch]);
  const features = b.chain(sum, [['ReLU'], ['Dropout', { p: 0.3 }], ['GlobalAvgPool2d'], ['Flatten']]);
  const hidden = b.chain(features, [['Linear', { out_features: 8 }], ['ReLU']]);
  const fc = b.add('Linear', { out_features: 4 }, hidden, 'fc');
  return { graph: b.graph, features, fc, builder: b };
}

test('freeze up to a node freezes it and everything feeding it, and moves rather than adds', () => {
  const { graph, features, fc } = model();
  const frozen = ok(freezeUpTo(graph, features));
  const names = (g: Graph) => g.nodes.filter((n) => n.frozen).map((n) => n.type);
  assert.deepEqual(names(frozen), [
    'Input',
    'Conv2d',
    'BatchNorm2d',
    'ReLU',
    'Conv2d',
    'BatchNorm2d',
    'Add',
    'ReLU',
    'Dropout',
    'GlobalAvgPool2d',
    'Flatten',
  ]);
  const t = analyze(frozen).totals;
  assert.equal(t.trainableParams, 6 * 8 + 8 + 8 * 4 + 4);
  // A later boundary takes over; an earlier one unfreezes what lies after it.
  const stemOnly = ok(freezeUpTo(frozen, graph.nodes[1].id));
  assert.deepEqual(names(stemOnly), ['Input', 'Conv2d']);
  assert.equal(ok(freezeUpTo(frozen, fc)).nodes.filter((n) => !n.frozen).length, 0);
  assert.deepEqual(unfreezeAll(frozen), graph);
  assert.match((freezeUpTo(graph, 'nope') as { error: string }).error, /no node 'nope'/);
});

test('replace the classifier drops the Softmax that only turned its scores into probabilities', () => {
  const { builder: b, fc } = model();
  const softmax = b.add('Softmax', {}, fc, 'prob');
  const replaced = ok(replaceClassifier(b.graph, 10));
  assert.equal(replaced.nodes.filter((n) => n.type === 'Softmax').length, 0);
  const fresh = replaced.nodes.find((n) => n.name === 'fc')!;
  assert.equal(replaced.edges.filter((e) => e.source === fresh.id).length, 0, 'the new head is the output');
  assert.equal(analyze(replaced).diagnostics.filter((d) => d.severity === 'error').length, 0);
  // A Softmax whose output is also used elsewhere is part of the model, so it stays.
  b.add('ReLU', {}, softmax);
  assert.equal(ok(replaceClassifier(b.graph, 10)).nodes.filter((n) => n.type === 'Softmax').length, 1);
});

test(
  'replace the classifier of an imported VGG-19: the new layer takes the old one’s place in its group',
  { skip: noFixtures },
  () => {
    const { doc } = importOnnx(
      decodeModel(new Uint8Array(readFileSync(join(FIXTURES, 'light', 'light_vgg19.onnx')))),
    );
    const head = doc.groups!.find((g) => g.title === 'Head (8 layers)')!;
    const fc8 = doc.graph.nodes.find((n) => n.name === 'fc8')!;
    assert.equal(head.members.at(-1), fc8.id);
    const next = replaceClassifierInDocument(doc, 10);
    assert.ok(!isEditError(next));
    const fresh = next.graph.nodes.find((n) => n.name === 'fc8')!;
    assert.notEqual(fresh.id, fc8.id);
    assert.deepEqual(next.groups!.find((g) => g.id === head.id)!.members, [
      ...head.members.slice(0, -1),
      fresh.id,
    ]);
    // Every group names only nodes that exist, so the project saves and opens again.
    const { weights: _weights, ...graphOnly } = next;
    const reopened = parseDocument(serializeDocument(graphOnly));
    assert.deepEqual(reopened.groups, next.groups);
  },
);

test('replace the classifier: a fresh Linear with N outputs under the same name, nothing else changed', () => {
  const { graph, fc } = model();
  const replaced = ok(replaceClassifier(graph, 10));
  const fresh = replaced.nodes.find((n) => n.name === 'fc')!;
  assert.notEqual(fresh.id, fc, 'a new id, so no stored weight matches it');
  assert.equal(fresh.attributes.out_features, 10);
  assert.equal(replaced.nodes.length, graph.nodes.length);
  assert.deepEqual(
    replaced.edges.filter((e) => e.target === fresh.id).map((e) => e.source),
    graph.edges.filter((e) => e.target === fc).map((e) => e.source),
  );
  const a = analyze(replaced);
  assert.deepEqual(a.nodes.get(fresh.id)!.outputShape, ['N', 10]);
  assert.equal(a.diagnostics.filter((d) => d.severity === 'error').length, 0);
  // Stored weights of the old classifier are left behind; the new one starts from the default init.
  const old = resolveWeights(analyze(graph), undefined, 3);
  const stored = storeWeights(old, analyze(graph));
  const w = resolveWeights(a, stored, 3);
  assert.equal(w.get(fresh.id)!.get('weight')!.length, 8 * 10);
  const bound = 1 / Math.sqrt(8); // kaiming_uniform(a=√5) over fan_in 8, PyTorch's nn.Linear default
  assert.ok(
    w
      .get(fresh.id)!
      .get('weight')!
      .every((v) => Math.abs(v) <= bound),
  );
  assert.deepEqual(w.get(graph.nodes[1].id), old.get(graph.nodes[1].id));
  assert.match((replaceClassifier(graph, 0) as { error: string }).error, /at least 1/);
  const add = graph.nodes.find((n) => n.type === 'Add')!.id;
  assert.match((replaceClassifier(graph, 3, add) as { error: string }).error, /takes 2 inputs/);
});

/** Nodes computed from the labels: the loss, the backward pass and the optimizer update. */
function labelDependent(step: TrainStep): number {
  const reached = new Set([step.target.input]);
  let count = 0;
  for (const n of step.model.graph.nodes)
    if (n.inputs.some((i) => reached.has(i))) {
      count++;
      for (const o of n.outputs) reached.add(o);
    }
  return count;
}

test('a frozen backbone costs no backward pass and no optimizer state', () => {
  const { graph, features } = model();
  const opts = {
    batchSize: 4,
    loss: 'cross-entropy' as const,
    optimizer: { kind: 'momentum' as const, lr: 0.1 },
  };
  const frozen = compileTrainStep(ok(freezeUpTo(graph, features)), opts);
  const head = new GraphBuilder();
  head.chain(head.input([6]), [['Linear', { out_features: 8 }], ['ReLU'], ['Linear', { out_features: 4 }]]);
  const headOnly = compileTrainStep(head.graph, opts);
  const whole = compileTrainStep(graph, opts);
  // Every node computed from the labels in the frozen model is one the head alone also has.
  assert.equal(labelDependent(frozen), labelDependent(headOnly));
  assert.ok(labelDependent(whole) > labelDependent(frozen) + 20, `${labelDependent(whole)} nodes unfrozen`);
  assert.equal(frozen.state.length, headOnly.state.length);
  assert.equal(frozen.params.filter((p) => p.trainable).length, 4);
  // Frozen layers run as at inference: no dropout mask, no running-statistics update.
  assert.equal(frozen.masks.length, 0);
  assert.equal(frozen.params.filter((p) => p.buffer && p.output).length, 0);
  assert.ok(whole.masks.length === 1 && whole.params.some((p) => p.buffer && p.output));
});

const BACKWARD = `
import json, sys
import torch
import torch.nn.functional as F
torch.set_num_threads(1)
sys.path.insert(0, sys.argv[1])
from model import load_model
batch = json.loads(open(sys.argv[2]).read())
frozen = json.loads(sys.argv[3])
(x,) = batch["inputs"].values()
model = load_model().train()
for name in filter(lambda n: hasattr(model, n), frozen):
    module = getattr(model, name)
    module.eval()
    module.requires_grad_(False)
out = model(torch.tensor(x["data"], dtype=torch.float32).reshape(x["shape"]))
loss = F.cross_entropy(out, torch.tensor(batch["targets"]["data"], dtype=torch.int64))
loss.backward()
print(json.dumps({"loss": loss.item(), "grads": {k: p.grad.numpy().ravel().tolist() for k, p in model.named_parameters() if p.requires_grad}}))
`;

/** Frozen up to the features, or only the branch's BatchNorm and the Dropout (gradients pass through them). */
function frozenModel(boundary: 'features' | 'middle'): Graph {
  const { graph, features } = model();
  if (boundary === 'features') return ok(freezeUpTo(graph, features));
  const middle = graph.nodes.filter((n) => n.type === 'Dropout' || n.id === 'batchnorm2d_2');
  assert.equal(middle.length, 2);
  return middle.reduce((g, n) => ok(setFrozen(g, n.id, true)), graph);
}

for (const [label, boundary] of [
  ['backbone up to Flatten', 'features'],
  ['BatchNorm and Dropout in the middle (gradients pass through them)', 'middle'],
] as const)
  test(`frozen ${label}: the trainable layers' gradients equal PyTorch's`, async (t) => {
    if (!needTorch(t)) return;
    const frozenGraph = frozenModel(boundary);
    const analysis = analyze(frozenGraph);
    const base: ProjectDocument = {
      format: FORMAT,
      version: CURRENT_VERSION,
      name: 'transfer',
      graph: frozenGraph,
    };
    // Running statistics away from 0/1, so eval-mode BatchNorm differs from train mode.
    const weights = resolveWeights(analysis, undefined, 5);
    const rng = createRng(2);
    for (const [, params] of weights)
      for (const [name, v] of params)
        if (name === 'running_mean') v.forEach((_, i) => (v[i] = rng.next() - 0.5));
        else if (name === 'running_var') v.forEach((_, i) => (v[i] = 0.5 + rng.next()));
    const doc = { ...base, weights: storeWeights(weights, analysis) };
    const folder = join(dir, boundary);
    await writePytorchProject(folder, exportPytorchProject(doc));
    const input = frozenGraph.nodes.find((n) => n.type === 'Input')!;
    const data = Array.from({ length: 4 * 3 * 12 * 12 }, () => rng.next() * 2 - 1);
    const batch = {
      inputs: { [input.name]: { shape: [4, 3, 12, 12], data } },
      targets: { shape: [4], data: [3, 1, 0, 2] },
    };
    const batchPath = join(folder, 'batch.json');
    writeFileSync(batchPath, JSON.stringify(batch));
    const ours = await computeGrads(doc, batch, 'cross-entropy');
    const frozenNames = frozenGraph.nodes.filter((n) => n.frozen && n.type !== 'Input').map((n) => n.name);
    const theirs = runPythonJson<{ loss: number; grads: Record<string, number[]> }>(BACKWARD, [
      folder,
      batchPath,
      JSON.stringify(frozenNames),
    ]);
    assert.ok(
      Math.abs(ours.loss - theirs.loss) <= 1e-5 * Math.abs(theirs.loss),
      `${ours.loss} vs ${theirs.loss}`,
    );
    assert.deepEqual(Object.keys(ours.grads).sort(), Object.keys(theirs.grads).sort());
    // A conv bias right before a BatchNorm has a true gradient of zero (float noise): judged
    // against the model's largest gradient, every other tensor against its own largest value.
    const overall = Math.max(...Object.values(theirs.grads).flat().map(Math.abs));
    let worst = 0;
    for (const [key, want] of Object.entries(theirs.grads)) {
      const got = ours.grads[key].data;
      const scale = Math.max(...want.map(Math.abs));
      const diff = Math.max(...want.map((w, i) => Math.abs(got[i] - w)));
      assert.ok(diff <= 1e-4 * scale + 1e-5 * overall, `${key}: ${diff} apart (largest ${scale})`);
      worst = Math.max(worst, diff / Math.max(scale, 0.1 * overall));
    }
    t.diagnostic(
      `${Object.keys(theirs.grads).length} trainable tensors, worst relative difference ${worst.toExponential(2)}`,
    );
  });

test('keepClasses keeps the samples of the classes given, relabelled in that order', () => {
  const ds = makeDataset({
    name: 'digits',
    inputShape: [1],
    numClasses: 4,
    classNames: ['a', 'b', 'c', 'd'],
    x: Float32Array.from([0, 1, 2, 3, 4, 5]),
    y: Int32Array.from([0, 1, 2, 3, 2, 1]),
  });
  const kept = keepClasses(ds, [2, 1]);
  assert.deepEqual([...kept.x], [1, 2, 4, 5]);
  assert.deepEqual([...kept.y], [1, 0, 0, 1]);
  assert.equal(kept.numClasses, 2);
  assert.deepEqual(kept.classNames, ['c', 'b']);
  assert.throws(() => keepClasses(ds, [4]), /no class 4; its classes are 0 to 3/);
});
