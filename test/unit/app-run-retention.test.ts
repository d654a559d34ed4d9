// Issue 16 item 1: a run the page still shows is never evicted. One run, then an optimizer race of
// four (more finished runs than the host keeps on its own): the first run's weights must still
// export, because the page told the host it shows that run. A run no page shows is released,
// and asking for it then says so plainly.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GraphBuilder, newDocument } from '../../engine/index.ts';
import type { HostError } from '../../protocol/hostApi.ts';
import type { RaceEntry, TrainingConfig, TrainingDataset } from '../../protocol/training.ts';
import { connectedHost, readOffered } from '../helpers/host.ts';

const b = new GraphBuilder();
b.chain(b.input([2]), [['Linear', { out_features: 8 }], ['ReLU'], ['Linear', { out_features: 3 }]]);
const doc = newDocument('Tiny', b.graph);
const blobs: TrainingDataset = { kind: 'synthetic', generator: 'blobs', n: 200, classes: 3, seed: 1 };
const config: TrainingConfig = {
  epochs: 1,
  batchSize: 20,
  loss: 'cross-entropy',
  optimizer: { kind: 'sgd' },
  lr: 0.05,
  seed: 1,
};
const entries: RaceEntry[] = [
  { label: 'SGD', optimizer: { kind: 'sgd' }, lr: 0.05 },
  { label: 'Momentum', optimizer: { kind: 'momentum', momentum: 0.9 }, lr: 0.05 },
  { label: 'Adam', optimizer: { kind: 'adam' }, lr: 0.01 },
  { label: 'RMSProp', optimizer: { kind: 'rmsprop' }, lr: 0.01 },
];

describe('When a race follows a run (issue 16 item 1)', () => {
  it('keeps the run the page shows, and says plainly that one nobody shows is gone', async () => {
    const host = connectedHost();
    const page = 'page-0001-test';
    const { runId: shown } = await host.client.startTraining({ document: doc, dataset: blobs, config });
    await host.finished(shown);
    await host.client.retainRuns({ client: page, runIds: [shown] });
    const { runId: other } = await host.client.startTraining({ document: doc, dataset: blobs, config });
    await host.finished(other);
    // A race of four: with `other`, five finished runs no page shows, one more than the host keeps.
    const race = await host.client.startRace({ document: doc, dataset: blobs, config, entries });
    for (const { runId } of race.runs) await host.finished(runId);

    // `shown` is the oldest of all, and the page still shows it: it stays; `other` is released.
    const file = await host.client.exportTrainedOnnx(shown);
    assert.equal((await readOffered(host.client, file.transfer)).length, file.bytes, 'the shown run exports');
    await assert.rejects(host.client.exportTrainedOnnx(other), (e: HostError) => {
      assert.equal(e.code, 'not-found');
      assert.match(e.message, /no longer holds the run .*Train again/);
      return true;
    });
  });

  it('reports every step taken when a run ends, also when it is stopped between step events', async () => {
    const host = connectedHost();
    const long = { ...config, epochs: 50, batchSize: 10 };
    const { runId } = await host.client.startTraining({ document: doc, dataset: blobs, config: long });
    await host.waitFor(runId, (e) => e.event === 'step');
    await host.client.stopTraining(runId);
    const events = await host.finished(runId);
    const end = events.find((e) => e.event === 'finished')!;
    assert.equal(end.event === 'finished' && end.reason, 'cancelled');
    const said = Number(/step (\d+)/.exec(end.event === 'finished' ? end.message : '')?.[1]);
    assert.equal(end.event === 'finished' && end.steps, said, 'the step count matches the message');
    const lastStep = events.filter((e) => e.event === 'step').at(-1)!;
    assert.ok(end.event === 'finished' && lastStep.event === 'step' && end.steps! >= lastStep.step);
  });
});
