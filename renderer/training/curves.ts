// The numbers behind the Training panel's charts, CSV export and chart descriptions, all derived
// from the followed run. x is in epochs: a step point sits at steps / stepsPerEpoch, epoch 0 is
// the untrained network. Every series has one value (or null) per x.
import type { RaceLane } from './race/race.ts';
import type { EpochPoint, TrainingRun } from './trainingState.ts';

export interface Curves {
  x: number[];
  series: (number | null)[][];
}

type Row = Map<number, (number | null)[]>;

function merge(width: number, points: { x: number; at: number; value: number | null }[]): Curves {
  const rows: Row = new Map();
  for (const p of points) {
    let row = rows.get(p.x);
    if (!row) rows.set(p.x, (row = new Array<number | null>(width).fill(null)));
    row[p.at] = p.value;
  }
  const x = [...rows.keys()].sort((a, b) => a - b);
  return { x, series: Array.from({ length: width }, (_, i) => x.map((v) => rows.get(v)![i])) };
}

const stepX = (run: TrainingRun, step: number) => step / Math.max(1, run.info?.stepsPerEpoch ?? 1);
const percent = (v: number | null) => (v === null ? null : v * 100);

/** Train loss per step, train loss per epoch, test loss per epoch. */
export function lossCurves(run: TrainingRun): Curves {
  return merge(3, [
    ...run.steps.map((s) => ({ x: stepX(run, s.step), at: 0, value: s.loss })),
    ...run.epochs.map((e) => ({ x: e.epoch, at: 1, value: e.trainLoss })),
    ...run.epochs.map((e) => ({ x: e.epoch, at: 2, value: e.testLoss })),
  ]);
}

/** Accuracy in %: running train accuracy within each epoch, train per epoch, test per epoch. */
export function accuracyCurves(run: TrainingRun): Curves {
  return merge(3, [
    ...run.steps.map((s) => ({ x: stepX(run, s.step), at: 0, value: percent(s.accuracy) })),
    ...run.epochs.map((e) => ({ x: e.epoch, at: 1, value: percent(e.trainAccuracy) })),
    ...run.epochs.map((e) => ({ x: e.epoch, at: 2, value: percent(e.testAccuracy) })),
  ]);
}

/** Mean gradient norm per epoch, one series per node (in the order given). */
export function gradientCurves(run: TrainingRun, nodeIds: readonly string[]): Curves {
  const epochs = run.epochs.filter((e) => e.epoch > 0);
  return {
    x: epochs.map((e) => e.epoch),
    series: nodeIds.map((id) => epochs.map((e) => positive(e.gradNorms[id]))),
  };
}

/**
 * The vanishing-gradient view: x is the layer's position (1 = nearest the input), one series per
 * epoch shown (at most `maxEpochs`, always including the last).
 */
export function gradientByLayer(
  run: TrainingRun,
  nodeIds: readonly string[],
  maxEpochs = 5,
): { curves: Curves; epochs: number[] } {
  const all = run.epochs.filter((e) => e.epoch > 0);
  const step = Math.max(1, Math.ceil(all.length / maxEpochs));
  const shown = all.filter((_, i) => (all.length - 1 - i) % step === 0).slice(-maxEpochs);
  return {
    curves: {
      x: nodeIds.map((_, i) => i + 1),
      series: shown.map((e) => nodeIds.map((id) => positive(e.gradNorms[id]))),
    },
    epochs: shown.map((e) => e.epoch),
  };
}

const positive = (v: number | null | undefined) => (v !== undefined && v !== null && v > 0 ? v : null);

/** Exponential moving average (weight `keep` on the past), as TensorBoard smooths its curves. */
export function smooth(values: readonly (number | null)[], keep: number): (number | null)[] {
  let avg: number | null = null;
  return values.map((v) => (v === null ? null : (avg = avg === null ? v : keep * avg + (1 - keep) * v)));
}

/** The race: each lane's training loss per step (smoothed), one series per lane. */
export function raceLossCurves(lanes: readonly RaceLane[], keep = 0.6): Curves {
  return merge(
    lanes.length,
    lanes.flatMap((l, at) => {
      const losses = smooth(
        l.run.steps.map((s) => s.loss),
        keep,
      );
      return l.run.steps.map((s, k) => ({ x: stepX(l.run, s.step), at, value: losses[k] }));
    }),
  );
}

/** The race: each lane's test accuracy (%) per epoch, from the shared untrained start. */
export function raceAccuracyCurves(lanes: readonly RaceLane[]): Curves {
  return merge(
    lanes.length,
    lanes.flatMap((l, at) => l.run.epochs.map((e) => ({ x: e.epoch, at, value: percent(e.testAccuracy) }))),
  );
}

export const lastEpoch = (run: TrainingRun): EpochPoint | undefined =>
  run.epochs.filter((e) => e.epoch > 0).at(-1);

/** The first and last non-null values of a series. */
export function ends(values: readonly (number | null)[]): [number, number] | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length ? [present[0], present[present.length - 1]] : null;
}

const cell = (v: number | null | undefined) => (v === null || v === undefined ? '' : String(v));
const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/**
 * Every measured point as CSV: one row per step event and per epoch (epoch 0 = untrained), with
 * each layer's gradient norm and update ratio on the epoch rows. Accuracies are fractions 0..1.
 */
export function curvesCsv(run: TrainingRun, layers: readonly { id: string; name: string }[]): string {
  const head = [
    'kind',
    'epoch',
    'step',
    'train_loss',
    'train_accuracy',
    'test_loss',
    'test_accuracy',
    ...layers.flatMap((l) => [`grad_norm:${l.name}`, `update_ratio:${l.name}`]),
  ];
  const rows: string[][] = [];
  const spe = run.info?.stepsPerEpoch ?? 0;
  for (const e of run.epochs)
    rows.push([
      'epoch',
      String(e.epoch),
      String(e.epoch * spe),
      cell(e.trainLoss),
      cell(e.trainAccuracy),
      cell(e.testLoss),
      cell(e.testAccuracy),
      ...layers.flatMap((l) => [cell(e.gradNorms[l.id]), cell(e.updateRatios[l.id])]),
    ]);
  for (const s of run.steps)
    rows.push([
      'step',
      spe ? String(s.step / spe) : '',
      String(s.step),
      cell(s.loss),
      cell(s.accuracy),
      '',
      '',
      ...layers.flatMap(() => ['', '']),
    ]);
  rows.sort((a, b) => Number(a[2]) - Number(b[2]) || (a[0] === 'epoch' ? 1 : -1));
  return [head, ...rows].map((r) => r.map(quote).join(',')).join('\n') + '\n';
}

/** The race's curves, one block of rows per contestant (optimizer, lr first), as curvesCsv's columns. */
export function raceCsv(lanes: readonly RaceLane[]): string {
  const blocks = lanes.map((l) => curvesCsv(l.run, []).trimEnd().split('\n'));
  if (!blocks.length) return '';
  const head = `optimizer,lr,${blocks[0][0]}`;
  const rows = lanes.flatMap((l, i) =>
    blocks[i].slice(1).map((row) => `${quote(l.entry.label)},${l.entry.lr},${row}`),
  );
  return [head, ...rows].join('\n') + '\n';
}
