// The batch split across threads (engine/autodiff/splitStep.ts, host/training/split*.ts): each
// part's gradients on its own thread, then one update. Against the whole step (itself checked
// against PyTorch elsewhere) for every optimizer form, and against PyTorch's train.py directly.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Graph, OptimizerConfig, TrainStepOptions, WeightMap } from '../../engine/index.ts';
import {
  analyze,
  compileSplitStep,
  compileTrainStep,
  GraphBuilder,
  oneHotTargets,
  resolveWeights,
  splitRefusal,
  withBatch,
} from '../../engine/index.ts';
import { createRng } from '../../engine/data/index.ts';
import { encodeModel } from '../../engine/onnx/index.ts';
import { exportPytorchProject } from '../../engine/export/pytorch/project.ts';
import { writePytorchProject } from '../../host/pytorchProject.ts';
import { StepSession, type StepResult } from '../../host/training/session.ts';
import { SplitPartner } from '../../host/training/splitPartner.ts';
import { MAX_SPLIT_PARAM_BYTES, MIN_PART_BATCH, splitFor } from '../../host/training/splitRunner.ts';
import { train, type TrainConfig, type TrainEvent } from '../../host/training/trainer.ts';
import { lenetWithWeights, mnistSubset, trainPyCases } from '../helpers/mnistSubset.ts';
import { needTorch, runPython, runPythonJson } from '../helpers/python.ts';
import { tempDir } from '../helpers/tempDir.ts';

const dir = tempDir('netwright-split-');
after(() => rmSync(dir, { recursive: true, force: true }));

const BATCH = 8;

/** Conv, ReLU, MaxPool, Dropout (per-step masks split by rows), Flatten, Linear. */
function convNet(): Graph {
  const b = new GraphBuilder();
  b.chain(b.input([2, 8, 8]), [
    ['Conv2d', { out_channels: 4, kernel_size: 3, padding: 1 }],
    ['ReLU'],
    ['MaxPool2d', { kernel_size: 2 }],
    ['Dropout', { p: 0.25 }],
    ['Flatten'],
    ['Linear', { out_features: 3 }],
  ]);
  return b.graph;
}

function batchAt(i: number, batch = BATCH) {
  const rng = createRng(40 + i);
  const x = Float32Array.from({ length: batch * 2 * 64 }, () => rng.normal());
  const target = oneHotTargets(
    Int32Array.from({ length: batch }, () => rng.int(3)),
    3,
  );
  return { x, target };
}

/** The conv net's step as a whole and split in two, from the same weights and mask seed. */
async function sessionPair(optimizer: OptimizerConfig, clipNorm: number | undefined, seed: number) {
  const graph = convNet();
  const settings: TrainStepOptions = { batchSize: BATCH, loss: 'cross-entropy', optimizer, clipNorm };
  const step = compileTrainStep(graph, settings);
  const weights = resolveWeights(analyze(withBatch(graph, BATCH)), undefined, seed);
  const whole = await StepSession.create(step, weights, { seed });
  const split = await StepSession.create(step, weights, {
    seed,
    split: compileSplitStep(graph, settings, 2, step),
  });
  return { step, weights, whole, split };
}

const values = (w: WeightMap) =>
  [...w].flatMap(([id, m]) => [...m].map(([p, v]) => [`${id}.${p}`, v] as const));

/** max |a - b| over max |b|: float rounding in a different order of sums stays near 1e-7. */
function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    worst = Math.max(worst, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return worst / (scale || 1);
}

/** Label, optimizer, learning rate, gradient clipping. */
const OPTIMIZERS: [string, OptimizerConfig, number, number?][] = [
  ['momentum with weight decay', { kind: 'momentum', weightDecay: 0.01 }, 0.05],
  ['nesterov', { kind: 'nesterov' }, 0.05],
  ['heavy-ball', { kind: 'heavy-ball' }, 0.05],
  ['adam, gradient clipping at 0.05', { kind: 'adam' }, 0.01, 0.05],
  ['adamw', { kind: 'adamw' }, 0.01],
  ['rmsprop', { kind: 'rmsprop' }, 0.002],
  ['adagrad', { kind: 'adagrad' }, 0.05],
];

for (const [label, optimizer, lr, clipNorm] of OPTIMIZERS)
  test(`split in two, ${label}: 4 steps give the whole step's losses, predictions, gradient norms, parameters and optimizer state`, async () => {
    const { step, weights, whole, split } = await sessionPair(optimizer, clipNorm, 2);
    try {
      assert.equal(split.parts, 2);
      const nodeId = step.dataInputs[0].nodeId;
      for (let i = 0; i < 4; i++) {
        const { x, target } = batchAt(i);
        const hyper = { lr };
        const a: StepResult = await whole.run(new Map([[nodeId, x]]), target, hyper);
        const b: StepResult = await split.run(new Map([[nodeId, x]]), target, hyper);
        assert.ok(relDiff([b.loss], [a.loss]) < 1e-5, `step ${i} loss ${b.loss} vs ${a.loss}`);
        assert.ok(
          relDiff(b.prediction, a.prediction) < 1e-5,
          `step ${i} prediction: ${relDiff(b.prediction, a.prediction)}`,
        );
        assert.deepEqual([...b.gradSquares.keys()], [...a.gradSquares.keys()]);
        for (const [id, sq] of a.gradSquares)
          assert.ok(relDiff([b.gradSquares.get(id)!], [sq]) < 1e-4, `step ${i} ${id} gradient norm`);
      }
      const [sa, sb] = [whole.exportState(), split.exportState()];
      assert.equal(sb.step, 4);
      assert.deepEqual(Object.keys(sb.tensors).sort(), Object.keys(sa.tensors).sort());
      for (const [name, v] of Object.entries(sa.tensors))
        assert.ok(relDiff(sb.tensors[name], v) < 1e-5, `${name}: ${relDiff(sb.tensors[name], v)}`);
      // The loss fell: equal trajectories that went nowhere would prove little.
      const { x, target } = batchAt(0);
      const again = await split.run(new Map([[nodeId, x]]), target, { lr: 0 });
      const fresh = await StepSession.create(step, weights, { seed: 2 });
      const first = await fresh.run(new Map([[nodeId, x]]), target, { lr: 0 });
      await fresh.release();
      assert.ok(again.loss < first.loss, `loss ${first.loss} -> ${again.loss}`);
    } finally {
      await Promise.all([whole.release(), split.release()]);
    }
  });

test('a split run that diverges falls back to the same last good weights as the whole step', async () => {
  const { step, whole, split } = await sessionPair({ kind: 'sgd' }, undefined, 1);
  try {
    const nodeId = step.dataInputs[0].nodeId;
    const finiteSteps = async (s: StepSession) => {
      for (let i = 0; i < 40; i++) {
        const { x, target } = batchAt(i);
        const r = await s.run(new Map([[nodeId, x]]), target, { lr: 1e8 });
        if (!Number.isFinite(r.loss)) return i;
      }
      return -1;
    };
    const [na, nb] = [await finiteSteps(whole), await finiteSteps(split)];
    assert.ok(na > 0, `the whole step diverged (at step ${na})`);
    assert.equal(nb, na);
    const good = new Map(values(whole.lastGoodWeights()));
    for (const [name, v] of values(split.lastGoodWeights())) {
      assert.ok(v.every(Number.isFinite), `${name} is finite`);
      assert.ok(relDiff(v, good.get(name)!) < 1e-3, name);
    }
  } finally {
    await Promise.all([whole.release(), split.release()]);
  }
});

test('what can and cannot be split, and when the trainer splits', () => {
  const graph = convNet();
  const sgd: OptimizerConfig = { kind: 'sgd' };
  const step = compileTrainStep(graph, { batchSize: BATCH, loss: 'cross-entropy', optimizer: sgd });
  assert.equal(splitRefusal(step, 2), null);
  assert.match(splitRefusal(step, 3)!, /batch of 8 does not split into 3 equal parts/);
  assert.match(splitRefusal(step, 1)!, /at least two parts/);
  const gradientsOnly = compileTrainStep(graph, { batchSize: BATCH, loss: 'cross-entropy' });
  assert.match(splitRefusal(gradientsOnly, 2)!, /only a step with an optimizer/);
  const b = new GraphBuilder();
  b.chain(b.input([2, 8, 8]), [
    ['Conv2d', { out_channels: 4, kernel_size: 3 }],
    ['BatchNorm2d'],
    ['Flatten'],
    ['Linear', { out_features: 3 }],
  ]);
  const bn = compileTrainStep(b.graph, { batchSize: BATCH, loss: 'cross-entropy', optimizer: sgd });
  assert.match(splitRefusal(bn, 2)!, /batch normalisation/);
  assert.throws(
    () => compileSplitStep(b.graph, { batchSize: BATCH, loss: 'cross-entropy', optimizer: sgd }),
    /batch normalisation/,
  );

  // The trainer's rule: two threads, a convolution, at least MIN_PART_BATCH samples per part, the CPU.
  const big = MIN_PART_BATCH * 2;
  const settings: TrainStepOptions = { batchSize: big, loss: 'cross-entropy', optimizer: sgd };
  const bigStep = compileTrainStep(graph, settings);
  assert.equal(splitFor(graph, settings, bigStep, 2)?.parts, 2);
  assert.equal(splitFor(graph, settings, bigStep, 1), undefined);
  assert.equal(splitFor(graph, settings, bigStep, 2, 'cuda'), undefined);
  const small = { ...settings, batchSize: big - 2 };
  assert.equal(splitFor(graph, small, compileTrainStep(graph, small), 2), undefined);
  const mlp = new GraphBuilder();
  mlp.chain(mlp.input([10]), [['Linear', { out_features: 8 }], ['ReLU'], ['Linear', { out_features: 3 }]]);
  assert.equal(splitFor(mlp.graph, settings, compileTrainStep(mlp.graph, settings), 2), undefined);
  // Parameters past MAX_SPLIT_PARAM_BYTES: the split's two more copies of them would cost too much.
  const wide = new GraphBuilder();
  const features = Math.ceil(MAX_SPLIT_PARAM_BYTES / 4 / (4 * 6 * 6)) + 1;
  wide.chain(wide.input([2, 8, 8]), [
    ['Conv2d', { out_channels: 4, kernel_size: 3 }],
    ['Flatten'],
    ['Linear', { out_features: features }],
  ]);
  const wideStep = compileTrainStep(wide.graph, settings);
  assert.equal(splitRefusal(wideStep, 2), null);
  assert.equal(splitFor(wide.graph, settings, wideStep, 2), undefined);
});

test('the update model passes the ONNX checker (full check, with shape inference)', (t) => {
  if (!needTorch(t)) return;
  const graph = convNet();
  const split = compileSplitStep(graph, {
    batchSize: BATCH,
    loss: 'cross-entropy',
    optimizer: { kind: 'adam' },
    clipNorm: 1,
  });
  const folder = mkdtempSync(join(tmpdir(), 'nw-split-'));
  try {
    const files = ['update', 'gradient'].map((n) => join(folder, `${n}.onnx`));
    writeFileSync(files[0], encodeModel(split.update.model));
    writeFileSync(files[1], encodeModel(split.gradient.model));
    const out = runPython(
      'import onnx, sys\nfor f in sys.argv[1:]:\n    m = onnx.load(f)\n    onnx.checker.check_model(m, full_check=True)\n    print(len(m.graph.node))',
      files,
    ).stdout.trim();
    const [updateNodes, gradientNodes] = out.split('\n').map(Number);
    assert.ok(updateNodes > 10 && gradientNodes > 10, out);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test('a partner thread that cannot build its session says so', async () => {
  const graph = convNet();
  const split = compileSplitStep(graph, {
    batchSize: BATCH,
    loss: 'cross-entropy',
    optimizer: { kind: 'sgd' },
  });
  await assert.rejects(
    SplitPartner.start(split.gradient, new Uint8Array([1, 2, 3, 4])),
    /The second training thread failed: .*/,
  );
});

const STEPS = 6;
const BIG_BATCH = 128;

const RUN_CASES = trainPyCases(STEPS * BIG_BATCH, BIG_BATCH);

test('LeNet-5 at batch 128 on two threads trains split in two, with train.py’s per-step losses', async (t) => {
  if (!needTorch(t)) return;
  const doc = lenetWithWeights();
  const project = join(dir, 'lenet5');
  await writePytorchProject(project, exportPytorchProject(doc));
  const data = join(dir, 'mnist');
  const sets = await mnistSubset(data, STEPS * BIG_BATCH, 64);
  const cases = [
    { optimizer: 'momentum' as const, lr: 0.05, weightDecay: 5e-3, schedule: 'constant' },
    { optimizer: 'adam' as const, lr: 0.002, weightDecay: 0, schedule: 'constant' },
  ];
  const ours: number[][] = [];
  for (const c of cases) {
    const cfg: TrainConfig = {
      epochs: 1,
      batchSize: BIG_BATCH,
      loss: 'cross-entropy',
      optimizer: { kind: c.optimizer, weightDecay: c.weightDecay },
      lr: c.lr,
      seed: 0,
      shuffle: false,
      stepEvery: 1,
      threads: 2,
    };
    const losses: number[] = [];
    let parts: number | undefined;
    await train({
      doc,
      data: sets,
      config: cfg,
      onEvent: (e: TrainEvent) => {
        if (e.event === 'start') parts = e.parts;
        if (e.event === 'step') losses.push(e.loss);
      },
    });
    assert.equal(parts, 2, `${c.optimizer}: the batch was split across the two threads`);
    ours.push(losses);
  }
  const theirs = runPythonJson<number[][]>(RUN_CASES, [
    project,
    data,
    JSON.stringify(cases),
    join(dir, 'checkpoint.pt'),
  ]);
  cases.forEach((c, i) => {
    assert.equal(ours[i].length, STEPS);
    const rel = ours[i].map((l, k) => Math.abs(l - theirs[i][k]) / Math.abs(theirs[i][k]));
    const max = Math.max(...rel);
    assert.ok(
      max <= 1e-4,
      `${c.optimizer}: relative loss difference ${max.toExponential(2)} at step ${rel.indexOf(max) + 1}`,
    );
    assert.ok(
      ours[i].at(-1)! < ours[i][0],
      `${c.optimizer}: the loss falls (${ours[i][0]} -> ${ours[i].at(-1)})`,
    );
    t.diagnostic(`${c.optimizer}: max relative per-step loss difference ${max.toExponential(2)}`);
  });
});
