// The backprop, momentum, pooling, loss, initialisation and overfitting lessons: their templates'
// counts (worked out by hand from the layer sizes), the pooling claim checked numerically in
// onnxruntime, and the training settings they rely on (init, schedule, clipping, weight decay)
// reaching the trainer from the protocol.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { WeightMap } from '../../engine/index.ts';
import { analyze, exportInference, GraphBuilder, newDocument } from '../../engine/index.ts';
import { encodeModel } from '../../engine/onnx/proto.ts';
import type { TrainConfig } from '../../host/training/trainer.ts';
import { train } from '../../host/training/trainer.ts';
import { TrainingRuns } from '../../host/training/runs.ts';
import { lessonOf, lessonSchema } from '../../protocol/lesson.ts';
import type { TrainingConfig, TrainingEventMessage } from '../../protocol/training.ts';
import { trainingConfigSchema } from '../../protocol/training.ts';
import { mulberry32, randomTensor } from '../helpers/reference.ts';
import { runModel } from '../helpers/ort.ts';
import { loadTemplate, templateNames } from '../helpers/templates.ts';

const TEMPLATES = {
  // 2·3 + 3 and 3·2 + 2
  'backprop-by-hand': 17,
  // 784·100 + 100 and 100·10 + 10
  'momentum-race': 79_510,
  // one Conv2d 1 -> 4, 3x3: 4·9 + 4
  'maxpool-relu-commute': 40,
  'maxpool-gelu': 40,
  'mlp-cross-entropy': 79_510,
  'mlp-sigmoid-mse': 79_510,
  // 784·128 + 128, 128·128 + 128, 128·10 + 10
  'init-zeros': 118_282,
  'init-kaiming': 118_282,
  // 784·512 + 512, 512·512 + 512, 512·10 + 10 (the number the lesson states)
  'overfit-mlp': 669_706,
  'overfit-dropout': 669_706,
  'overfit-weight-decay': 669_706,
  // plus BatchNorm1d's scale and shift: 2·(2·512)
  'overfit-batchnorm': 669_706 + 2048,
};

test('each lesson template exists with the parameter count worked out from its layer sizes', () => {
  const names = templateNames();
  for (const [name, params] of Object.entries(TEMPLATES)) {
    assert.ok(names.includes(name), name);
    const doc = loadTemplate(name);
    assert.equal(analyze(doc.graph).totals.params, params, name);
    const lesson = lessonOf(doc.lesson);
    assert.ok(lesson, `${name} has a lesson the app can read`);
    lessonSchema.parse(doc.lesson);
    if (lesson.compare) assert.ok(names.includes(lesson.compare.template), `${name} compares to a template`);
  }
  assert.ok(loadTemplate('overfit-mlp').lesson, 'the plain overfitting lesson');
  assert.match(lessonOf(loadTemplate('overfit-mlp').lesson)!.text, /669,706/);
});

test('the lessons’ settings: zero vs Kaiming init, weight decay, the momentum race under a schedule', () => {
  const config = (name: string) => lessonOf(loadTemplate(name).lesson)!.training!.config!;
  assert.deepEqual(config('init-zeros').init, { kind: 'zeros' });
  assert.deepEqual(config('init-kaiming').init, { kind: 'kaiming' });
  assert.equal(config('overfit-weight-decay').optimizer!.weightDecay, 0.001);
  assert.equal(config('mlp-sigmoid-mse').loss, 'mse');
  assert.equal(config('mlp-cross-entropy').loss, 'cross-entropy');
  const race = lessonOf(loadTemplate('momentum-race').lesson)!;
  assert.deepEqual(
    race.race!.map((e) => e.optimizer.kind),
    ['momentum', 'heavy-ball', 'nesterov', 'sgd'],
  );
  assert.equal(race.training!.config!.schedule!.kind, 'step');
});

test('a lesson with too few race entries is not a lesson the app reads', () => {
  const lesson = lessonOf(loadTemplate('momentum-race').lesson)!;
  assert.equal(lessonOf({ ...lesson, race: lesson.race!.slice(0, 1) }), null);
});

/** The Subtract node's output for a random input, with random weights (seeded). */
async function difference(name: string, seed: number): Promise<Float32Array> {
  const doc = loadTemplate(name);
  const model = exportInference(doc, { seed });
  const x = randomTensor([1, 1, 28, 28], mulberry32(seed), 3);
  const out = await runModel(encodeModel(model), {
    [model.graph.inputs[0].name]: { dims: [1, 1, 28, 28], data: Float32Array.from(x.data) },
  });
  return Object.values(out)[0].data;
}

test('MaxPool then ReLU equals ReLU then MaxPool exactly; with GELU they differ', async () => {
  for (const seed of [1, 2, 3]) {
    const relu = await difference('maxpool-relu-commute', seed);
    assert.equal(relu.length, 4 * 14 * 14);
    assert.ok(
      relu.every((v) => v === 0),
      `seed ${seed}: max |difference| ${Math.max(...relu.map(Math.abs))}`,
    );
    const gelu = await difference('maxpool-gelu', seed);
    assert.ok(Math.max(...gelu.map(Math.abs)) > 1e-3, `seed ${seed}: GELU branches differ`);
  }
  // Pooling first: ReLU runs on a quarter of the values.
  const a = analyze(loadTemplate('maxpool-relu-commute').graph);
  const reluSizes = [...a.nodes.values()]
    .filter((n) => n.id.startsWith('relu'))
    .map((n) => (n.outputShape!.slice(1) as number[]).reduce((p, d) => p * d, 1))
    .sort((p, q) => p - q);
  assert.deepEqual(reluSizes, [784, 3136]);
});

const tinyDoc = () => {
  const b = new GraphBuilder();
  b.chain(b.input([2]), [['Linear', { out_features: 6 }], ['ReLU'], ['Linear', { out_features: 3 }]]);
  return newDocument('tiny', b.graph);
};

/** Starts one run through TrainingRuns with a trainer that records what it was handed. */
async function handedToTrainer(config: TrainingConfig, race = false) {
  const seen: { cfg: TrainConfig; initial: WeightMap; weights: WeightMap }[] = [];
  const messages: TrainingEventMessage[] = [];
  let finished = 0;
  const total = race ? 2 : 1;
  const done = new Promise<void>((resolve) => {
    const runs = new TrainingRuns({
      emit: ({ runId, events }) =>
        events.forEach((event) => {
          messages.push({ runId, event });
          if (event.event === 'finished' || event.event === 'failed') if (++finished === total) resolve();
        }),
      train: async (run) => {
        const result = await train({ ...run, config: { ...run.config, threads: 1 } });
        seen.push({ cfg: run.config, initial: run.start!.weights, weights: result.weights });
        return result;
      },
    });
    const dataset = { kind: 'synthetic', generator: 'blobs', n: 60, classes: 3, seed: 1 } as const;
    const parsed = trainingConfigSchema.parse(config);
    void (race
      ? runs.startRace(tinyDoc(), dataset, parsed, [
          { label: 'Momentum', optimizer: { kind: 'momentum' }, lr: 0.05 },
          { label: 'Heavy ball', optimizer: { kind: 'heavy-ball' }, lr: 0.05 },
        ])
      : runs.start(tinyDoc(), dataset, parsed));
  });
  await done;
  const failed = messages.find((m) => m.event.event === 'failed');
  assert.equal(failed, undefined, JSON.stringify(failed?.event));
  return { seen, messages };
}

const base: TrainingConfig = {
  epochs: 2,
  batchSize: 10,
  loss: 'cross-entropy',
  optimizer: { kind: 'momentum', momentum: 0.9, weightDecay: 0.01 },
  lr: 0.1,
  schedule: { kind: 'step', stepSize: 1, gamma: 0.5 },
  clipNorm: 2,
  init: { kind: 'zeros' },
  seed: 3,
};

test('init, schedule, clipping and weight decay go from the protocol to the trainer', async () => {
  const { seen, messages } = await handedToTrainer(base);
  const { cfg, initial } = seen[0];
  assert.deepEqual(cfg.schedule, base.schedule);
  assert.equal(cfg.clipNorm, 2);
  assert.equal(cfg.optimizer.weightDecay, 0.01);
  for (const params of initial.values()) for (const v of params.values()) assert.ok(v.every((x) => x === 0));
  // The step schedule halves the rate after each epoch, as the epoch events report.
  const lrs = messages.flatMap((m) => (m.event.event === 'epoch' ? [m.event.lr] : []));
  assert.deepEqual(lrs, [0.1, 0.05]);
});

test('a race shares the initializer and the weight decay across its entries', async () => {
  const { seen } = await handedToTrainer({ ...base, init: { kind: 'constant', value: 0.25 } }, true);
  assert.equal(seen.length, 2);
  for (const s of seen) {
    assert.equal(s.cfg.optimizer.weightDecay, 0.01);
    for (const params of s.initial.values())
      for (const v of params.values()) assert.ok(v.every((x) => x === 0.25));
  }
});

test('a symmetric start stays symmetric (zeros stay zero behind ReLU); Kaiming’s units differ', async () => {
  const hiddenRows = (w: WeightMap) => {
    const weight = w.get('linear_1')!.get('weight')!;
    return Array.from({ length: 6 }, (_, unit) => Array.from(weight.subarray(unit * 2, unit * 2 + 2)));
  };
  const zeros = (await handedToTrainer(base)).seen[0];
  for (const r of hiddenRows(zeros.weights)) assert.deepEqual(r, [0, 0]);
  const constant = (await handedToTrainer({ ...base, init: { kind: 'constant', value: 0.1 } })).seen[0];
  const rows = hiddenRows(constant.weights);
  // The constant start moved (so training happened) yet all six units moved alike.
  assert.notDeepEqual(rows[0], [0.1, 0.1]);
  for (const r of rows) assert.deepEqual(r, rows[0]);
  const kaiming = (await handedToTrainer({ ...base, init: { kind: 'kaiming' } })).seen[0];
  const k = hiddenRows(kaiming.weights);
  assert.ok(
    k.some((r) => r[0] !== k[0][0]),
    'Kaiming units differ',
  );
});

test('the protocol refuses an initializer without its number, naming the field', () => {
  const r = trainingConfigSchema.safeParse({ ...base, init: { kind: 'normal' } });
  assert.equal(r.success, false);
  assert.match(JSON.stringify(r.error!.issues[0].path), /init/);
});
