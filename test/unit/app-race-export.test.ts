// The optimizer race's CSV: every contestant's points, labelled with its optimizer and rate.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { RaceEntry } from '../../protocol/training.ts';
import { createAppStore } from '../../renderer/state/store.ts';
import { defaultSetup } from '../../renderer/training/trainingState.ts';
import { raceCsv } from '../../renderer/training/curves.ts';

it('the race CSV has one row per point of each contestant, led by its optimizer and learning rate', () => {
  const entries: RaceEntry[] = [
    { label: 'SGD', optimizer: { kind: 'sgd' }, lr: 0.1 },
    { label: 'Adam, β=0.9', optimizer: { kind: 'adam' }, lr: 0.001 },
  ];
  const store = createAppStore();
  const { actions } = store.getState();
  actions.raceRequested(entries, defaultSetup.config);
  actions.raceStarted({
    runs: [
      { runId: 'run-a1', label: 'SGD' },
      { runId: 'run-b2', label: 'Adam, β=0.9' },
    ],
    trainSamples: 64,
    testSamples: 16,
    stepsPerEpoch: 2,
  });
  const step = (runId: string, n: number, loss: number) =>
    actions.receiveTraining({
      runId,
      event: { event: 'step', epoch: 0, step: n, loss, samplesPerSecond: 1 },
    });
  step('run-a1', 1, 2.25);
  step('run-b2', 1, 2.0);
  step('run-b2', 2, 1.5);
  const lines = raceCsv(store.getState().race!.lanes).trimEnd().split('\n');
  assert.match(lines[0], /^optimizer,lr,kind,epoch,step,train_loss/);
  assert.deepEqual(lines.slice(1), [
    'SGD,0.1,step,0.5,1,2.25,,,',
    '"Adam, β=0.9",0.001,step,0.5,1,2,,,',
    '"Adam, β=0.9",0.001,step,1,2,1.5,,,',
  ]);
});
