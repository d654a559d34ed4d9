// The live decision boundary for 2-D classification sets: after each epoch, the current model's
// predicted class on a grid over the training data's bounding box (plus a margin), and a sample
// of the training points, in the coordinates the model sees (after any normalization).
import type { Dataset } from '../../engine/data/index.ts';
import type { LossKind, ProjectDocument, WeightMap } from '../../engine/index.ts';
import { paramInputName } from '../../engine/index.ts';
import type { TrainingEvent } from '../../protocol/training.ts';
import { evaluate } from './trainer.ts';

export type BoundaryEvent = Extract<TrainingEvent, { event: 'boundary' }>;

/** Cells per side of the grid. */
export const BOUNDARY_GRID = 60;
/** Training points sent along with the grid. */
export const BOUNDARY_POINTS = 400;

/** Whether a run's data gets a decision boundary: classification with 2-value samples. */
export const hasBoundary = (train: Dataset) =>
  train.numClasses > 0 &&
  train.y instanceof Int32Array &&
  train.inputShape.length === 1 &&
  train.inputShape[0] === 2 &&
  train.length > 0;

/** A WeightMap from train-step tensors ("linear_1.weight"), falling back to `base` for the rest. */
export function weightsFromState(
  doc: ProjectDocument,
  base: WeightMap,
  tensors: Record<string, Float32Array>,
): WeightMap {
  const byId = new Map(doc.graph.nodes.map((n) => [n.id, n]));
  const out: WeightMap = new Map();
  for (const [id, params] of base)
    out.set(id, new Map([...params].map(([p, v]) => [p, tensors[paramInputName(byId.get(id)!, p)] ?? v])));
  return out;
}

/** The grid's extent: the points' bounding box plus 10% on each side. */
export function boundaryBox(train: Dataset) {
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let i = 0; i < train.length; i++) {
    const x = train.x[2 * i];
    const y = train.x[2 * i + 1];
    x0 = Math.min(x0, x);
    x1 = Math.max(x1, x);
    y0 = Math.min(y0, y);
    y1 = Math.max(y1, y);
  }
  const mx = Math.max((x1 - x0) * 0.1, 1e-3);
  const my = Math.max((y1 - y0) * 0.1, 1e-3);
  return { x0: x0 - mx, x1: x1 + mx, y0: y0 - my, y1: y1 + my };
}

export async function decisionBoundary(
  doc: ProjectDocument,
  weights: WeightMap,
  train: Dataset,
  loss: LossKind,
  epoch: number,
  threads = 1,
): Promise<BoundaryEvent> {
  const size = BOUNDARY_GRID;
  const box = boundaryBox(train);
  // Row-major, row 0 at the top (largest y), each cell sampled at its centre.
  const x = new Float32Array(size * size * 2);
  for (let r = 0; r < size; r++)
    for (let c = 0; c < size; c++) {
      const k = 2 * (r * size + c);
      x[k] = box.x0 + ((c + 0.5) / size) * (box.x1 - box.x0);
      x[k + 1] = box.y1 - ((r + 0.5) / size) * (box.y1 - box.y0);
    }
  const grid: Dataset = {
    name: 'grid',
    inputShape: [2],
    numClasses: train.numClasses,
    x,
    y: new Int32Array(size * size),
    length: size * size,
  };
  const { predictions } = await evaluate(doc, weights, grid, loss, threads);
  const every = Math.max(1, Math.ceil(train.length / BOUNDARY_POINTS));
  const points: [number, number, number][] = [];
  for (let i = 0; i < train.length; i += every)
    points.push([train.x[2 * i], train.x[2 * i + 1], (train.y as Int32Array)[i]]);
  return {
    event: 'boundary',
    epoch,
    ...box,
    size,
    numClasses: train.numClasses,
    classes: Array.from(predictions),
    points,
  };
}
