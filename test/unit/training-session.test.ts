// The Training drawer across a reload of the page (renderer/training/trainingSession.ts): the tab
// keeps the followed run and the optimizer race, and the reloaded page follows both again while the
// host still holds their runs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GraphBuilder, newDocument } from '../../engine/index.ts';
import type { HostApi } from '../../protocol/hostApi.ts';
import { HostError } from '../../protocol/hostApi.ts';
import type { RaceEntry } from '../../protocol/training.ts';
import { createAppStore } from '../../renderer/state/store.ts';
import {
  keepTrainingSession,
  restoreTrainingSession,
  savedTrainingSession,
} from '../../renderer/training/trainingSession.ts';

const kept = new Map<string, string>();
Object.assign(globalThis, {
  sessionStorage: {
    getItem: (k: string) => kept.get(k) ?? null,
    setItem: (k: string, v: string) => void kept.set(k, v),
  },
});

function network() {
  const b = new GraphBuilder();
  b.add('Linear', { out_features: 10 }, b.add('Flatten', {}, b.input([1, 28, 28])));
  return newDocument('raced', b.graph);
}

const ENTRIES: RaceEntry[] = [
  { label: 'SGD', optimizer: { kind: 'sgd' }, lr: 0.1 },
  { label: 'Adam', optimizer: { kind: 'adam' }, lr: 0.001 },
];

/** A host holding the runs named in `held`, each 40% through 10 steps. */
function hostWith(held: Set<string>, config = createAppStore().getState().trainingSetup.config) {
  const attachRun = async (runId: string) => {
    if (!held.has(runId)) throw new HostError('not-found', `The host no longer holds the run ${runId}.`);
    return {
      info: { runId, trainSamples: 100, testSamples: 10, stepsPerEpoch: 10 },
      config: { ...config, epochs: 1 },
      secondsTraining: 2,
      events: [
        { event: 'start' as const, steps: 10, memoryBytes: 1000, parameters: 7850 },
        { event: 'step' as const, step: 4, epoch: 0, loss: 1.5 },
      ],
      document: network(),
    };
  };
  return { attachRun } as unknown as HostApi;
}

describe('A reload during an optimizer race', () => {
  it('keeps the race in the tab once its runs started, and follows it again', async () => {
    const before = createAppStore();
    keepTrainingSession(before);
    before.getState().actions.raceRequested(ENTRIES, before.getState().trainingSetup.config);
    assert.equal(savedTrainingSession()?.race, null, 'nothing to follow before the host answers');
    before.getState().actions.raceStarted({
      trainSamples: 100,
      testSamples: 10,
      stepsPerEpoch: 10,
      runs: [
        { runId: 'run-sgd1', label: 'SGD' },
        { runId: 'run-adam1', label: 'Adam' },
      ],
    });
    const saved = savedTrainingSession();
    assert.deepEqual(saved?.race, { entries: ENTRIES, runIds: ['run-sgd1', 'run-adam1'] });

    const after = createAppStore();
    after.setState({ host: hostWith(new Set(['run-sgd1', 'run-adam1'])) });
    await restoreTrainingSession(after, saved);
    const s = after.getState();
    assert.equal(s.trainingMode, 'race');
    assert.deepEqual(
      s.race?.lanes.map((l) => [l.entry.label, l.run.runId, l.run.status, l.run.steps.length]),
      [
        ['SGD', 'run-sgd1', 'running', 1],
        ['Adam', 'run-adam1', 'running', 1],
      ],
    );
    // The canvas was empty: the raced network comes back with the race.
    assert.equal(s.doc.name, 'raced');
  });

  it('leaves the race out when the host no longer holds all of its runs', async () => {
    const store = createAppStore();
    store.setState({ host: hostWith(new Set(['run-sgd1'])) });
    await restoreTrainingSession(store, {
      setup: store.getState().trainingSetup,
      open: true,
      runId: null,
      race: { entries: ENTRIES, runIds: ['run-sgd1', 'run-adam1'] },
    });
    assert.equal(store.getState().race, null);
    assert.equal(store.getState().trainingMode, 'single');
    assert.equal(store.getState().trainingOpen, true);
  });
});
