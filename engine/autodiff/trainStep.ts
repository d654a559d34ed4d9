// Compiles a graph into one ONNX "train step" model of standard operators: forward (batch
// statistics, dropout masks fed per step), loss, backward (each layer's gradient rule, summed
// over fan-out), optional gradient clipping, and the optimizer update. Parameters, buffers and
// optimizer state are inputs and come back as outputs, so the trainer feeds them round.
// docs/engine-notes.md records the lowerings and the onnxruntime behaviour they work around.
//
// compileTrainStep() is the sequence of named steps below; each step emits its part of the graph
// through the shared builder, in the order the parts appear in the model.
import type { Analysis } from '../analysis/analyze.ts';
import { analyze } from '../analysis/analyze.ts';
import type { Graph, GraphNode } from '../graph/graph.ts';
import { OnnxBuilder, tensorInfo } from '../onnx/builder.ts';
import type { Lowered } from '../onnx/lower.ts';
import { lowerGraph } from '../onnx/lower.ts';
import type { OnnxModel, OnnxValueInfo } from '../onnx/types.ts';
import { isBuffer, paramInputName } from '../params.ts';
import type { Shape } from '../tensor/shape.ts';
import type { Backward } from './backward.ts';
import { backward, CompileError, gradKey } from './backward.ts';
import type { LossKind } from './loss.ts';
import { lossGraph } from './loss.ts';
import type { OptimizerConfig } from './optimizers.ts';
import { stateSlots, updateParameter, withDefaults } from './optimizers.ts';

export { CompileError } from './backward.ts';

export const TRAIN_OPSET = 17;

export interface TrainStepOptions {
  batchSize: number;
  loss: LossKind;
  /** Absent: forward and backward only, every gradient an output (grad, gradcheck). */
  optimizer?: OptimizerConfig;
  /** Clip the global gradient norm to this value (torch.nn.utils.clip_grad_norm_). */
  clipNorm?: number;
  /** Gradients-only models: also output dLoss/dInput for every Input layer (saliency, tests). */
  inputGradients?: boolean;
  /**
   * Gradients-only models: also output every node's forward output and dLoss/d(its output), for
   * stepping through one batch node by node.
   */
  probes?: boolean;
  /**
   * Truncated BPTT: every recurrent layer's initial state is an input and its final state an
   * output (TrainStep.carried), so the trainer carries the state from one window to the next.
   */
  carryState?: boolean;
}

export interface ParamSlot {
  nodeId: string;
  param: string;
  shape: number[];
  input: string;
  /** The updated value (trainable parameters and buffers) or the gradient (gradients-only). */
  output?: string;
  trainable: boolean;
  buffer: boolean;
}

export interface StateSlot {
  nodeId: string;
  param: string;
  slot: string;
  shape: number[];
  input: string;
  output: string;
}

export interface MaskSlot {
  nodeId: string;
  input: string;
  shape: number[];
  p: number;
}

/** A recurrent state carried between windows: fed as `input`, the window's final value at `output`. */
export interface CarrySlot {
  nodeId: string;
  /** The layer's name for it: h0_l0, c0_l0, … */
  name: string;
  shape: number[];
  input: string;
  output: string;
}

export interface TrainStep {
  model: OnnxModel;
  /** Bytes of the forward activations of one step at its batch (the analysis's estimate). */
  activationBytes: number;
  /** Input node id -> graph input name. */
  dataInputs: { nodeId: string; input: string; shape: number[] }[];
  target: { input: string; shape: number[] };
  scalars: { lr: string; biasCorrection1: string; biasCorrection2: string };
  params: ParamSlot[];
  state: StateSlot[];
  masks: MaskSlot[];
  /** With carryState: the recurrent states the trainer carries (empty without a recurrent layer). */
  carried: CarrySlot[];
  outputs: {
    loss: string;
    prediction: string;
    /**
     * With an optimizer: the sum of |value| over every parameter and buffer the step writes. It is
     * finite exactly when they all are (or the sum overflows, past ~3e38), so a caller can tell
     * whether the step's result is safe to take as the next step's input without scanning it.
     */
    writtenAbsSum?: string;
    /** Squared L2 norm of each node's parameter gradients (the vanishing-gradient view). */
    gradSquares: { nodeId: string; output: string }[];
    /** Gradients-only models: parameter gradient outputs, in `params` order. */
    grads: { nodeId: string; param: string; output: string }[];
    /** With inputGradients: Input node id -> dLoss/dInput output. */
    inputGrads: { nodeId: string; output: string }[];
    /**
     * With probes, in topological order: each node's forward output and, when the loss depends on
     * it through a trainable path, dLoss/d(output) (Inputs only with inputGradients).
     */
    probes: ProbeSlot[];
  };
}

export interface ProbeSlot {
  nodeId: string;
  shape: number[];
  forward: string;
  backward?: string;
}

/** Fixes every Input's batch dimension so the train graph has static shapes. */
export function withBatch(graph: Graph, batch: number): Graph {
  return {
    ...graph,
    nodes: graph.nodes.map((n) =>
      n.type === 'Input' ? { ...n, attributes: { ...n.attributes, batch_size: batch } } : n,
    ),
  };
}

const numeric = (s: Shape) => s.map((d) => (typeof d === 'number' ? d : NaN));

/** What every step shares: the analysed graph, the builder and the graph's inputs and outputs. */
interface Compilation {
  opts: TrainStepOptions;
  graph: Graph;
  analysis: Analysis;
  b: OnnxBuilder;
  nodeOf(id: string): GraphNode;
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  /** Declares a graph input and returns its (unique) name. */
  declare(name: string, shape: number[]): string;
}

export function compileTrainStep(graph: Graph, opts: TrainStepOptions): TrainStep {
  const c = startCompilation(graph, opts);
  const params = declareParameters(c);
  const { lowered, masks, carried } = lowerForward(c, params);
  const dataInputs = declareDataInputs(c, lowered);
  const head = addLoss(c, lowered);
  const back = backward({
    ...c,
    lowered,
    sink: head.sink,
    dOutput: head.dOutput,
    inputGradients: !!opts.inputGradients,
    everyNode: !!opts.probes,
  });
  const trainable = params.filter((p) => p.trainable);
  requireGradients(c, trainable, back);
  const inputGrads = opts.inputGradients ? inputGradientOutputs(c, dataInputs, back) : [];
  const probes = opts.probes ? probeOutputs(c, lowered, back) : [];
  const update = opts.optimizer
    ? optimizerUpdate(c, opts.optimizer, trainable, back)
    : { grads: gradientOutputs(c, trainable, back), state: [], scalars: NO_SCALARS };
  bufferUpdateOutputs(c, params, lowered);
  const writtenAbsSum = opts.optimizer ? writtenAbsSumOutput(c.b, c.outputs, params) : undefined;
  c.outputs.unshift(
    tensorInfo(head.loss, []),
    tensorInfo(c.b.op('Identity', [head.prediction], {}, { output: 'prediction' }), head.outShape),
  );
  return {
    model: stepModel(
      c.b,
      c.inputs,
      c.outputs,
      'Netwright train step: forward, loss, backward and optimizer update in standard ONNX operators.',
    ),
    activationBytes: c.analysis.activationBytesPerSample * opts.batchSize,
    dataInputs,
    target: head.target,
    scalars: update.scalars,
    params,
    state: update.state,
    masks,
    carried,
    outputs: {
      loss: head.loss,
      prediction: 'prediction',
      ...(writtenAbsSum ? { writtenAbsSum } : {}),
      gradSquares: back.gradSquares,
      grads: update.grads,
      inputGrads,
      probes,
    },
  };
}

/** Static batch, an analysis without errors, and the builder. */
function startCompilation(graph0: Graph, opts: TrainStepOptions): Compilation {
  const graph = withBatch(graph0, opts.batchSize);
  const analysis = analyze(graph);
  const errors = analysis.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length)
    throw new CompileError(`The model has errors: ${errors.map((d) => d.message).join(' ')}`);
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const b = new OnnxBuilder();
  const inputs: OnnxValueInfo[] = [];
  return {
    opts,
    graph,
    analysis,
    b,
    nodeOf: (id) => byId.get(id)!,
    inputs,
    outputs: [],
    declare: (name, shape) => {
      const n = b.name(name);
      inputs.push(tensorInfo(n, shape));
      return n;
    },
  };
}

/** Every parameter and buffer becomes an input named paramInputName(), declared first. */
function declareParameters(c: Compilation): ParamSlot[] {
  const params: ParamSlot[] = [];
  for (const id of c.analysis.order) {
    const node = c.nodeOf(id);
    for (const p of c.analysis.nodes.get(id)!.parameters) {
      const buffer = isBuffer(p);
      const input = c.declare(paramInputName(node, p.name), p.shape);
      params.push({
        nodeId: id,
        param: p.name,
        shape: p.shape,
        input,
        trainable: !buffer && !node.frozen,
        buffer,
      });
    }
  }
  return params;
}

/** The training-mode forward pass; dropout masks (and carried states) become per-step inputs. */
function lowerForward(c: Compilation, params: ParamSlot[]) {
  const paramInput = new Map(params.map((p) => [gradKey(p.nodeId, p.param), p.input]));
  const masks: MaskSlot[] = [];
  const carried: CarrySlot[] = [];
  const carry = (nodeId: string) => ({
    in: (name: string, shape: number[]) => {
      const input = c.declare(`${c.nodeOf(nodeId).name}.${name}`, shape);
      carried.push({ nodeId, name, shape, input, output: '' });
      return input;
    },
    out: (name: string, tensor: string) => {
      const slot = carried.find((s) => s.nodeId === nodeId && s.name === name)!;
      slot.output = c.b.op('Identity', [tensor], {}, { output: `${slot.input}.new` });
      c.outputs.push(tensorInfo(slot.output, slot.shape));
    },
  });
  const lowered = lowerGraph(c.b, c.graph, c.analysis, {
    ...(c.opts.carryState ? { carry } : {}),
    training: true,
    paramTensor: (id, p) => paramInput.get(gradKey(id, p))!,
    stepInput: (id, _kind, shape, p) => {
      const input = c.declare(`${c.nodeOf(id).name}.mask`, shape);
      masks.push({ nodeId: id, input, shape, p });
      return input;
    },
  });
  return { lowered, masks, carried };
}

function declareDataInputs(c: Compilation, lowered: Lowered): TrainStep['dataInputs'] {
  const dataInputs = lowered.inputs.map((i) => ({ nodeId: i.id, input: i.name, shape: numeric(i.shape) }));
  for (const d of dataInputs) c.inputs.push(tensorInfo(d.input, d.shape));
  return dataInputs;
}

/** The one node nothing consumes: what the loss reads. */
function sinkOf(c: Compilation): string {
  const consumed = new Set(c.graph.edges.map((e) => e.source));
  const sinks = c.analysis.order.filter((id) => !consumed.has(id));
  if (sinks.length !== 1)
    throw new CompileError(
      `Training needs exactly one output layer, but ${sinks.length} layers feed nothing (${sinks.join(', ')}); connect or delete the extra ones.`,
    );
  return sinks[0];
}

/** The target input and the loss on the sink's output, with dLoss/dOutput. */
function addLoss(c: Compilation, lowered: Lowered) {
  const sink = sinkOf(c);
  const outShape = numeric(c.analysis.nodes.get(sink)!.outputShape!);
  const prediction = lowered.tensors.get(sink)!;
  const target = { input: c.declare('target', outShape), shape: outShape };
  const { loss, dOutput } = lossGraph(c.b, c.opts.loss, prediction, target.input, outShape);
  return { sink, outShape, prediction, target, loss, dOutput };
}

function requireGradients(c: Compilation, trainable: ParamSlot[], back: Backward): void {
  for (const p of trainable)
    if (!back.paramGrads.has(gradKey(p.nodeId, p.param)))
      throw new CompileError(
        `${paramInputName(c.nodeOf(p.nodeId), p.param)} gets no gradient: nothing connects it to the loss.`,
      );
}

/** dLoss/dInput of every Input layer the loss depends on. */
function inputGradientOutputs(
  c: Compilation,
  dataInputs: TrainStep['dataInputs'],
  back: Backward,
): TrainStep['outputs']['inputGrads'] {
  const inputGrads: TrainStep['outputs']['inputGrads'] = [];
  for (const d of dataInputs) {
    const parts = back.pending.get(d.nodeId);
    if (!parts) continue;
    const sum = parts.length === 1 ? parts[0] : c.b.op('Sum', parts);
    back.dyOf.set(d.nodeId, sum);
    const output = c.b.op('Identity', [sum], {}, { output: `${d.input}.grad` });
    c.outputs.push(tensorInfo(output, d.shape));
    inputGrads.push({ nodeId: d.nodeId, output });
  }
  return inputGrads;
}

/** Every node's forward output and, where computed, dLoss/d(output), in topological order. */
function probeOutputs(c: Compilation, lowered: Lowered, back: Backward): ProbeSlot[] {
  if (c.opts.optimizer) throw new CompileError('Probes are for gradients-only train steps (no optimizer).');
  return c.analysis.order.map((id) => {
    const name = c.nodeOf(id).name;
    const shape = numeric(c.analysis.nodes.get(id)!.outputShape!);
    const probe = (tensor: string, suffix: string) => {
      const output = c.b.op('Identity', [tensor], {}, { output: c.b.name(`${name}.${suffix}`) });
      c.outputs.push(tensorInfo(output, shape));
      return output;
    };
    const dy = back.dyOf.get(id);
    return {
      nodeId: id,
      shape,
      forward: probe(lowered.tensors.get(id)!, 'probe'),
      ...(dy ? { backward: probe(dy, 'probe_grad') } : {}),
    };
  });
}

/** Gradients-only models: every trainable parameter's gradient is an output. */
function gradientOutputs(
  c: Compilation,
  trainable: ParamSlot[],
  back: Backward,
): TrainStep['outputs']['grads'] {
  return trainable.map((p) => {
    const grad = back.paramGrads.get(gradKey(p.nodeId, p.param))!;
    const output = c.b.op('Identity', [grad], {}, { output: `${p.input}.grad` });
    c.outputs.push(tensorInfo(output, p.shape));
    return { nodeId: p.nodeId, param: p.param, output };
  });
}

const NO_SCALARS = { lr: '', biasCorrection1: '', biasCorrection2: '' };

/** clip_grad_norm_: the factor min(1, max_norm / (total_norm + 1e-6)) every gradient is scaled by. */
export function clipScale(b: OnnxBuilder, clipNorm: number, grads: string[]): string {
  const squares = grads.map((g) => b.op('ReduceSumSquare', [g], { keepdims: 0 }));
  const norm = b.op(
    'Sqrt',
    [squares.length === 1 ? squares[0] : b.op('Sum', squares)],
    {},
    { name: 'clip/norm' },
  );
  const ratio = b.op('Div', [b.scalar(clipNorm), b.op('Add', [norm, b.scalar(1e-6)])]);
  return b.op('Min', [ratio, b.scalar(1)], {}, { name: 'clip/scale' });
}

/**
 * The optimizer update of every trainable parameter: learning rate (and Adam's bias corrections)
 * and each parameter's optimizer state are inputs; the new parameter and state are outputs.
 */
function optimizerUpdate(c: Compilation, optimizer: OptimizerConfig, trainable: ParamSlot[], back: Backward) {
  const { b } = c;
  const cfg = withDefaults(optimizer);
  const scalars = { ...NO_SCALARS, lr: c.declare('lr', []) };
  if (cfg.kind === 'adam' || cfg.kind === 'adamw') {
    scalars.biasCorrection1 = c.declare('bias_correction1', []);
    scalars.biasCorrection2 = c.declare('bias_correction2', []);
  }
  const gradOf = (p: ParamSlot) => back.paramGrads.get(gradKey(p.nodeId, p.param))!;
  const scale = c.opts.clipNorm ? clipScale(b, c.opts.clipNorm, trainable.map(gradOf)) : null;
  const state: StateSlot[] = [];
  for (const p of trainable) {
    const grad = scale ? b.op('Mul', [gradOf(p), scale]) : gradOf(p);
    const slots = stateSlots(cfg.kind).map((slot) => ({
      slot,
      input: c.declare(`${p.input}.${slot}`, p.shape),
    }));
    const next = updateParameter(
      b,
      cfg,
      { param: b.name(`${p.input}.new`), state: slots.map((s) => b.name(`${s.input}.new`)) },
      p.input,
      grad,
      slots.map((s) => s.input),
      scalars,
    );
    p.output = next.param;
    c.outputs.push(tensorInfo(next.param, p.shape));
    slots.forEach((s, i) => {
      const output = next.state[i];
      c.outputs.push(tensorInfo(output, p.shape));
      state.push({ nodeId: p.nodeId, param: p.param, slot: s.slot, shape: p.shape, input: s.input, output });
    });
  }
  return { grads: [], state, scalars };
}

/** New values of buffers the forward pass updated (BatchNorm's running statistics). */
function bufferUpdateOutputs(c: Compilation, params: ParamSlot[], lowered: Lowered): void {
  for (const p of params.filter((x) => x.buffer)) {
    const update = lowered.contexts.get(p.nodeId)!.bufferUpdates[p.param];
    if (!update) continue;
    p.output = c.b.op('Identity', [update], {}, { output: `${p.input}.new` });
    c.outputs.push(tensorInfo(p.output, p.shape));
  }
}

/** Σ|value| over every written parameter and buffer (TrainStep.outputs.writtenAbsSum). */
export function writtenAbsSumOutput(
  b: OnnxBuilder,
  outputs: OnnxValueInfo[],
  params: ParamSlot[],
  name = 'written_abs_sum',
): string | undefined {
  const sums = params.filter((p) => p.output).map((p) => b.op('ReduceL1', [p.output!], { keepdims: 0 }));
  if (!sums.length) return undefined;
  const output = b.op(sums.length === 1 ? 'Identity' : 'Sum', sums, {}, { output: b.name(name) });
  outputs.push(tensorInfo(output, []));
  return output;
}

/** A model of the builder's nodes and initializers, at the train-step opset. */
export function stepModel(
  b: OnnxBuilder,
  inputs: OnnxValueInfo[],
  outputs: OnnxValueInfo[],
  docString: string,
): OnnxModel {
  return {
    irVersion: 8,
    opsetImport: [{ domain: '', version: TRAIN_OPSET }],
    producerName: 'netwright',
    producerVersion: '0.1.0',
    docString,
    graph: {
      name: 'train_step',
      nodes: b.nodes,
      initializers: b.initializers,
      inputs,
      outputs,
      valueInfo: [],
    },
  };
}
