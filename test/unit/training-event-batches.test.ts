// Training progress reaches the page a few times a second (issue 12 item 4): the host gathers a
// run's events into batches (host/training/eventBatches.ts) and the page merges what arrives close
// together into one store change (renderer/training/eventQueue.ts). No step point may be lost.
import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { EventBatches } from '../../host/training/eventBatches.ts';
import { createHostService } from '../../host/hostService.ts';
import { GraphBuilder, newDocument } from '../../engine/index.ts';
import type { TrainingEvent, TrainingEventsMessage } from '../../protocol/training.ts';
import { PROGRESS_EVENTS, trainingEventsMessageSchema } from '../../protocol/training.ts';
import { throttledTrainingMessages } from '../../renderer/training/eventQueue.ts';

const step = (n: number): TrainingEvent => ({
  event: 'step',
  epoch: 0,
  step: n,
  loss: 1 / n,
  samplesPerSecond: 100,
});
const boundary = (epoch: number): TrainingEvent => ({
  event: 'boundary',
  epoch,
  x0: 0,
  x1: 1,
  y0: 0,
  y1: 1,
  size: 1,
  numClasses: 2,
  classes: [0],
  points: [],
});

describe('The host batches a run’s events', () => {
  it('sends the first step at once, then at most one batch per interval, with every step in order', () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      let clock = 0;
      const sent: { at: number; events: TrainingEvent[] }[] = [];
      const batches = new EventBatches((events) => sent.push({ at: clock, events }), {
        intervalMs: 200,
        now: () => clock,
      });
      batches.push({ event: 'start', steps: 100, memoryBytes: 0, parameters: 1 });
      clock = 5;
      batches.push(step(1));
      assert.deepEqual(
        sent.map((s) => s.events.map((e) => e.event)),
        [['start'], ['step']],
        'the start and the first step go out at once',
      );
      // 60 steps, one every 10 ms: 600 ms.
      for (let n = 2; n <= 61; n++) {
        clock += 10;
        mock.timers.tick(10);
        batches.push(step(n));
      }
      clock += 200;
      mock.timers.tick(200);
      const stepBatches = sent.slice(1);
      const gaps = stepBatches.slice(1).map((s, i) => s.at - stepBatches[i].at);
      assert.ok(
        gaps.every((g) => g >= 200),
        `batches ${gaps.join(', ')} ms apart`,
      );
      assert.ok(stepBatches.length <= 5, `${stepBatches.length} batches for 605 ms`);
      const steps = stepBatches.flatMap((s) => s.events.map((e) => (e.event === 'step' ? e.step : -1)));
      assert.deepEqual(
        steps,
        Array.from({ length: 61 }, (_, i) => i + 1),
      );
    } finally {
      mock.timers.reset();
    }
  });

  it('sends the end at once with what was gathered, and keeps every boundary', () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      let clock = 0;
      const sent: TrainingEvent[][] = [];
      const batches = new EventBatches((events) => sent.push(events), { intervalMs: 200, now: () => clock });
      batches.push(step(1));
      clock = 10;
      batches.push(step(2));
      batches.push(boundary(1));
      batches.push(boundary(2));
      batches.push({ event: 'paused', epoch: 2, step: 2 });
      assert.deepEqual(sent, [
        [step(1)],
        [step(2), boundary(1), boundary(2), { event: 'paused', epoch: 2, step: 2 }],
      ]);
      clock = 20;
      batches.push({ event: 'finished', reason: 'completed', message: 'done', seconds: 1 });
      assert.equal(sent.length, 3, 'the end does not wait for the interval');
      mock.timers.tick(1000);
      assert.equal(sent.length, 3, 'nothing is left to send');
    } finally {
      mock.timers.reset();
    }
  });
});

describe('The page merges messages that arrive close together', () => {
  it('applies at most one change per interval, the first step and the end at once, losing none', () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      let clock = 0;
      const applied: { at: number; batches: TrainingEventsMessage[] }[] = [];
      const receive = throttledTrainingMessages(
        (batches) => applied.push({ at: clock, batches }),
        200,
        () => clock,
      );
      // A race: two runs' messages interleaved, 50 ms apart.
      for (let n = 1; n <= 12; n++) {
        receive({ runId: n % 2 ? 'run-a' : 'run-b', events: [step(n)] });
        clock += 50;
        mock.timers.tick(50);
      }
      receive({
        runId: 'run-a',
        events: [{ event: 'finished', reason: 'completed', message: '', seconds: 1 }],
      });
      const gaps = applied.slice(1, -1).map((a, i) => a.at - applied[i].at);
      assert.deepEqual(
        applied.slice(0, 2).map((a) => a.at),
        [0, 50],
        'each run’s first step is applied at once',
      );
      assert.ok(
        gaps.slice(2).every((g) => g >= 200),
        `changes ${gaps.join(', ')} ms apart`,
      );
      assert.ok(applied.length <= 6, `${applied.length} changes for 13 messages`);
      const steps = applied.flatMap((a) =>
        a.batches.flatMap((b) => b.events.map((e) => (e.event === 'step' ? e.step : -1))),
      );
      assert.deepEqual(steps, [...Array.from({ length: 12 }, (_, i) => i + 1), -1]);
    } finally {
      mock.timers.reset();
    }
  });
});

describe('A real run on the host', () => {
  it('pushes a few valid batches a second holding every step event, in order', async () => {
    const service = createHostService({ dataDir: '/nonexistent-netwright-test' });
    try {
      const b = new GraphBuilder();
      b.chain(b.input([2]), [['Linear', { out_features: 16 }], ['ReLU'], ['Linear', { out_features: 3 }]]);
      const arrivals: { at: number; message: TrainingEventsMessage }[] = [];
      const finished = new Promise<void>((resolve) =>
        service.subscribe((e) => {
          if (e.name !== 'training') return;
          arrivals.push({ at: performance.now(), message: e.payload });
          if (e.payload.events.some((x) => x.event === 'finished' || x.event === 'failed')) resolve();
        }),
      );
      const { runId, stepsPerEpoch } = await service.startTraining({
        document: newDocument('blobs', b.graph),
        dataset: { kind: 'synthetic', generator: 'blobs', n: 4000, classes: 3, seed: 1 },
        config: {
          epochs: 6,
          batchSize: 4,
          loss: 'cross-entropy',
          optimizer: { kind: 'sgd' },
          lr: 0.05,
          seed: 1,
        },
      });
      await finished;
      for (const a of arrivals) assert.ok(trainingEventsMessageSchema.safeParse(a.message).success);
      const events = arrivals.flatMap((a) => a.message.events);
      assert.ok(arrivals.every((a) => a.message.runId === runId));
      assert.equal(events.at(-1)?.event, 'finished', JSON.stringify(events.at(-1)));
      const steps = events.flatMap((e) => (e.event === 'step' ? [e.step] : []));
      // The host samples about 150 step points a run (runs.ts); all of them arrive, in order.
      const every = Math.max(1, Math.ceil((stepsPerEpoch * 6) / 150));
      assert.ok(steps.length >= Math.floor((stepsPerEpoch * 6) / every) - 1, `${steps.length} step points`);
      assert.deepEqual(
        steps,
        [...steps].sort((x, y) => x - y),
      );
      assert.equal(events.filter((e) => e.event === 'epoch').length, 6);
      // Progress messages (all but the start's, the first step's and the end's) come at most ~5 a second.
      const firstStep = events.find((e) => e.event === 'step');
      const progress = arrivals.filter(
        (a) =>
          a.message.events.every((e) => PROGRESS_EVENTS.has(e.event)) &&
          !a.message.events.includes(firstStep!),
      );
      const seconds = (arrivals.at(-1)!.at - arrivals[0].at) / 1000;
      assert.ok(
        progress.length <= 5 * seconds + 3,
        `${arrivals.length} messages in ${seconds.toFixed(2)} s for ${events.length} events`,
      );
      const gaps = progress.slice(1).map((a, i) => a.at - progress[i].at);
      assert.ok(
        gaps.every((g) => g >= 150),
        `progress messages ${gaps.map(Math.round).join(', ')} ms apart`,
      );
      assert.ok(
        events.length > arrivals.length * 2,
        `${events.length} events in ${arrivals.length} messages`,
      );
    } finally {
      service.close();
    }
  });
});
