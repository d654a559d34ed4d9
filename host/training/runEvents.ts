// What a training run reports, as the page receives it: the trainer's events in protocol form
// (non-finite numbers as null), and the per-node update ratios measured from the end-of-epoch state.
import type { ProjectDocument, WeightMap } from '../../engine/index.ts';
import { analyze, bufferTest, encodeFloat32, paramInputName } from '../../engine/index.ts';
import type { TrainingEvent } from '../../protocol/training.ts';
import type { TrainEvent } from './trainer.ts';

export const finite = (v: number | null | undefined): number | null =>
  typeof v === 'number' && Number.isFinite(v) ? v : null;
const finiteRecord = (r: Record<string, number>) =>
  Object.fromEntries(Object.entries(r).map(([k, v]) => [k, finite(v)]));

/** Trainable parameter tensors by train-step input name ("conv2d_1.weight"), grouped by node id. */
export function paramNames(doc: ProjectDocument, weights: WeightMap): Map<string, string[]> {
  const byId = new Map(doc.graph.nodes.map((n) => [n.id, n]));
  const buffer = bufferTest(analyze(doc.graph));
  const out = new Map<string, string[]>();
  for (const [id, params] of weights)
    out.set(
      id,
      [...params.keys()].filter((p) => !buffer(id, p)).map((p) => paramInputName(byId.get(id)!, p)),
    );
  return out;
}

/** The same weights by train-step input name. */
export function byInputName(doc: ProjectDocument, weights: WeightMap): Record<string, Float32Array> {
  const byId = new Map(doc.graph.nodes.map((n) => [n.id, n]));
  return Object.fromEntries(
    [...weights].flatMap(([id, params]) =>
      [...params].map(([p, v]) => [paramInputName(byId.get(id)!, p), v]),
    ),
  );
}

/**
 * |W_after - W_before| / |W_after| per node over one epoch, from the trainer's end-of-epoch state
 * (tensors by train-step input name). Nodes whose tensors are missing get null.
 */
export function epochUpdateRatios(
  groups: Map<string, string[]>,
  before: Record<string, Float32Array>,
  after: Record<string, Float32Array>,
): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const [id, names] of groups) {
    let diff = 0;
    let size = 0;
    let complete = names.length > 0;
    for (const name of names) {
      const a = after[name];
      const b = before[name];
      if (!a || !b || a.length !== b.length) complete = false;
      else
        for (let i = 0; i < a.length; i++) {
          diff += (a[i] - b[i]) ** 2;
          size += a[i] * a[i];
        }
    }
    out[id] = complete ? finite(Math.sqrt(diff) / Math.sqrt(size)) : null;
  }
  return out;
}

export function toProtocolEvent(e: TrainEvent): TrainingEvent | null {
  switch (e.event) {
    case 'start':
      return e;
    case 'step':
      return {
        ...e,
        loss: finite(e.loss),
        samplesPerSecond: finite(e.samplesPerSecond),
        ...(e.accuracy !== undefined ? { accuracy: finite(e.accuracy) } : {}),
      };
    case 'epoch':
      return {
        event: 'epoch',
        epoch: e.epoch,
        trainLoss: finite(e.trainLoss),
        trainAccuracy: finite(e.trainAccuracy),
        testLoss: finite(e.testLoss),
        testAccuracy: finite(e.testAccuracy),
        samplesPerSecond: finite(e.samplesPerSecond),
        msPerUpdate: finite(e.msPerUpdate),
        gradNorms: finiteRecord(e.gradNorms),
        weightNorms: finiteRecord(e.weightNorms),
        // Filled in from the end-of-epoch state (the trainer's onEpochEnd hook), which follows.
        updateRatios: Object.fromEntries(Object.keys(e.weightNorms).map((id) => [id, null])),
        lr: e.lr,
      };
    case 'trajectory':
      return {
        event: 'trajectory',
        epoch: e.epoch,
        step: e.step,
        point: encodeFloat32(e.point),
        sketched: e.sketched,
      };
    case 'paused':
      return { event: 'paused', epoch: e.epoch, step: e.step };
    case 'resumed':
      return e;
    case 'stopped':
      return null; // reported by 'finished', which also carries the time
  }
}
