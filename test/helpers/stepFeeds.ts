// A compiled train step's whole feed for a bare onnxruntime session, drawn from a seed: normal
// inputs, random labels, the graph's seeded initial weights and zero optimizer state (for profiles
// and tests that run the step's model directly rather than through StepSession).
import * as ort from 'onnxruntime-node';
import type { Graph, TrainStep } from '../../engine/index.ts';
import { analyze, oneHotTargets, resolveWeights, withBatch } from '../../engine/index.ts';
import { createRng } from '../../engine/data/index.ts';

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

export function randomStepFeeds(
  step: TrainStep,
  graph: Graph,
  seed = 0,
  lr = 0.01,
): Record<string, ort.Tensor> {
  const [batch, classes] = step.target.shape;
  const weights = resolveWeights(analyze(withBatch(graph, batch)), undefined, 0);
  const rng = createRng(seed);
  const d = step.dataInputs[0];
  const x = Float32Array.from({ length: size(d.shape) }, () => rng.normal());
  const labels = Int32Array.from({ length: batch }, () => rng.int(classes));
  const feeds: Record<string, ort.Tensor> = {
    [d.input]: new ort.Tensor('float32', x, d.shape),
    [step.target.input]: new ort.Tensor('float32', oneHotTargets(labels, classes), step.target.shape),
  };
  if (step.scalars.lr) feeds[step.scalars.lr] = new ort.Tensor('float32', [lr], []);
  for (const p of step.params)
    feeds[p.input] = new ort.Tensor(
      'float32',
      Float32Array.from(weights.get(p.nodeId)!.get(p.param)!),
      p.shape,
    );
  for (const s of step.state)
    feeds[s.input] = new ort.Tensor('float32', new Float32Array(size(s.shape)), s.shape);
  return feeds;
}
