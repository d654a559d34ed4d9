// Several train steps per onnxruntime call (engine/autodiff/unroll.ts, StepSession.runMany): the
// unrolled step must give what single steps give, bit for bit, and be a valid standard ONNX model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Schedule, WeightMap } from '../../engine/index.ts';
import type { Dataset } from '../../engine/data/index.ts';
import {
  analyze,
  compileTrainStep,
  GraphBuilder,
  learningRate,
  newDocument,
  oneHotTargets,
  resolveWeights,
  stepsPerCallFor,
  trainStepFlops,
  unrollTrainStep,
  withBatch,
} from '../../engine/index.ts';
import { createRng } from '../../engine/data/index.ts';
import { encodeModel } from '../../engine/onnx/index.ts';
import { StepSession, type StepInput, type StepResult } from '../../host/training/session.ts';
import { train } from '../../host/training/trainer.ts';
import { needTorch, runPython } from '../helpers/python.ts';
import { loadTemplate } from '../helpers/templates.ts';

const batch = 8;

/** Linear, BatchNorm (a written buffer), ReLU, Dropout (per-step masks), Linear; Adam. */
function setup() {
  const b = new GraphBuilder();
  b.chain(b.input([6]), [
    ['Linear', { out_features: 5 }],
    ['BatchNorm1d'],
    ['ReLU'],
    ['Dropout', { p: 0.3 }],
    ['Linear', { out_features: 3 }],
  ]);
  const step = compileTrainStep(b.graph, {
    batchSize: batch,
    loss: 'cross-entropy',
    optimizer: { kind: 'adam' },
  });
  const weights = resolveWeights(analyze(withBatch(b.graph, batch)), undefined, 1);
  return { step, weights };
}

/** Step i's batch and learning rate: a different batch each step, a cosine schedule over `total` steps. */
function stepInput(
  nodeId: string,
  i: number,
  total: number,
  schedule: Schedule = { kind: 'cosine' },
): StepInput {
  const rng = createRng(100 + i);
  const x = Float32Array.from({ length: batch * 6 }, () => rng.normal());
  const target = oneHotTargets(
    Int32Array.from({ length: batch }, () => rng.int(3)),
    3,
  );
  return { data: new Map([[nodeId, x]]), target, hyper: { lr: learningRate(0.05, schedule, i, 0, total) } };
}

const flat = (w: WeightMap) =>
  [...w].flatMap(([id, m]) => [...m].map(([p, v]) => [`${id}.${p}`, Array.from(v)]));

test('K = 4 steps per call: after 10 steps (two blocks and two single steps) the parameters, buffers and Adam state are bit for bit those of 10 single steps', async () => {
  const { step, weights } = setup();
  const N = 10;
  const inputs = Array.from({ length: N }, (_, i) => stepInput(step.dataInputs[0].nodeId, i, N));
  const single = await StepSession.create(step, weights, { seed: 3 });
  const unrolled = await StepSession.create(step, weights, { seed: 3, stepsPerCall: 4 });
  assert.equal(unrolled.stepsPerCall, 4);
  const perStep = (r: StepResult) => [r.loss, [...r.prediction], [...r.gradSquares]];
  const singles: unknown[] = [];
  for (const x of inputs) singles.push(perStep(await single.run(x.data, x.target, x.hyper)));
  const blocks: unknown[] = [];
  for (let i = 0; i < N; i += 4)
    for (const r of await unrolled.runMany(inputs.slice(i, i + 4))) blocks.push(perStep(r));
  assert.deepEqual(blocks, singles, "every step's loss, prediction and gradient norms");
  assert.equal(unrolled.steps, N);
  assert.equal(unrolled.calls, 4, 'two blocks of 4, then the remainder one step per call');
  assert.deepEqual(flat(unrolled.weights()), flat(single.weights()));
  const a = unrolled.exportState();
  const b = single.exportState();
  for (const s of step.state)
    assert.deepEqual(Array.from(a.tensors[s.input]), Array.from(b.tensors[s.input]), s.input);
  await single.release();
  await unrolled.release();
});

test('the unrolled step passes the ONNX checker (full check, with shape inference)', (t) => {
  if (!needTorch(t)) return;
  const { step } = setup();
  const dir = mkdtempSync(join(tmpdir(), 'nw-unroll-'));
  try {
    const file = join(dir, 'unrolled.onnx');
    writeFileSync(file, encodeModel(unrollTrainStep(step, 3).model));
    const out = runPython(
      'import onnx, sys\nm = onnx.load(sys.argv[1])\nonnx.checker.check_model(m, full_check=True)\nprint(len(m.graph.node), len(m.graph.input), len(m.graph.output))',
      [file],
    ).stdout.trim();
    const [nodes, inputs, outputs] = out.split(' ').map(Number);
    assert.ok(nodes > 3 * step.model.graph.nodes.length, `${nodes} nodes`);
    assert.equal(outputs, step.model.graph.outputs.length);
    assert.ok(inputs > step.model.graph.inputs.length, `${inputs} inputs`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a run diverging inside a block of 4 stops at the same step, with the same message and kept weights, as one step per call', async () => {
  const b = new GraphBuilder();
  b.chain(b.input([6]), [['Linear', { out_features: 16 }], ['ReLU'], ['Linear', { out_features: 3 }]]);
  const doc = newDocument('diverging', b.graph);
  const rng = createRng(5);
  // 250 samples in batches of 8: 31 steps per epoch, so the blocks restart at every epoch and each
  // epoch ends with 3 single steps.
  const n = 250;
  const set: Dataset = {
    name: 'noise',
    inputShape: [6],
    numClasses: 3,
    x: Float32Array.from({ length: n * 6 }, () => rng.normal()),
    y: Int32Array.from({ length: n }, () => rng.int(3)),
    length: n,
  };
  const runWith = async (stepsPerCall: number) => {
    const starts: number[] = [];
    const r = await train({
      doc,
      data: { train: set },
      config: {
        epochs: 3,
        batchSize: 8,
        loss: 'cross-entropy',
        optimizer: { kind: 'momentum', momentum: 0.9 },
        lr: 12,
        stepsPerCall,
      },
      onEvent: (e) => {
        if (e.event === 'start') starts.push(e.stepsPerCall);
      },
    });
    assert.deepEqual(starts, [stepsPerCall]);
    return r;
  };
  const one = await runWith(1);
  const four = await runWith(4);
  assert.equal(one.stopped, 'diverged');
  const step = one.divergence!.step;
  // Blocks start at each epoch's first step (31 per epoch). Make sure this one fails at least two
  // steps into a block, after a block that ran as one call: K = 1 then keeps weights that only
  // single steps inside the block had.
  const inEpoch = step % 31;
  assert.ok(inEpoch >= 4 && inEpoch % 4 >= 2 && inEpoch < 28, `diverged at step ${step}`);
  assert.deepEqual(four.divergence, one.divergence);
  assert.equal(four.message, one.message);
  assert.deepEqual(flat(four.weights), flat(one.weights));
  const epochSums = (r: typeof one) =>
    r.history.map((e) => [e.trainLoss, e.trainAccuracy, e.gradNorms, e.weightNorms]);
  assert.deepEqual(epochSums(four), epochSums(one), 'the first epoch, before the divergence');
});

test('a block whose third step blows the weights up is replayed one step at a time: lastGoodWeights() and the results are those of single steps', async () => {
  const { step, weights } = setup();
  const inputs = Array.from({ length: 8 }, (_, i) =>
    stepInput(step.dataInputs[0].nodeId, i, 8, { kind: 'constant' }),
  );
  // Step 6 (the third of the second block) overflows every parameter; step 7's loss is then not finite.
  inputs[6] = { ...inputs[6], hyper: { lr: 1e30 } };
  const single = await StepSession.create(step, weights, { seed: 3 });
  const blocks = await StepSession.create(step, weights, { seed: 3, stepsPerCall: 4 });
  const singles: number[] = [];
  for (const x of inputs) {
    singles.push((await single.run(x.data, x.target, x.hyper)).loss);
    if (!Number.isFinite(singles.at(-1)!)) break;
  }
  assert.equal(singles.length, 8, `the loss failed at step ${singles.length - 1}, not 7`);
  const losses = [
    ...(await blocks.runMany(inputs.slice(0, 4))),
    ...(await blocks.runMany(inputs.slice(4))),
  ].map((r) => r.loss);
  assert.deepEqual(losses, singles);
  assert.equal(
    blocks.calls,
    1 + 1 + 4,
    'the first block as one call; the second tried as one, then replayed',
  );
  assert.deepEqual(flat(blocks.lastGoodWeights()), flat(single.lastGoodWeights()));
  assert.notDeepEqual(flat(blocks.lastGoodWeights()), flat(blocks.weights()));
  await single.release();
  await blocks.release();
});

test('the rule: 4 steps per call for the reference MLP, where the returned parameters cost a noticeable part of a step; 1 for LeNet-5, mini-VGG and the small sequence templates', () => {
  const chosen = (template: string, batch: number) => {
    const graph = loadTemplate(template).graph;
    const step = compileTrainStep(graph, {
      batchSize: batch,
      loss: 'cross-entropy',
      optimizer: { kind: 'momentum' },
    });
    return stepsPerCallFor(step, trainStepFlops(graph).flopsPerSample * batch);
  };
  assert.deepEqual(
    [
      chosen('mlp', 200),
      chosen('mlp', 2000),
      chosen('lenet5', 128),
      chosen('mini-vgg', 128),
      chosen('char-lstm', 32),
    ],
    [4, 1, 1, 1, 1],
  );
});
