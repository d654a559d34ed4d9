// The Training panel's logic without a browser: following a run from its events, progress and
// time left, the curves and CSV, the drawing pad's MNIST preprocessing, badge colours, lessons.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readdirSync, readFileSync } from 'node:fs';
import { GraphBuilder, newDocument, parseDocument } from '../../engine/index.ts';
import { lessonOf, lessonSchema } from '../../protocol/lesson.ts';
import type { TrainingEvent, TrainingEventMessage } from '../../protocol/training.ts';
import { trainingConfigSchema, trainingDatasetSchema } from '../../protocol/training.ts';
import { raceActive, raceRejected, raceRequested, raceStarted } from '../../renderer/training/race/race.ts';
import { createAppStore } from '../../renderer/state/store.ts';
import type { TrainingRun } from '../../renderer/training/trainingState.ts';
import {
  applyTrainingEvent,
  defaultSetup,
  hasWeights,
  idleRun,
  progressOf,
  receiveTrainingMessage,
  runRequested,
  runStarted,
} from '../../renderer/training/trainingState.ts';
import {
  accuracyCurves,
  curvesCsv,
  gradientByLayer,
  gradientCurves,
  lossCurves,
  raceAccuracyCurves,
  raceLossCurves,
  smooth,
} from '../../renderer/training/curves.ts';
import { centreOfMass, toMnistInput } from '../../renderer/training/tryIt/digitInput.ts';
import {
  formatSci,
  GRAD_SCALE,
  logPosition,
  logTick,
  scaleColor,
  viridis,
} from '../../renderer/components/gradientColor.ts';

const info = { runId: 'run-abc123', trainSamples: 64, testSamples: 16, stepsPerEpoch: 2 };
const epoch = (n: number, g1: number, g2: number): TrainingEvent => ({
  event: 'epoch',
  epoch: n,
  trainLoss: 2 - n * 0.5,
  trainAccuracy: 0.3 * n,
  testLoss: 2.1 - n * 0.5,
  testAccuracy: 0.25 * n,
  samplesPerSecond: 100,
  gradNorms: { a: g1, b: g2 },
  weightNorms: { a: 1, b: 2 },
  updateRatios: { a: 0.01, b: null },
  lr: 0.1,
});

/** A run followed through baseline, start, four steps and two epochs. */
function followedRun(): TrainingRun {
  let run = runStarted(runRequested({ ...defaultSetup.config, epochs: 2 }), info, 0);
  const events: TrainingEvent[] = [
    { event: 'baseline', trainLoss: 2.3, trainAccuracy: 0.1, testLoss: 2.31, testAccuracy: 0.09 },
    { event: 'start', steps: 4, memoryBytes: 1000, parameters: 10 },
    { event: 'step', epoch: 0, step: 1, loss: 2.2, samplesPerSecond: 50, accuracy: 0.2 },
    { event: 'step', epoch: 0, step: 2, loss: 1.9, samplesPerSecond: 50, accuracy: 0.3 },
    epoch(1, 1e-6, 0.5),
    { event: 'step', epoch: 1, step: 3, loss: 1.2, samplesPerSecond: 60 },
    { event: 'step', epoch: 1, step: 4, loss: 0.9, samplesPerSecond: 60, accuracy: 0.6 },
    epoch(2, 2e-6, 0.4),
    { event: 'finished', reason: 'completed', message: 'done', seconds: 1 },
  ];
  events.forEach((e, i) => (run = applyTrainingEvent(run, e, 1000 + i * 1000)));
  return run;
}

describe('When the panel follows a run from its events', () => {
  it('holds events that arrive before the run is named, and ignores other runs', () => {
    let run = runRequested(defaultSetup.config);
    const early: TrainingEventMessage = {
      runId: 'run-abc123',
      event: { event: 'baseline', trainLoss: 2.3, trainAccuracy: 0.1, testLoss: 2.3, testAccuracy: 0.1 },
    };
    run = receiveTrainingMessage(run, early, 0);
    assert.equal(run.early.length, 1);
    run = runStarted(run, info, 0);
    assert.equal(run.early.length, 0);
    assert.equal(run.epochs[0].epoch, 0);
    assert.equal(run.status, 'running');
    const other = receiveTrainingMessage(run, { ...early, runId: 'run-other' }, 0);
    assert.equal(other, run);
  });

  it('builds epoch 0 from the baseline, the curves from steps and epochs, and ends with the weights usable', () => {
    const run = followedRun();
    assert.equal(run.status, 'completed');
    assert.ok(hasWeights(run));
    assert.deepEqual(
      run.epochs.map((e) => e.epoch),
      [0, 1, 2],
    );
    const loss = lossCurves(run);
    // x in epochs: steps 1..4 at 0.5..2, epochs at 0, 1, 2.
    assert.deepEqual(loss.x, [0, 0.5, 1, 1.5, 2]);
    assert.deepEqual(loss.series[0], [null, 2.2, 1.9, 1.2, 0.9]);
    assert.deepEqual(loss.series[2], [2.31, null, 1.6, null, 1.1]);
    const acc = accuracyCurves(run);
    assert.deepEqual(acc.series[2], [9, null, 25, null, 50]);
    assert.deepEqual(acc.series[0], [null, 20, 30, null, 60]);
    assert.deepEqual(gradientCurves(run, ['a', 'b']), {
      x: [1, 2],
      series: [
        [1e-6, 2e-6],
        [0.5, 0.4],
      ],
    });
    const byLayer = gradientByLayer(run, ['a', 'b']);
    assert.deepEqual(byLayer.epochs, [1, 2]);
    assert.deepEqual(byLayer.curves, {
      x: [1, 2],
      series: [
        [1e-6, 0.5],
        [2e-6, 0.4],
      ],
    });
  });

  it('estimates the time left from the pace so far', () => {
    const run: TrainingRun = {
      ...idleRun,
      status: 'running',
      info,
      config: defaultSetup.config,
      totalSteps: 100,
      step: 25,
      startedAt: 0,
    };
    const p = progressOf(run, 10_000);
    assert.equal(p.fraction, 0.25);
    assert.equal(p.secondsLeft, 30);
    assert.equal(p.epoch, 2); // 2 steps per epoch: step 25 is in epoch 13, capped at the run's 2
    assert.equal(progressOf({ ...run, step: 0 }, 10_000).secondsLeft, null);
    assert.equal(progressOf(followedRun(), 99_000).fraction, 1);
  });

  it('writes every point as CSV, with each layer’s gradient norm and update ratio on epoch rows', () => {
    const csv = curvesCsv(followedRun(), [
      { id: 'a', name: 'conv, "first"' },
      { id: 'b', name: 'fc' },
    ]).split('\n');
    assert.equal(
      csv[0],
      'kind,epoch,step,train_loss,train_accuracy,test_loss,test_accuracy,"grad_norm:conv, ""first""","update_ratio:conv, ""first""",grad_norm:fc,update_ratio:fc',
    );
    assert.equal(csv[1], 'epoch,0,0,2.3,0.1,2.31,0.09,,,,');
    assert.equal(csv[2], 'step,0.5,1,2.2,0.2,,,,,,');
    assert.equal(csv[4], 'epoch,1,2,1.5,0.3,1.6,0.25,0.000001,0.01,0.5,');
    assert.equal(csv.at(-2), 'epoch,2,4,1,0.6,1.1,0.5,0.000002,0.01,0.4,');
  });
});

describe('When the panel follows an optimizer race', () => {
  const entries = [
    { label: 'SGD', optimizer: { kind: 'sgd' as const }, lr: 0.1 },
    { label: 'Adam', optimizer: { kind: 'adam' as const }, lr: 0.001 },
  ];
  const result = {
    runs: [
      { runId: 'run-a1', label: 'SGD' },
      { runId: 'run-b2', label: 'Adam' },
    ],
    trainSamples: 64,
    testSamples: 16,
    stepsPerEpoch: 2,
  };
  const step = (runId: string, n: number, loss: number): TrainingEventMessage => ({
    runId,
    event: { event: 'step', epoch: 0, step: n, loss, samplesPerSecond: 1 },
  });

  it('routes each run’s events to its lane, including those that came before the reply', () => {
    const store = createAppStore();
    const { actions } = store.getState();
    actions.raceRequested(entries, defaultSetup.config);
    assert.ok(raceActive(store.getState().race));
    actions.receiveTraining(step('run-b2', 1, 2.0)); // early
    actions.raceStarted(result);
    actions.receiveTraining(step('run-a1', 1, 2.3));
    actions.receiveTraining(step('run-b2', 2, 1.0));
    actions.receiveTraining(step('run-zz', 1, 9)); // not ours
    const race = store.getState().race!;
    assert.deepEqual(
      race.lanes.map((l) => [l.entry.label, l.run.config?.optimizer.kind, l.run.steps.map((s) => s.loss)]),
      [
        ['SGD', 'sgd', [2.3]],
        ['Adam', 'adam', [2.0, 1.0]],
      ],
    );
    assert.equal(store.getState().training.status, 'idle'); // the single run is untouched
    const loss = raceLossCurves(race.lanes, 0.5);
    assert.deepEqual(loss.x, [0.5, 1]);
    assert.deepEqual(loss.series, [
      [2.3, null],
      [2.0, 1.5],
    ]);
    assert.deepEqual(raceAccuracyCurves(race.lanes), { x: [], series: [[], []] });
  });

  it('a refused race ends every lane, and smoothing keeps gaps', () => {
    const race = raceRejected(raceStarted(raceRequested(entries, defaultSetup.config), result, 0), 'busy', 1);
    assert.ok(race.lanes.every((l) => l.run.status === 'failed'));
    assert.equal(race.message, 'busy');
    assert.equal(raceActive(race), false);
    assert.deepEqual(smooth([1, null, 3], 0.5), [1, null, 2]);
  });
});

describe('When the store loads a document with a lesson', () => {
  it('starts a fresh run, takes the lesson’s settings and shows the lesson', () => {
    const store = createAppStore();
    const { actions } = store.getState();
    actions.trainingRequested(defaultSetup.config);
    const b = new GraphBuilder();
    b.chain(b.input([2]), [['Linear', { out_features: 3 }]]);
    const dataset = { kind: 'synthetic' as const, generator: 'spiral' as const, n: 300, classes: 3 };
    actions.loadDocument({
      ...newDocument('Spiral', b.graph),
      lesson: { title: 'Spirals', text: 'Separate the arms.', training: { dataset, config: { lr: 0.5 } } },
    });
    const s = store.getState();
    assert.equal(s.training.status, 'idle');
    assert.ok(s.lessonOpen);
    assert.deepEqual(s.trainingSetup.dataset, dataset);
    assert.equal(s.trainingSetup.config.lr, 0.5);
    assert.equal(s.trainingSetup.config.optimizer.kind, defaultSetup.config.optimizer.kind);
    actions.loadDocument(newDocument('Plain', b.graph));
    assert.equal(store.getState().lessonOpen, false);
    assert.deepEqual(store.getState().trainingSetup.dataset, dataset); // kept from before
  });
});

describe('When a drawing becomes an MNIST input', () => {
  const blank = (size: number) => new Float32Array(size * size);

  it('scales the ink to a 20-pixel box and moves its centre of mass to the middle', () => {
    const size = 100;
    const img = blank(size);
    for (let y = 5; y < 45; y++) for (let x = 5; x < 25; x++) img[y * size + x] = 1; // a 20x40 bar, top left
    const out = toMnistInput(img, size);
    let [m, mx, my, top, bottom] = [0, 0, 0, 28, -1];
    for (let y = 0; y < 28; y++)
      for (let x = 0; x < 28; x++) {
        const v = out[y * 28 + x];
        m += v;
        mx += v * (x + 0.5);
        my += v * (y + 0.5);
        if (v > 0.5) [top, bottom] = [Math.min(top, y), Math.max(bottom, y)];
      }
    assert.ok(Math.abs(mx / m - 14) <= 0.5 && Math.abs(my / m - 14) <= 0.5, `${mx / m}, ${my / m}`);
    assert.equal(bottom - top + 1, 20); // the tall side fills 20 pixels
    assert.ok(Math.max(...out) <= 1 && Math.min(...out) >= 0);
  });

  it('leaves an empty pad empty, and an already centred image where it is', () => {
    assert.ok(toMnistInput(blank(50), 50).every((v) => v === 0));
    const dot = new Float32Array(784);
    dot[14 * 28 + 13] = dot[13 * 28 + 13] = dot[13 * 28 + 14] = dot[14 * 28 + 14] = 1;
    assert.deepEqual(centreOfMass(dot), dot);
  });
});

describe('When badges and axes show gradient sizes', () => {
  it('maps a log scale to viridis, dark for vanishing and light for large, with readable text', () => {
    assert.equal(logPosition(1e-8, GRAD_SCALE), 0);
    assert.equal(logPosition(10, GRAD_SCALE), 1);
    assert.equal(logPosition(0, GRAD_SCALE), 0);
    assert.deepEqual(viridis(0), [68, 1, 84]);
    assert.deepEqual(viridis(1), [253, 231, 37]);
    assert.equal(scaleColor(1e-7, GRAD_SCALE).color, '#fff');
    assert.equal(scaleColor(5, GRAD_SCALE).color, '#111');
  });

  it('writes small and large numbers compactly', () => {
    assert.equal(formatSci(0.000123), '1.2e-4');
    assert.equal(formatSci(0.5), '0.50');
    assert.equal(formatSci(12.34), '12.3');
    assert.equal(formatSci(null), '–');
    assert.deepEqual([1e-7, 0.001, 0.1, 1, 10, 1e4].map(logTick), ['1e-7', '1e-3', '0.1', '1', '10', '1e4']);
  });
});

describe('When lessons ship with the templates', () => {
  const dir = 'assets/templates';
  const withLessons = readdirSync(dir)
    .filter((f) => f.endsWith('.netwright.json'))
    .map((f) => ({ file: f, doc: parseDocument(readFileSync(`${dir}/${f}`, 'utf8')) }))
    .filter((t) => t.doc.lesson);

  it('the six lessons of issue 6 are there, each readable by the app', () => {
    const titles = withLessons.map((t) => lessonOf(t.doc.lesson)?.title);
    for (const t of [
      'LeNet-5 on MNIST',
      'Vanishing gradients',
      'Receptive fields of a conv/pool stack',
      'Inception: naive vs 1×1 bottlenecks',
      'LeNet-5’s C3 connection table',
      'Memorizing random labels',
    ])
      assert.ok(titles.includes(t), t);
  });

  it('every lesson’s settings pass the protocol’s checks and its comparison template exists', () => {
    const ids = readdirSync(dir).map((f) => f.replace('.netwright.json', ''));
    for (const { file, doc } of withLessons) {
      const lesson = lessonSchema.parse(doc.lesson);
      if (lesson.training) {
        trainingDatasetSchema.parse(lesson.training.dataset);
        trainingConfigSchema.parse({ ...defaultSetup.config, ...lesson.training.config });
      }
      if (lesson.compare)
        assert.ok(ids.includes(lesson.compare.template), `${file}: ${lesson.compare.template}`);
    }
  });

  it('a lesson the app cannot read is simply not shown', () => {
    assert.equal(lessonOf({ title: 'x' }), null);
    assert.equal(lessonOf(undefined), null);
    assert.equal(
      lessonOf({ title: 'x', text: 'y', training: { dataset: { kind: 'csv', path: '/x' } } }),
      null,
    );
  });
});
