// Several train steps in one ONNX model: K copies of a compiled train step (trainStep.ts), the
// parameters, buffers and optimizer state each copy writes chained into the next copy's inputs.
//
// Why: onnxruntime-node copies every output it returns, bound ones too (docs/engine-notes.md §3
// item 6), so a step that hands back 5.4 MB of parameters and velocities pays that copy and its
// garbage collection on every call. K steps per call pay it once: the reference MLP's step went
// from 4.68 to 3.71 ms at K = 4 (§4). The unrolled model computes exactly what K single steps do,
// op for op, so the parameters after it are bit for bit those of K calls of the single step.
//
// Per step (each copy its own input): the batch, the target, dropout masks, the learning rate and
// Adam's bias corrections (schedules change them every step). Shared by every copy: the
// initializers and the parameters nothing writes (frozen, or buffers without an update). Every
// other output of the step (loss, prediction, gradient norms, Σ|written|) comes back stacked,
// [K, ...its shape], so the trainer sees each step's numbers; the carried tensors come back once,
// the last copy's, under the single step's output names.
import { tensorInfo } from '../onnx/builder.ts';
import { int64Tensor } from '../onnx/tensor.ts';
import type { OnnxModel, OnnxNode, OnnxValueInfo } from '../onnx/types.ts';
import type { TrainStep } from './trainStep.ts';

export interface UnrolledStep {
  model: OnnxModel;
  /** Train steps per run of the model. */
  k: number;
  /** The single step it repeats (input and output names refer to its model). */
  step: TrainStep;
  /** Per step j: the single step's per-step input name -> this model's input for step j. */
  perStep: Map<string, string>[];
  /** The single step's outputs that come back once per step, stacked along a new first axis. */
  stacked: string[];
}

/** Carried tensors (fed by one step, written for the next): single-step input -> output. */
function carriedPairs(step: TrainStep): Map<string, string> {
  const pairs = new Map<string, string>();
  for (const p of step.params) if (p.output) pairs.set(p.input, p.output);
  for (const s of step.state) pairs.set(s.input, s.output);
  return pairs;
}

/** Why `step` can't be unrolled, or null when it can. */
export function unrollRefusal(step: TrainStep): string | null {
  if (!step.scalars.lr)
    return 'only a step with an optimizer carries its parameters from one step to the next';
  if (step.carried.length)
    return 'truncated BPTT carries recurrent state between windows, which the trainer feeds per call';
  if (step.outputs.probes.length || step.outputs.inputGrads.length)
    return 'probes and input gradients are for single gradient passes';
  const subgraph = step.model.graph.nodes.some((n) =>
    n.attributes.some((a) => a.type === 'GRAPH' || a.type === 'GRAPHS'),
  );
  if (subgraph) return 'a node holds a subgraph, whose outer-scope names the copies would share';
  return null;
}

const perStepName = (j: number, name: string) => `step${j}/${name}`;
const copyName = (j: number, name: string) => `unroll${j}/${name}`;
const STACK_AXES = 'unroll/axes0';

/**
 * K copies of `step` chained into one model (see the file comment). Throws when the step can't be
 * unrolled (unrollRefusal) or K is not an integer ≥ 2.
 */
export function unrollTrainStep(step: TrainStep, k: number): UnrolledStep {
  if (!Number.isInteger(k) || k < 2) throw new Error(`unrollTrainStep: K must be an integer ≥ 2, got ${k}`);
  const refusal = unrollRefusal(step);
  if (refusal) throw new Error(`This train step can't run several steps per call: ${refusal}.`);
  const g = step.model.graph;
  const carried = carriedPairs(step);
  const carriedOutputs = new Set(carried.values());
  const initializers = new Set(g.initializers.map((t) => t.name));
  const perStepInputs = g.inputs.map((i) => i.name).filter((n) => !carried.has(n) && isPerStep(step, n));
  const shared = new Set(g.inputs.map((i) => i.name).filter((n) => !perStepInputs.includes(n)));
  requireFreshNames(step);

  const nodes: OnnxNode[] = [];
  const perStep: Map<string, string>[] = [];
  const stacked = g.outputs.map((o) => o.name).filter((n) => !carriedOutputs.has(n));
  const stackedParts = new Map(stacked.map((n) => [n, [] as string[]]));
  /** Where step j reads each carried tensor: the previous copy's output (the model's input for j = 0). */
  let carriedIn = new Map([...carried.keys()].map((n) => [n, n]));
  for (let j = 0; j < k; j++) {
    const last = j === k - 1;
    const inputs = new Map(perStepInputs.map((n) => [n, perStepName(j, n)]));
    perStep.push(inputs);
    const rename = (n: string): string => {
      if (n === '' || initializers.has(n) || (shared.has(n) && !carried.has(n))) return n;
      return carriedIn.get(n) ?? inputs.get(n) ?? (last && carriedOutputs.has(n) ? n : copyName(j, n));
    };
    for (const node of g.nodes)
      nodes.push({
        ...node,
        name: node.name && copyName(j, node.name),
        inputs: node.inputs.map(rename),
        outputs: node.outputs.map(rename),
      });
    carriedIn = new Map([...carried].map(([input, output]) => [input, rename(output)]));
    for (const n of stacked) stackedParts.get(n)!.push(rename(n));
  }
  for (const n of stacked) {
    const parts = stackedParts.get(n)!.map((part, j) => {
      const out = copyName(j, `${n}/stacked`);
      nodes.push({
        opType: 'Unsqueeze',
        domain: '',
        name: out,
        inputs: [part, STACK_AXES],
        outputs: [out],
        attributes: [],
      });
      return out;
    });
    nodes.push({
      opType: 'Concat',
      domain: '',
      name: `unroll/${n}`,
      inputs: parts,
      outputs: [n],
      attributes: [{ name: 'axis', type: 'INT', value: 0 }],
    });
  }
  const infoOf = new Map(g.inputs.map((i) => [i.name, i]));
  const inputs: OnnxValueInfo[] = [
    ...g.inputs.filter((i) => shared.has(i.name)),
    ...perStep.flatMap((m) => [...m].map(([from, to]) => ({ ...infoOf.get(from)!, name: to }))),
  ];
  const outputs = g.outputs.map((o) =>
    carriedOutputs.has(o.name) ? o : tensorInfo(o.name, [k, ...dimsOf(o)]),
  );
  return {
    k,
    step,
    perStep,
    stacked,
    model: {
      ...step.model,
      docString: `${step.model.docString ?? ''} ${k} train steps per run, chained.`.trim(),
      graph: {
        ...g,
        name: `${g.name}_x${k}`,
        nodes,
        initializers: [...g.initializers, int64Tensor(STACK_AXES, [1], [0])],
        inputs,
        outputs,
        valueInfo: [],
      },
    },
  };
}

/** The inputs each step feeds anew: batch, target, dropout masks, learning rate, bias corrections. */
function isPerStep(step: TrainStep, name: string): boolean {
  const s = step.scalars;
  return (
    step.dataInputs.some((d) => d.input === name) ||
    step.target.input === name ||
    step.masks.some((m) => m.input === name) ||
    name === s.lr ||
    name === s.biasCorrection1 ||
    name === s.biasCorrection2
  );
}

function dimsOf(info: OnnxValueInfo): number[] {
  const t = info.type;
  if (t?.kind !== 'tensor' || !t.shape) throw new Error(`unrollTrainStep: output ${info.name} has no shape`);
  return t.shape.map((d) => d.value ?? NaN);
}

/** The copies' names must not collide with the step's own (they never do for compiled steps). */
function requireFreshNames(step: TrainStep): void {
  const g = step.model.graph;
  const names = new Set([...g.inputs, ...g.outputs].map((v) => v.name));
  for (const n of g.nodes) for (const o of n.outputs) names.add(o);
  for (const t of g.initializers) names.add(t.name);
  for (const n of names)
    if (/^(unroll|step)\d+\//.test(n) || n === STACK_AXES)
      throw new Error(
        `unrollTrainStep: the step already has a tensor named ${n}; the copies' names would collide`,
      );
}

/** Train steps per call where the rule below chooses several. */
export const STEPS_PER_CALL = 4;
/**
 * Carried bytes per KFLOP of the step from which several steps per call pay: the returned copy
 * costs about 0.1 ms per MB (0.57 ms for the reference MLP's 5.4 MB), and a step runs at roughly
 * 150 GFLOP/s, so at 4 bytes per KFLOP the copy is ~5% of the step. The reference MLP (batch 200)
 * has 8.3 and gains 18–21% at K = 4; LeNet-5 (batch 128) has 1.6 and gains nothing measurable;
 * mini-VGG has 0.14 (docs/engine-notes.md §4, "K train steps per call").
 */
const BYTES_PER_KFLOP = 4;
/**
 * Below this many carried bytes the copy saved is under ~0.2 ms per call: the sequence templates
 * (char-lstm 0.4 MB, tiny-transformer 0.2 MB, batch 32) trained level at K = 1 and K = 4.
 */
const MIN_CARRIED_BYTES = 2 * 2 ** 20;
/** Above this many carried bytes an unrolled step would hold too many intermediate copies. */
const MAX_CARRIED_BYTES = 64 * 2 ** 20;
/** Above this many nodes the unrolled model's session takes too long to create for the gain. */
const MAX_NODES = 2000;

/** Bytes of the tensors a step hands back for the next one (parameters, buffers, optimizer state). */
export function carriedBytes(step: TrainStep): number {
  const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1) * 4;
  return [...step.params.filter((p) => p.output), ...step.state].reduce((n, x) => n + size(x.shape), 0);
}

/**
 * How many train steps one onnxruntime call should run: STEPS_PER_CALL when the output copy is a
 * noticeable part of the step (see BYTES_PER_KFLOP) and of some size (MIN_CARRIED_BYTES) and the
 * step can be unrolled, else 1.
 * `flopsPerStep` is trainStepFlops().flopsPerSample times the batch.
 */
export function stepsPerCallFor(step: TrainStep, flopsPerStep: number): number {
  if (unrollRefusal(step) || step.model.graph.nodes.length > MAX_NODES) return 1;
  const bytes = carriedBytes(step);
  if (bytes < MIN_CARRIED_BYTES || bytes > MAX_CARRIED_BYTES) return 1;
  return bytes >= (BYTES_PER_KFLOP * flopsPerStep) / 1000 ? STEPS_PER_CALL : 1;
}
