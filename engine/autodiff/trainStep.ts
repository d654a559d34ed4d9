// Compiles a graph into one ONNX "train step" model of standard operators: forward (batch
// statistics, dropout masks fed per step), loss, backward (each layer's gradient rule, summed
// over fan-out), optional gradient clipping, and the optimizer update. Parameters, buffers and
// optimizer state are inputs and come back as outputs, so the trainer feeds them round.
import type { Analysis } from '../analysis/analyze.ts';
import { analyze } from '../analysis/analyze.ts';
import type { Graph } from '../graph/graph.ts';
import { getLayer } from '../layers/index.ts';
import { minInputs } from '../layer.ts';
import { OnnxBuilder, tensorInfo } from '../onnx/builder.ts';
import { lowerGraph } from '../onnx/lower.ts';
import type { OnnxModel, OnnxValueInfo } from '../onnx/types.ts';
import type { Shape } from '../tensor/shape.ts';
import type { LossKind } from './loss.ts';
import { lossGraph } from './loss.ts';
import type { OptimizerConfig } from './optimizers.ts';
import { stateSlots, updateParameter, withDefaults } from './optimizers.ts';

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

export interface TrainStep {
  model: OnnxModel;
  /** Input node id -> graph input name. */
  dataInputs: { nodeId: string; input: string; shape: number[] }[];
  target: { input: string; shape: number[] };
  scalars: { lr: string; biasCorrection1: string; biasCorrection2: string };
  params: ParamSlot[];
  state: StateSlot[];
  masks: MaskSlot[];
  outputs: {
    loss: string;
    prediction: string;
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

export class CompileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CompileError';
  }
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

function sinkOf(graph: Graph, analysis: Analysis): string {
  const consumed = new Set(graph.edges.map((e) => e.source));
  const sinks = analysis.order.filter((id) => !consumed.has(id));
  if (sinks.length !== 1)
    throw new CompileError(
      `Training needs exactly one output layer, but ${sinks.length} layers feed nothing (${sinks.join(', ')}); connect or delete the extra ones.`,
    );
  return sinks[0];
}

export function compileTrainStep(graph0: Graph, opts: TrainStepOptions): TrainStep {
  const graph = withBatch(graph0, opts.batchSize);
  const analysis = analyze(graph);
  const errors = analysis.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length)
    throw new CompileError(`The model has errors: ${errors.map((d) => d.message).join(' ')}`);
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const b = new OnnxBuilder();
  const inputs: OnnxValueInfo[] = [];
  const outputs: OnnxValueInfo[] = [];
  const declare = (name: string, shape: number[]) => {
    const n = b.name(name);
    inputs.push(tensorInfo(n, shape));
    return n;
  };

  const params: ParamSlot[] = [];
  const paramInput = new Map<string, string>();
  for (const id of analysis.order) {
    for (const p of analysis.nodes.get(id)!.parameters) {
      const buffer = p.role === 'buffer';
      const input = declare(`${byId.get(id)!.name}.${p.name}`, p.shape);
      paramInput.set(`${id}/${p.name}`, input);
      params.push({
        nodeId: id,
        param: p.name,
        shape: p.shape,
        input,
        trainable: !buffer && !byId.get(id)!.frozen,
        buffer,
      });
    }
  }
  const masks: MaskSlot[] = [];
  const lowered = lowerGraph(b, graph, analysis, {
    training: true,
    paramTensor: (id, p) => paramInput.get(`${id}/${p}`)!,
    stepInput: (id, _kind, shape, p) => {
      const input = declare(`${byId.get(id)!.name}.mask`, shape);
      masks.push({ nodeId: id, input, shape, p });
      return input;
    },
  });
  const dataInputs = lowered.inputs.map((i) => ({ nodeId: i.id, input: i.name, shape: numeric(i.shape) }));
  for (const d of dataInputs) inputs.push(tensorInfo(d.input, d.shape));

  const sink = sinkOf(graph, analysis);
  const outShape = numeric(analysis.nodes.get(sink)!.outputShape!);
  const prediction = lowered.tensors.get(sink)!;
  const target = { input: declare('target', outShape), shape: outShape };
  const { loss, dOutput } = lossGraph(b, opts.loss, prediction, target.input, outShape);

  // Backward: reverse topological order, gradients summed over fan-out.
  const incoming = new Map<string, string[]>();
  for (const e of graph.edges) {
    let l = incoming.get(e.target);
    if (!l) incoming.set(e.target, (l = []));
    l[e.targetPort] = e.source;
  }
  const pending = new Map<string, string[]>([[sink, [dOutput]]]);
  const isSource = (id: string) => minInputs(getLayer(byId.get(id)!.type)!) === 0;
  // A node's output gradient is worth computing only if it reaches a trainable parameter (or an
  // Input whose gradient was asked for): dX of a first layer, e.g. 784x512 in an MLP, is as costly
  // as its dW and would be thrown away. Probes show every node's gradient, so they keep them all.
  const reachesTrainable = new Set<string>();
  for (const id of analysis.order) {
    const node = byId.get(id)!;
    const own = isSource(id)
      ? !!opts.inputGradients
      : !node.frozen && analysis.nodes.get(id)!.parameters.some((p) => p.role !== 'buffer');
    if (own || (incoming.get(id) ?? []).some((s) => reachesTrainable.has(s))) reachesTrainable.add(id);
  }
  const wantsGradient = (id: string) =>
    isSource(id) ? !!opts.inputGradients : !!opts.probes || reachesTrainable.has(id);
  const paramGrads = new Map<string, string>();
  // The summed upstream gradient each node's backward rule was given.
  const dyOf = new Map<string, string>();
  const gradSquares: TrainStep['outputs']['gradSquares'] = [];
  for (const id of [...analysis.order].reverse()) {
    const parts = pending.get(id);
    const def = getLayer(byId.get(id)!.type)!;
    if (!parts || minInputs(def) === 0) continue;
    if (!def.gradient)
      throw new CompileError(
        `${byId.get(id)!.name} (${def.type}) has no gradient rule, so nothing before it can be trained; freeze the layers before it or replace it.`,
      );
    const dy =
      parts.length === 1
        ? parts[0]
        : b.op(parts.length === 2 ? 'Add' : 'Sum', parts, {}, { name: `${byId.get(id)!.name}/grad_sum` });
    dyOf.set(id, dy);
    const sources = incoming.get(id) ?? [];
    const ctx = lowered.contexts.get(id)!;
    const g = def.gradient({
      ...ctx,
      y: lowered.tensors.get(id)!,
      dy,
      needInput: sources.map((s) => wantsGradient(s)),
    } as never);
    sources.forEach((s, port) => {
      const dx = g.inputs[port];
      if (!dx || !wantsGradient(s)) return;
      const list = pending.get(s) ?? [];
      list.push(dx);
      pending.set(s, list);
    });
    const squares: string[] = [];
    for (const [p, grad] of Object.entries(g.params)) {
      paramGrads.set(`${id}/${p}`, grad);
      squares.push(b.op('ReduceSumSquare', [grad], { keepdims: 0 }));
    }
    if (squares.length) {
      const total = squares.length === 1 ? squares[0] : b.op('Sum', squares);
      const output = b.op('Identity', [total], {}, { output: `${byId.get(id)!.name}.grad_sq` });
      outputs.push(tensorInfo(output, []));
      gradSquares.push({ nodeId: id, output });
    }
  }

  const state: StateSlot[] = [];
  const grads: TrainStep['outputs']['grads'] = [];
  const scalars = { lr: '', biasCorrection1: '', biasCorrection2: '' };
  const trainable = params.filter((p) => p.trainable);
  for (const p of trainable)
    if (!paramGrads.has(`${p.nodeId}/${p.param}`))
      throw new CompileError(
        `${byId.get(p.nodeId)!.name}.${p.param} gets no gradient: nothing connects it to the loss.`,
      );

  const inputGrads: TrainStep['outputs']['inputGrads'] = [];
  if (opts.inputGradients)
    for (const d of dataInputs) {
      const parts = pending.get(d.nodeId);
      if (!parts) continue;
      const sum = parts.length === 1 ? parts[0] : b.op('Sum', parts);
      dyOf.set(d.nodeId, sum);
      const output = b.op('Identity', [sum], {}, { output: `${d.input}.grad` });
      outputs.push(tensorInfo(output, d.shape));
      inputGrads.push({ nodeId: d.nodeId, output });
    }
  const probes: ProbeSlot[] = [];
  if (opts.probes) {
    if (opts.optimizer) throw new CompileError('Probes are for gradients-only train steps (no optimizer).');
    for (const id of analysis.order) {
      const name = byId.get(id)!.name;
      const shape = numeric(analysis.nodes.get(id)!.outputShape!);
      const probe = (tensor: string, suffix: string) => {
        const output = b.op('Identity', [tensor], {}, { output: b.name(`${name}.${suffix}`) });
        outputs.push(tensorInfo(output, shape));
        return output;
      };
      const dy = dyOf.get(id);
      probes.push({
        nodeId: id,
        shape,
        forward: probe(lowered.tensors.get(id)!, 'probe'),
        ...(dy ? { backward: probe(dy, 'probe_grad') } : {}),
      });
    }
  }
  if (!opts.optimizer) {
    for (const p of trainable) {
      const output = b.op(
        'Identity',
        [paramGrads.get(`${p.nodeId}/${p.param}`)!],
        {},
        { output: `${p.input}.grad` },
      );
      outputs.push(tensorInfo(output, p.shape));
      grads.push({ nodeId: p.nodeId, param: p.param, output });
    }
  } else {
    const cfg = withDefaults(opts.optimizer);
    scalars.lr = declare('lr', []);
    if (cfg.kind === 'adam' || cfg.kind === 'adamw') {
      scalars.biasCorrection1 = declare('bias_correction1', []);
      scalars.biasCorrection2 = declare('bias_correction2', []);
    }
    let scale: string | null = null;
    if (opts.clipNorm) {
      // clip_grad_norm_: scale = min(1, max_norm / (total_norm + 1e-6)).
      const squares = trainable.map((p) =>
        b.op('ReduceSumSquare', [paramGrads.get(`${p.nodeId}/${p.param}`)!], { keepdims: 0 }),
      );
      const norm = b.op(
        'Sqrt',
        [squares.length === 1 ? squares[0] : b.op('Sum', squares)],
        {},
        { name: 'clip/norm' },
      );
      const ratio = b.op('Div', [b.scalar(opts.clipNorm), b.op('Add', [norm, b.scalar(1e-6)])]);
      scale = b.op('Min', [ratio, b.scalar(1)], {}, { name: 'clip/scale' });
    }
    for (const p of trainable) {
      let grad = paramGrads.get(`${p.nodeId}/${p.param}`)!;
      if (scale) grad = b.op('Mul', [grad, scale]);
      const slots = stateSlots(cfg.kind).map((slot) => ({
        slot,
        input: declare(`${p.input}.${slot}`, p.shape),
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
      outputs.push(tensorInfo(next.param, p.shape));
      slots.forEach((s, i) => {
        const output = next.state[i];
        outputs.push(tensorInfo(output, p.shape));
        state.push({
          nodeId: p.nodeId,
          param: p.param,
          slot: s.slot,
          shape: p.shape,
          input: s.input,
          output,
        });
      });
    }
  }
  for (const p of params.filter((x) => x.buffer)) {
    const update = lowered.contexts.get(p.nodeId)!.bufferUpdates[p.param];
    if (!update) continue;
    p.output = b.op('Identity', [update], {}, { output: `${p.input}.new` });
    outputs.push(tensorInfo(p.output, p.shape));
  }
  outputs.unshift(
    tensorInfo(loss, []),
    tensorInfo(b.op('Identity', [prediction], {}, { output: 'prediction' }), outShape),
  );

  const model: OnnxModel = {
    irVersion: 8,
    opsetImport: [{ domain: '', version: TRAIN_OPSET }],
    producerName: 'netwright',
    producerVersion: '0.1.0',
    docString:
      'Netwright train step: forward, loss, backward and optimizer update in standard ONNX operators.',
    graph: {
      name: 'train_step',
      nodes: b.nodes,
      initializers: b.initializers,
      inputs,
      outputs,
      valueInfo: [],
    },
  };
  return {
    model,
    dataInputs,
    target,
    scalars,
    params,
    state,
    masks,
    outputs: { loss, prediction: 'prediction', gradSquares, grads, inputGrads, probes },
  };
}
