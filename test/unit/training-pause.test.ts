// Pausing and resuming a training run through the host (real worker thread): a paused run makes
// no progress, can be tried and exported meanwhile, resumes to exactly the weights an
// uninterrupted run reaches, and can be stopped while paused; a race pauses as one. Also the
// page's time-remaining estimate, which leaves paused time out.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProjectDocument } from '../../engine/index.ts';
import { GraphBuilder, newDocument } from '../../engine/index.ts';
import { HostError } from '../../protocol/hostApi.ts';
import type { TrainingConfig, TrainingDataset, TrainingEvent } from '../../protocol/training.ts';
import {
  applyTrainingEvent,
  idleRun,
  progressOf,
  runStarted,
} from '../../renderer/training/trainingState.ts';
import { connectedHost, readOffered } from '../helpers/host.ts';

function mlp(): ProjectDocument {
  const b = new GraphBuilder();
  b.chain(b.input([2]), [['Linear', { out_features: 16 }], ['ReLU'], ['Linear', { out_features: 3 }]]);
  return newDocument('Tiny 2-D MLP', b.graph);
}

const blobs: TrainingDataset = { kind: 'synthetic', generator: 'blobs', n: 300, classes: 3, seed: 1 };
// 60 steps an epoch, 1200 in all: long enough to pause in the middle.
const config: TrainingConfig = {
  epochs: 20,
  batchSize: 4,
  loss: 'cross-entropy',
  optimizer: { kind: 'adam' },
  lr: 0.01,
  seed: 7,
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const lastStep = (events: TrainingEvent[]) =>
  Math.max(0, ...events.flatMap((e) => (e.event === 'step' || e.event === 'paused' ? [e.step] : [])));

describe('When a run is paused and resumed through the host', () => {
  it('stops making progress, answers with the weights so far, and ends exactly as an uninterrupted run', async () => {
    const { client, of, waitFor, finished: ended } = connectedHost();
    const doc = mlp();

    const reference = await client.startTraining({ document: doc, dataset: blobs, config });
    const refEvents = await ended(reference.runId);
    const refWeights = await client.trainedWeights(reference.runId);

    const { runId } = await client.startTraining({ document: doc, dataset: blobs, config });
    await waitFor(runId, (e) => e.event === 'step');
    assert.equal(await client.pauseTraining(runId), null);
    const atPause = await waitFor(runId, (e) => e.event === 'paused');
    const paused = atPause.find((e) => e.event === 'paused')!;
    assert.ok(paused.event === 'paused' && paused.step > 0 && paused.step < 1200, JSON.stringify(paused));

    const before = of(runId).length;
    await sleep(400);
    const during = of(runId);
    assert.deepEqual(
      during
        .slice(before)
        .map((e) => e.event)
        .filter((e) => e !== 'boundary'), // drawn off the step loop, it may trail the pause
      [],
      'no events while paused',
    );
    assert.equal(lastStep(during), paused.step);
    // Pausing again is harmless.
    assert.equal(await client.pauseTraining(runId), null);

    // The weights so far: predictions, export and keeping work while paused.
    const p = await client.predict({ runId }, { data: [3, 0] });
    assert.equal(p.probabilities.length, 3);
    assert.match(p.weights, /paused/);
    const file = await client.exportTrainedOnnx(runId);
    assert.equal((await readOffered(client, file.transfer)).length, file.bytes);
    const midWeights = await client.trainedWeights(runId);
    assert.notDeepEqual(midWeights, refWeights, 'mid-run weights are not the final ones');

    assert.equal(await client.resumeTraining(runId), null);
    const events = await ended(runId);
    const resumed = events.find((e) => e.event === 'resumed');
    assert.ok(resumed?.event === 'resumed' && resumed.step === paused.step);
    const finished = events.at(-1)!;
    assert.ok(finished.event === 'finished' && finished.reason === 'completed', JSON.stringify(finished));

    // Determinism: the same seed gives bit-identical weights and losses with or without the pause.
    assert.deepEqual(await client.trainedWeights(runId), refWeights);
    const losses = (es: TrainingEvent[]) =>
      es.flatMap((e) => (e.event === 'epoch' ? [[e.trainLoss, e.testLoss, e.testAccuracy]] : []));
    assert.deepEqual(losses(events), losses(refEvents));
    const steps = (es: TrainingEvent[]) => es.flatMap((e) => (e.event === 'step' ? [[e.step, e.loss]] : []));
    assert.deepEqual(steps(events), steps(refEvents));

    // A finished run can no longer be paused: a clear error.
    await assert.rejects(client.pauseTraining(runId), (e: HostError) => {
      assert.equal(e.code, 'busy');
      assert.match(e.message, /already ended/);
      return true;
    });
    await assert.rejects(client.resumeTraining('run-000000000000'), (e: HostError) => e.code === 'not-found');
  });

  it('stops a paused run without waiting for a resume, keeping the weights as of the pause', async () => {
    const { client, waitFor, finished: ended } = connectedHost();
    const { runId } = await client.startTraining({ document: mlp(), dataset: blobs, config });
    await waitFor(runId, (e) => e.event === 'step');
    await client.pauseTraining(runId);
    await waitFor(runId, (e) => e.event === 'paused');
    const mid = await client.trainedWeights(runId);
    await client.stopTraining(runId);
    const events = await ended(runId);
    const finished = events.at(-1)!;
    assert.ok(finished.event === 'finished' && finished.reason === 'cancelled', JSON.stringify(finished));
    assert.equal(
      events.some((e) => e.event === 'resumed'),
      false,
    );
    assert.deepEqual(await client.trainedWeights(runId), mid);
  });

  it('pauses and resumes an optimizer race as one', async () => {
    const { client, of, waitFor, finished: ended } = connectedHost();
    const race = await client.startRace({
      document: mlp(),
      dataset: blobs,
      config,
      entries: [
        { label: 'SGD', optimizer: { kind: 'sgd' }, lr: 0.05 },
        { label: 'Adam', optimizer: { kind: 'adam' }, lr: 0.01 },
      ],
    });
    const [a, b] = race.runs.map((r) => r.runId);
    await waitFor(a, (e) => e.event === 'step');
    await client.pauseTraining(a);
    await Promise.all([a, b].map((id) => waitFor(id, (e) => e.event === 'paused')));
    // Progress is steps: a 2-D set's decision boundary is drawn off the step loop and may trail.
    const steps = (id: string) => of(id).filter((e) => e.event === 'step' || e.event === 'epoch').length;
    const counts = [steps(a), steps(b)];
    await sleep(300);
    assert.deepEqual([steps(a), steps(b)], counts);
    await client.resumeTraining(b);
    const done = await Promise.all([a, b].map(ended));
    for (const es of done) {
      assert.ok(es.some((e) => e.event === 'resumed'));
      const last = es.at(-1)!;
      assert.ok(last.event === 'finished' && last.reason === 'completed');
    }
  });
});

describe('The time-remaining estimate', () => {
  const s = (seconds: number) => seconds * 1000;
  const info = { runId: 'run-abc', trainSamples: 400, testSamples: 0, stepsPerEpoch: 50 };
  // Started at 0 s; 50 of 100 steps done by 30 s, paused from 30 s to 70 s.
  let run = runStarted({ ...idleRun, status: 'starting', config: { ...config, epochs: 2 } }, info, 0);
  run = applyTrainingEvent(run, { event: 'start', steps: 100, memoryBytes: 0, parameters: 0 }, s(0));
  run = applyTrainingEvent(run, { event: 'step', epoch: 0, step: 50, loss: 1, samplesPerSecond: 1 }, s(30));
  const paused = applyTrainingEvent(run, { event: 'paused', epoch: 0, step: 50 }, s(30));
  const resumed = applyTrainingEvent(paused, { event: 'resumed', epoch: 0, step: 50 }, s(70));

  it('stands still while paused: 30 s for half the steps leaves 30 s, however long the pause', () => {
    assert.equal(paused.status, 'paused');
    assert.equal(progressOf(paused, s(31)).secondsLeft, 30);
    assert.equal(progressOf(paused, s(65)).secondsLeft, 30);
    assert.equal(progressOf(paused, s(65)).fraction, 0.5);
  });

  it('leaves the pause out after resuming: at 100 s, 60 s of training for half leaves 60 s', () => {
    assert.equal(resumed.status, 'running');
    assert.equal(resumed.pausedMs, s(40));
    assert.equal(progressOf(resumed, s(100)).secondsLeft, 60);
  });
});
