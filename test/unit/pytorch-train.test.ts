// The exported train.py against `netwright train`: from the same initial weights and the same batch
// order (--shuffle none), both give the same per-step losses for every optimizer, with and without
// weight decay and under a schedule; and a user's edited flags still run, resume and finish.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { OptimizerKind } from '../../engine/index.ts';
import { freezeUpTo, isEditError } from '../../engine/index.ts';
import { exportPytorchProject } from '../../engine/export/pytorch/project.ts';
import { buildPytorchProject, writePytorchProject } from '../../host/pytorchProject.ts';
import { train, type TrainConfig } from '../../host/training/trainer.ts';
import { EPOCH_KEYS, parseSchedule } from '../../cli/train.ts';
import { needTorch, runPython, runPythonJson } from '../helpers/python.ts';
import { loadTemplate } from '../helpers/templates.ts';
import { tempDir } from '../helpers/tempDir.ts';
import { lenetWithWeights, mnistSubset, trainPyCases } from '../helpers/mnistSubset.ts';

const dir = tempDir('netwright-pytorch-train-');
after(() => rmSync(dir, { recursive: true, force: true }));

const STEPS = 20;
const BATCH = 16;

interface Case {
  optimizer: OptimizerKind;
  lr: number;
  weightDecay: number;
  schedule: string;
}

const BASE: [OptimizerKind, number][] = [
  ['sgd', 0.1],
  ['momentum', 0.05],
  ['heavy-ball', 0.05],
  ['nesterov', 0.05],
  ['rmsprop', 0.001],
  ['adam', 0.002],
  ['adamw', 0.002],
  ['adagrad', 0.02],
];
// Without weight decay at a constant rate; with it under a schedule: cosine, or Robbins-Monro's
// inverse form (which ignores the base rate) for the two plain SGD forms.
const CASES: Case[] = BASE.flatMap(([optimizer, lr]) => [
  { optimizer, lr, weightDecay: 0, schedule: 'constant' },
  {
    optimizer,
    lr,
    weightDecay: 5e-3,
    schedule: optimizer === 'sgd' || optimizer === 'heavy-ball' ? `inverse:${lr * 20}:20` : 'cosine',
  },
]);

const RUN_CASES = trainPyCases(STEPS * BATCH, BATCH);

test('train.py and netwright train give the same per-step losses for every optimizer, with weight decay and schedules', async (t) => {
  if (!needTorch(t)) return;
  const doc = lenetWithWeights();
  const project = join(dir, 'lenet5');
  await writePytorchProject(project, exportPytorchProject(doc));
  const data = join(dir, 'mnist');
  const sets = await mnistSubset(data, STEPS * BATCH, 64);
  const started = performance.now();
  const ours: number[][] = [];
  for (const c of CASES) {
    const cfg: TrainConfig = {
      epochs: 1,
      batchSize: BATCH,
      loss: 'cross-entropy',
      optimizer: { kind: c.optimizer, weightDecay: c.weightDecay },
      lr: c.lr,
      schedule: parseSchedule(c.schedule),
      seed: 0,
      shuffle: false,
      stepEvery: 1,
      threads: 1,
    };
    const losses: number[] = [];
    await train({ doc, data: sets, config: cfg, onEvent: (e) => e.event === 'step' && losses.push(e.loss) });
    ours.push(losses);
  }
  const netwrightSeconds = (performance.now() - started) / 1000;
  const t0 = performance.now();
  const theirs = runPythonJson<number[][]>(RUN_CASES, [
    project,
    data,
    JSON.stringify(CASES),
    join(dir, 'checkpoint.pt'),
  ]);
  const pythonSeconds = (performance.now() - t0) / 1000;
  const worst: string[] = [];
  CASES.forEach((c, i) => {
    const label = `${c.optimizer}${c.weightDecay ? `, weight decay ${c.weightDecay}, ${c.schedule}` : ''}`;
    assert.equal(ours[i].length, STEPS, `${label}: Netwright's steps`);
    assert.equal(theirs[i].length, STEPS, `${label}: train.py's steps`);
    const rel = ours[i].map((l, k) => Math.abs(l - theirs[i][k]) / Math.abs(theirs[i][k]));
    const max = Math.max(...rel);
    assert.ok(
      max <= 1e-4,
      `${label}: relative loss difference ${max.toExponential(2)} at step ${rel.indexOf(max) + 1}`,
    );
    // The losses must fall, or equal trajectories would prove little.
    const mean = (xs: number[]) => xs.reduce((p, x) => p + x, 0) / xs.length;
    const [early, late] = [mean(ours[i].slice(0, 5)), mean(ours[i].slice(-5))];
    assert.ok(late < early, `${label}: the loss falls (${early} -> ${late})`);
    worst.push(`${label}: ${max.toExponential(2)}`);
  });
  t.diagnostic(`max relative per-step loss difference over ${STEPS} steps:`);
  for (const line of worst) t.diagnostic(line);
  t.diagnostic(`Netwright ${netwrightSeconds.toFixed(1)} s, train.py ${pythonSeconds.toFixed(1)} s`);
});

test('the exported project runs with edited flags, resumes from its checkpoint and trains a generated 2-D set', async (t) => {
  if (!needTorch(t)) return;
  const folder = join(dir, 'spiral');
  const project = await buildPytorchProject(loadTemplate('spiral-mlp'));
  assert.equal(project.settings.data, 'csv', 'the spiral is written beside train.py');
  await writePytorchProject(folder, project);
  const run = (args: string[]) =>
    runPython(
      `import runpy, sys; sys.argv = ["train.py", *sys.argv[1:]]; runpy.run_path("train.py", run_name="__main__")`,
      args,
      {
        cwd: folder,
      },
    )
      .stdout.trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, number | string>);
  const first = run(['--epochs', '1', '--lr', '0.1', '--json']);
  assert.deepEqual(
    first.map((l) => l.epoch),
    [1],
  );
  // The keys of netwright train --json's epoch lines, in order.
  assert.deepEqual(Object.keys(first[0]), [...EPOCH_KEYS]);
  const resumed = run(['--epochs', '2', '--lr', '0.1', '--json', '--resume']);
  assert.deepEqual(
    resumed.map((l) => l.epoch),
    [2],
    'continues after the checkpoint',
  );
  assert.ok((resumed[0].trainLoss as number) < (first[0].trainLoss as number), 'and goes on learning');
  const csv = readFileSync(join(folder, 'data', 'train.csv'), 'utf8')
    .trim()
    .split('\n');
  assert.equal(csv[0], 'x1,x2,label');
});

const RUN_FROZEN = `
import contextlib, io, json, sys
sys.path.insert(0, sys.argv[1])
import torch
torch.set_num_threads(1)
import model, train
out = io.StringIO()
with contextlib.redirect_stdout(out):
    trained = train.main(["--data", "mnist", "--data-dir", sys.argv[2], "--limit", "${STEPS * BATCH}", "--test-limit", "64",
                          "--epochs", "1", "--batch-size", "${BATCH}", "--loss", "cross-entropy", "--init", "default",
                          "--normalize", "none", "--shuffle", "none", "--json", "--log-every", "1",
                          "--optimizer", "adamw", "--lr", "0.002", "--weight-decay", "0.05",
                          "--checkpoint", sys.argv[3], "--out", ""])
start = model.load_model()
unchanged = {k: bool(torch.equal(v, start.state_dict()[k])) for k, v in trained.state_dict().items()}
losses = [json.loads(l)["loss"] for l in out.getvalue().splitlines() if l.startswith('{"event": "step"')]
print(json.dumps({"losses": losses, "unchanged": unchanged, "frozen": list(type(start).FROZEN)}))
`;

test('a network frozen up to a layer trains the same in train.py: frozen layers keep their weights, even under weight decay', async (t) => {
  if (!needTorch(t)) return;
  const base = lenetWithWeights();
  const graph = freezeUpTo(base.graph, 'maxpool2d_2');
  assert.ok(!isEditError(graph));
  const doc = { ...base, graph };
  const project = join(dir, 'lenet5-frozen');
  await writePytorchProject(project, exportPytorchProject(doc));
  const data = join(dir, 'mnist-frozen');
  const sets = await mnistSubset(data, STEPS * BATCH, 64);
  const ours: number[] = [];
  await train({
    doc,
    data: sets,
    config: {
      epochs: 1,
      batchSize: BATCH,
      loss: 'cross-entropy',
      optimizer: { kind: 'adamw', weightDecay: 0.05 },
      lr: 0.002,
      schedule: parseSchedule('constant'),
      seed: 0,
      shuffle: false,
      stepEvery: 1,
      threads: 1,
    },
    onEvent: (e) => e.event === 'step' && ours.push(e.loss),
  });
  const theirs = runPythonJson<{ losses: number[]; unchanged: Record<string, boolean>; frozen: string[] }>(
    RUN_FROZEN,
    [project, data, join(dir, 'checkpoint-frozen.pt')],
  );
  assert.deepEqual(
    theirs.frozen.filter((name) => /conv|linear/.test(name)),
    ['conv2d_1', 'conv2d_2'],
    'the two convolutions, and no Linear, are frozen in model.py',
  );
  assert.equal(theirs.losses.length, STEPS);
  const rel = ours.map((l, k) => Math.abs(l - theirs.losses[k]) / Math.abs(theirs.losses[k]));
  assert.ok(Math.max(...rel) <= 1e-4, `relative loss difference ${Math.max(...rel).toExponential(2)}`);
  assert.ok(ours[STEPS - 1] < ours[0], 'the head learns');
  for (const [key, same] of Object.entries(theirs.unchanged))
    assert.equal(same, theirs.frozen.includes(key.split('.')[0]), `${key} ${same ? 'kept' : 'changed'}`);
});
