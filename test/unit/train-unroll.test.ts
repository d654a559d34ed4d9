// Several train steps per onnxruntime call (engine/autodiff/unroll.ts, StepSession.runMany): the
// unrolled step must give what single steps give, bit for bit, and be a valid standard ONNX model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Schedule, WeightMap } from '../../engine/index.ts';
import {
  analyze,
  compileTrainStep,
  GraphBuilder,
  learningRate,
  oneHotTargets,
  resolveWeights,
  unrollTrainStep,
  withBatch,
} from '../../engine/index.ts';
import { createRng } from '../../engine/data/index.ts';
import { encodeModel } from '../../engine/onnx/index.ts';
import { StepSession, type StepInput, type StepResult } from '../../host/training/session.ts';
import { needTorch, runPython } from '../helpers/python.ts';

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
