// One backward pass of the exported model.py in PyTorch equals `netwright grad` on the same batch
// (<= 1e-4 per tensor), for a network with every layer type, LeNet-5's C3 table and batch norm.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProjectDocument } from '../../engine/index.ts';
import { analyze, resolveWeights, serializeDocument, storeWeights } from '../../engine/index.ts';
import { createRng } from '../../engine/data/random.ts';
import { exportPytorchProject } from '../../engine/export/pytorch/project.ts';
import { writePytorchProject } from '../../host/pytorchProject.ts';
import { needTorch, runPythonJson } from '../helpers/python.ts';
import { inputValues, layerZoo, sequenceZoo } from '../helpers/layerZoo.ts';
import { loadTemplate, repoRoot } from '../helpers/templates.ts';
import { tempDir } from '../helpers/tempDir.ts';

const dir = tempDir('netwright-pytorch-grad-');
after(() => rmSync(dir, { recursive: true, force: true }));

const BACKWARD = `
import json, sys
import numpy as np
import torch
import torch.nn.functional as F
torch.set_num_threads(1)
sys.path.insert(0, sys.argv[1])
from model import load_model
batch = json.loads(open(sys.argv[2]).read())
(x,) = batch["inputs"].values()
model = load_model().train()
out = model(torch.tensor(x["data"], dtype=torch.float32).reshape(x["shape"]))
loss = F.cross_entropy(out, torch.tensor(batch["targets"]["data"], dtype=torch.int64))
loss.backward()
print(json.dumps({"loss": loss.item(), "grads": {k: p.grad.numpy().ravel().tolist() for k, p in model.named_parameters()}}))
`;

const models: [string, () => ProjectDocument][] = [
  ['layer zoo', layerZoo],
  ['sequence zoo', sequenceZoo],
  ['lenet5-c3', () => loadTemplate('lenet5-c3')],
  ['overfit-batchnorm', () => loadTemplate('overfit-batchnorm')],
];

for (const [label, make] of models)
  test(`${label}: PyTorch's backward pass equals netwright grad`, async (t) => {
    if (!needTorch(t)) return;
    const base = make();
    const analysis = analyze(base.graph);
    const doc = { ...base, weights: storeWeights(resolveWeights(analysis, undefined, 9), analysis) };
    const folder = join(dir, label.replace(/\W+/g, '-'));
    const project = exportPytorchProject(doc);
    await writePytorchProject(folder, project);
    const modelPath = join(folder, 'project.netwright.json');
    writeFileSync(modelPath, serializeDocument(doc));
    const input = doc.graph.nodes.find((n) => n.type === 'Input')!;
    const shape = [4, ...(input.attributes.shape as number[])];
    const rng = createRng(4);
    const batch = {
      inputs: {
        [input.name]: {
          shape,
          data: Array.from(
            inputValues(
              doc,
              input.id,
              shape.reduce((a, b) => a * b, 1),
              rng,
            ),
          ),
        },
      },
      targets: { shape: [4], data: [3, 1, 4, 1] },
    };
    const batchPath = join(folder, 'batch.json');
    writeFileSync(batchPath, JSON.stringify(batch));
    const gradsPath = join(folder, 'grads.json');
    const r = spawnSync(
      process.execPath,
      [
        join(repoRoot, 'bin', 'netwright.js'),
        'grad',
        modelPath,
        '--batch',
        batchPath,
        '--loss',
        'cross-entropy',
        '-o',
        gradsPath,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    const ours = JSON.parse(readFileSync(gradsPath, 'utf8')) as {
      loss: number;
      grads: Record<string, { data: number[] }>;
    };
    const theirs = runPythonJson<{ loss: number; grads: Record<string, number[]> }>(BACKWARD, [
      folder,
      batchPath,
    ]);
    assert.ok(
      Math.abs(ours.loss - theirs.loss) <= 1e-5 * Math.abs(theirs.loss),
      `loss ${ours.loss} vs ${theirs.loss}`,
    );
    // netwright grad names a parameter <node name>.<param>; the state_dict <attribute>.<param>.
    const nameOf = new Map(doc.graph.nodes.map((n) => [n.id, n.name]));
    const trainable = project.state.filter((e) => e.source && !/running_|num_batches/.test(e.key));
    assert.deepEqual(Object.keys(theirs.grads).sort(), trainable.map((e) => e.key).sort());
    let worst = 0;
    let overall = 0;
    for (const g of Object.values(theirs.grads)) for (const v of g) overall = Math.max(overall, Math.abs(v));
    for (const e of trainable) {
      const want = theirs.grads[e.key];
      const got = ours.grads[`${nameOf.get(e.source!.nodeId)}.${e.source!.param}`].data;
      let scale = 0;
      let diff = 0;
      for (let i = 0; i < want.length; i++) {
        scale = Math.max(scale, Math.abs(want[i]));
        diff = Math.max(diff, Math.abs(got[i] - want[i]));
      }
      // A bias right before a batch norm has a true gradient of zero, so its values are float
      // noise: it is judged against 1e-5 of the largest gradient of the model, every other tensor
      // against 1e-4 of its own largest value.
      const err = diff / Math.max(scale, 0.1 * overall);
      assert.ok(
        diff <= 1e-4 * scale + 1e-5 * overall,
        `${e.key}: gradients differ by ${diff.toExponential(2)} (largest ${scale.toExponential(2)})`,
      );
      worst = Math.max(worst, err);
    }
    t.diagnostic(`${trainable.length} tensors, worst relative difference ${worst.toExponential(2)}`);
  });
