// What nn.LSTM and nn.GRU share: attributes, shapes, PyTorch's parameters (weight_ih_l0 ...),
// MACs, the ONNX lowering through the standard LSTM/GRU operators (gate rows reordered from
// PyTorch's order to ONNX's), the import of what PyTorch 1.13 writes, and the frame of the backward
// pass: the gates recomputed for all steps at once from the saved hidden states, then
// backpropagation through time step by step, then the weight gradients as single GEMMs.
import { dims, reshape, zeros } from '../autodiff/ops.ts';
import { problem } from '../diagnostics.ts';
import { call } from '../export/pytorch/python.ts';
import type {
  GradContext,
  GradientCase,
  Gradients,
  LayerExample,
  LowerContext,
  ParamSpec,
  TorchSpelling,
} from '../layer.ts';
import { bool, defineLayer, int } from '../layer.ts';
import type { OnnxBuilder } from '../onnx/builder.ts';
import { floatValues, isData, onlyAttrs, type NodeView, type OnnxMatch } from '../onnx/import/view.ts';
import type { Shape } from '../tensor/shape.ts';

export interface RecurrentAttrs {
  hidden_size: number;
  num_layers: number;
  bias: boolean;
  batch_first: boolean;
}

export interface Cell {
  /** PyTorch's module and the ONNX operator. */
  torch: 'nn.LSTM' | 'nn.GRU';
  op: 'LSTM' | 'GRU';
  /** Gates per step (4 for LSTM: i, f, g, o; 3 for GRU: r, z, n). */
  gates: number;
  /** ONNX gate block k holds PyTorch's block perm[k] (ONNX: LSTM i, o, f, c; GRU z, r, h). */
  perm: number[];
  /** Attributes the ONNX operator needs beyond hidden_size (GRU: linear_before_reset). */
  opAttrs: Record<string, number>;
}

export function recurrentAttributes() {
  return {
    hidden_size: int({
      default: 32,
      min: 1,
      doc: 'Numbers in the hidden state (the output has this many per step).',
    }),
    num_layers: int({
      default: 1,
      min: 1,
      max: 16,
      doc: 'Recurrent layers stacked, each reading the one below.',
    }),
    bias: bool({ default: true, doc: 'Learn the biases b_ih and b_hh.' }),
    batch_first: bool({
      default: true,
      doc: 'Input and output are (N, L, features). Off: (L, N, features), time first, as PyTorch’s default; Netwright’s data is batch first.',
    }),
  };
}

/** (N, L, H_in) or (L, N, H_in) in, the same with hidden_size features out. */
export function recurrentCheck(name: string, inputs: Shape[]) {
  return inputs[0].length !== 3
    ? problem(
        `${name} needs a (N, L, features) sequence, got [${inputs[0].join(', ')}]; add an Embedding or a Reshape before it.`,
      )
    : null;
}

export const recurrentOutput = (inputs: Shape[], a: RecurrentAttrs): Shape => [
  ...inputs[0].slice(0, 2),
  a.hidden_size,
];

const inputSize = (inputs: Shape[]) => inputs[0][2] as number;
const layerInput = (inputs: Shape[], a: RecurrentAttrs, l: number) =>
  l === 0 ? inputSize(inputs) : a.hidden_size;

/** PyTorch's parameters, all uniform in ±1/sqrt(hidden_size) at the start. */
export function recurrentParameters(cell: Cell, inputs: Shape[], a: RecurrentAttrs): ParamSpec[] {
  const rows = cell.gates * a.hidden_size;
  const bound = 1 / Math.sqrt(a.hidden_size);
  const out: ParamSpec[] = [];
  for (let l = 0; l < a.num_layers; l++) {
    out.push({ name: `weight_ih_l${l}`, shape: [rows, layerInput(inputs, a, l)], role: 'weight', bound });
    out.push({ name: `weight_hh_l${l}`, shape: [rows, a.hidden_size], role: 'weight', bound });
    if (a.bias) {
      out.push({ name: `bias_ih_l${l}`, shape: [rows], role: 'bias', bound });
      out.push({ name: `bias_hh_l${l}`, shape: [rows], role: 'bias', bound });
    }
  }
  return out;
}

/**
 * The two matrix products per step and layer: gates x (input + hidden) x hidden_size, times L
 * (per step when L is the free first axis of a time-first input).
 */
export function recurrentMacs(cell: Cell, inputs: Shape[], a: RecurrentAttrs): number {
  const length = a.batch_first ? inputs[0][1] : inputs[0][0];
  const steps = typeof length === 'number' ? length : 1;
  let perStep = 0;
  for (let l = 0; l < a.num_layers; l++)
    perStep += cell.gates * a.hidden_size * (layerInput(inputs, a, l) + a.hidden_size);
  return perStep * steps;
}

export function recurrentTorch(cell: Cell, inputs: Shape[], a: RecurrentAttrs): TorchSpelling {
  return {
    module: call(
      cell.torch,
      [inputSize(inputs), a.hidden_size],
      [
        ['num_layers', a.num_layers, 1],
        ['bias', a.bias, true],
        ['batch_first', a.batch_first, false],
      ],
    ),
    // PyTorch returns (output, state); the layer is the output sequence.
    call: (self, [x]) => `${self}(${x})[0]`,
  };
}

/** Rows of a [gates * H, ...] PyTorch tensor in ONNX's gate order. */
function onnxRows(b: OnnxBuilder, cell: Cell, t: string, hidden: number): string {
  const index = cell.perm.flatMap((g) => Array.from({ length: hidden }, (_, k) => g * hidden + k));
  return b.op('Gather', [t, b.int64s('gate_rows', index)], { axis: 0 });
}

const unsqueeze0 = (b: OnnxBuilder, t: string) => b.op('Unsqueeze', [t, b.int64s('axes', [0])]);
const timeMajor = (b: OnnxBuilder, t: string) => b.op('Transpose', [t], { perm: [1, 0, 2] });

/**
 * The standard ONNX operator per layer, each layer written as PyTorch writes one (time first inside,
 * transposed in and out when batch_first) so that every layer imports back; the time-first input
 * and output of each layer are saved for the backward pass.
 */
export function recurrentToOnnx(cell: Cell, ctx: LowerContext<RecurrentAttrs>): string {
  const { b, inputs, params, attrs: a, node, output, saved } = ctx;
  const H = a.hidden_size;
  let seq = inputs[0];
  for (let l = 0; l < a.num_layers; l++) {
    const x = (saved[`x_l${l}`] = a.batch_first ? timeMajor(b, seq) : seq);
    const w = unsqueeze0(b, onnxRows(b, cell, params[`weight_ih_l${l}`], H));
    const r = unsqueeze0(b, onnxRows(b, cell, params[`weight_hh_l${l}`], H));
    const rows = (p: string) => onnxRows(b, cell, params[`${p}_l${l}`], H);
    const bias = a.bias
      ? [unsqueeze0(b, b.op('Concat', [rows('bias_ih'), rows('bias_hh')], { axis: 0 }))]
      : [];
    const [y] = b.opN(cell.op, [x, w, r, ...bias], { hidden_size: H, ...cell.opAttrs }, 1, {
      name: `${node}/l${l}`,
    });
    const named = l === a.num_layers - 1 ? { name: node, output } : {};
    const squeezed = b.op('Squeeze', [y, b.int64s('axes', [1])], {}, a.batch_first ? {} : named);
    saved[`y_l${l}`] = squeezed;
    seq = a.batch_first ? b.op('Transpose', [squeezed], { perm: [1, 0, 2] }, named) : squeezed;
  }
  return seq;
}

/** What a cell's backward step needs of one layer, all time first: (L, N, features). */
export interface LayerTensors {
  x: string;
  /** h_{t-1} for every step: zeros, then the outputs but the last. */
  hPrev: string;
  /** x W_ihᵀ + b_ih and h_{t-1} W_hhᵀ + b_hh for all steps at once, (L, N, gates * H). */
  gi: string;
  gh: string;
  weightHh: string;
  steps: number;
  batch: number;
}

/** One layer's BPTT: dY in (L, N, H); dGates for the input and hidden products out, (L, N, G*H). */
export type CellBackward = (
  b: OnnxBuilder,
  t: LayerTensors,
  dy: string,
  hidden: number,
) => { dGi: string; dGh: string };

/** Splits (L, ...) into L tensors of (1, ...). */
export function timeSteps(b: OnnxBuilder, t: string, steps: number): string[] {
  if (steps === 1) return [t];
  return b.opN('Split', [t, b.int64s('split', Array(steps).fill(1))], { axis: 0 }, steps);
}

/** The whole backward pass of a stacked recurrent layer; the cell supplies its per-layer BPTT. */
export function recurrentGradient(
  cell: Cell,
  step: CellBackward,
  ctx: GradContext<RecurrentAttrs>,
): Gradients {
  const { b, dy, params, attrs: a, saved, inputShapes, outputShape } = ctx;
  const H = a.hidden_size;
  const [steps, batch] = a.batch_first
    ? dims(outputShape.slice(0, 2)).reverse()
    : dims(outputShape.slice(0, 2));
  let d = a.batch_first ? timeMajor(b, dy) : dy;
  const grads: Record<string, string> = {};
  for (let l = a.num_layers - 1; l >= 0; l--) {
    const x = saved[`x_l${l}`];
    const y = saved[`y_l${l}`];
    const inF = l === 0 ? (inputShapes[0][2] as number) : H;
    const hPrev =
      steps === 1
        ? zeros(b, [1, batch, H])
        : b.op('Concat', [zeros(b, [1, batch, H]), sliceSteps(b, y, 0, steps - 1)], { axis: 0 });
    const affine = (t: string, w: string, bias: string | undefined) => {
      const product = b.op('MatMul', [t, b.op('Transpose', [w], { perm: [1, 0] })]);
      return bias ? b.op('Add', [product, bias]) : product;
    };
    const gi = affine(x, params[`weight_ih_l${l}`], a.bias ? params[`bias_ih_l${l}`] : undefined);
    const gh = affine(hPrev, params[`weight_hh_l${l}`], a.bias ? params[`bias_hh_l${l}`] : undefined);
    const weightHh = params[`weight_hh_l${l}`];
    const { dGi, dGh } = step(b, { x, hPrev, gi, gh, weightHh, steps, batch }, d, H);
    const rows = cell.gates * H;
    const flatGi = reshape(b, dGi, [steps * batch, rows]);
    const flatGh = reshape(b, dGh, [steps * batch, rows]);
    grads[`weight_ih_l${l}`] = b.op('Gemm', [flatGi, reshape(b, x, [steps * batch, inF])], { transA: 1 });
    grads[`weight_hh_l${l}`] = b.op('Gemm', [flatGh, reshape(b, hPrev, [steps * batch, H])], { transA: 1 });
    if (a.bias) {
      grads[`bias_ih_l${l}`] = b.op('ReduceSum', [flatGi, b.int64s('axes', [0])], { keepdims: 0 });
      grads[`bias_hh_l${l}`] = b.op('ReduceSum', [flatGh, b.int64s('axes', [0])], { keepdims: 0 });
    }
    if (l > 0 || ctx.needInput[0]) d = b.op('MatMul', [dGi, params[`weight_ih_l${l}`]]);
  }
  const dx = ctx.needInput[0] ? (a.batch_first ? timeMajor(b, d) : d) : null;
  return { inputs: [dx], params: grads };
}

/** Steps [from, to) of a time-first tensor. */
export function sliceSteps(b: OnnxBuilder, t: string, from: number, to: number): string {
  return b.op('Slice', [t, b.int64s('starts', [from]), b.int64s('ends', [to]), b.int64s('axes', [0])]);
}

/** Equal blocks of the last axis (the gates of an (L, N, G*H) tensor). */
export function splitLast(b: OnnxBuilder, t: string, parts: number, width: number): string[] {
  return b.opN('Split', [t, b.int64s('split', Array(parts).fill(width))], { axis: -1 }, parts);
}

/** The small element-wise vocabulary of the cells' backward steps. */
export function cellOps(b: OnnxBuilder) {
  const op =
    (type: string) =>
    (...xs: string[]) =>
      b.op(type, xs);
  const mul = (...xs: string[]) => xs.reduce((p, x) => b.op('Mul', [p, x]));
  const oneMinus = (x: string) => b.op('Sub', [b.scalar(1), x]);
  return {
    mul,
    add: op('Add'),
    sub: op('Sub'),
    sigmoid: op('Sigmoid'),
    tanh: op('Tanh'),
    oneMinus,
    /** σ'(a) = σ(a)(1 - σ(a)) from s = σ(a); tanh'(a) = 1 - t² from t = tanh(a). */
    sigmoidSlope: (s: string) => mul(s, oneMinus(s)),
    tanhSlope: (t: string) => oneMinus(mul(t, t)),
    concat: (xs: string[], axis: number) => (xs.length === 1 ? xs[0] : b.op('Concat', xs, { axis })),
  };
}

// ---------------------------------------------------------------------------------------------
// Import: [Transpose(1, 0, 2)] -> LSTM/GRU -> Squeeze(axis 1) -> [Transpose(1, 0, 2)], as PyTorch
// writes one layer of a batch_first (or time-first) module; initial states absent or zero.

const isPerm102 = (n: NodeView | undefined) =>
  n?.opType === 'Transpose' && JSON.stringify(n.attrs.ints('perm') ?? []) === '[1,0,2]';

function only(n: NodeView): NodeView | undefined {
  const readers = n.consumers(0);
  return readers.length === 1 && !n.isGraphOutput(0) ? readers[0] : undefined;
}

function allZero(v: NodeView['inputs'][number]): boolean {
  if (!v) return true;
  const values = floatValues(v);
  return !!values && values.every((x) => x === 0);
}

/** PyTorch's row order from ONNX's: block perm[k] of the result is ONNX block k. */
function torchRows(values: Float32Array, cell: Cell, hidden: number, width: number): Float32Array {
  const out = new Float32Array(values.length);
  const block = hidden * width;
  cell.perm.forEach((g, k) => out.set(values.subarray(k * block, (k + 1) * block), g * block));
  return out;
}

function readCell(
  cell: Cell,
  n: NodeView,
): { attributes: Record<string, number | boolean>; params: Record<string, Float32Array> } | null {
  const [x, w, r, bias, seqLens, h0, c0] = n.inputs;
  const allowed = ['hidden_size', 'direction', ...Object.keys(cell.opAttrs)];
  if (!isData(x) || seqLens || !allZero(h0) || !allZero(c0) || !onlyAttrs(n, allowed)) return null;
  if (n.attrs.string('direction', 'forward') !== 'forward') return null;
  for (const [k, v] of Object.entries(cell.opAttrs)) if (n.attrs.int(k, 0) !== v) return null;
  const H = n.attrs.int('hidden_size', 0);
  const wv = floatValues(w);
  const rv = floatValues(r);
  const inF = w?.value?.dims?.[2];
  if (!wv || !rv || !inF || wv.length !== cell.gates * H * inF || rv.length !== cell.gates * H * H)
    return null;
  const params: Record<string, Float32Array> = {
    weight_ih_l0: torchRows(wv, cell, H, inF),
    weight_hh_l0: torchRows(rv, cell, H, H),
  };
  if (bias) {
    const bv = floatValues(bias);
    if (bv?.length !== 2 * cell.gates * H) return null;
    params.bias_ih_l0 = torchRows(bv.subarray(0, cell.gates * H), cell, H, 1);
    params.bias_hh_l0 = torchRows(bv.subarray(cell.gates * H), cell, H, 1);
  }
  return { attributes: { hidden_size: H, num_layers: 1, bias: !!bias }, params };
}

export function recurrentImport(cell: Cell) {
  return {
    opTypes: [cell.op, 'Transpose'],
    read: (node: NodeView): OnnxMatch | null => {
      const batchFirst = node.opType === 'Transpose';
      if (batchFirst && (!isPerm102(node) || node.inputs.length !== 1)) return null;
      const rnn = batchFirst ? only(node) : node;
      if (rnn?.opType !== cell.op || (batchFirst && rnn.inputs[0]?.name !== node.outputs[0].name))
        return null;
      if (rnn.consumers(1).length || rnn.consumers(2).length) return null;
      const read = readCell(cell, rnn);
      const squeeze = only(rnn);
      const axes = squeeze?.inputs[1] ? constantInts(squeeze.inputs[1]) : squeeze?.attrs.ints('axes');
      if (!read || squeeze?.opType !== 'Squeeze' || JSON.stringify(axes) !== '[1]') return null;
      const back = batchFirst ? only(squeeze) : undefined;
      if (batchFirst && !isPerm102(back)) return null;
      return {
        attributes: { ...read.attributes, batch_first: batchFirst },
        params: read.params,
        absorbs: batchFirst ? [rnn, squeeze, back!] : [squeeze],
      };
    },
  };
}

function constantInts(v: NodeView['inputs'][number]): number[] | undefined {
  const data = v?.value?.data;
  return data ? Array.from(data as ArrayLike<number | bigint>, Number) : undefined;
}

/** A spread for the gradient contract: one layer, two stacked without biases, time first. */
export const RECURRENT_GRADIENT_CASES: GradientCase[] = [
  { attributes: { hidden_size: 3 }, inputs: [[2, 4, 2]] },
  { attributes: { hidden_size: 2, num_layers: 2, bias: false }, inputs: [[3, 3, 2]] },
  { attributes: { hidden_size: 2, batch_first: false }, inputs: [[3, 2, 3]] },
];

/** The layer definition of a recurrent cell; its file supplies the cell, its BPTT and its cases. */
export function recurrentLayer(
  cell: Cell,
  backward: CellBackward,
  def: { summary: string; gradientCases: GradientCase[]; examples: LayerExample[] },
) {
  return defineLayer({
    type: cell.op,
    category: 'other',
    torch: cell.torch,
    toTorch: ({ inputShapes, attrs }) => recurrentTorch(cell, inputShapes, attrs),
    summary: def.summary,
    inputs: { names: ['x'] },
    attributes: recurrentAttributes(),
    check: (_a, inputs) => recurrentCheck(cell.op, inputs),
    outputShape: (inputs, a) => recurrentOutput(inputs, a),
    parameters: (inputs, a) => recurrentParameters(cell, inputs, a),
    macs: (inputs, _out, a) => recurrentMacs(cell, inputs, a),
    receptiveField: () => ({ kind: 'sequence', causal: true }),
    toOnnx: (ctx) => recurrentToOnnx(cell, ctx),
    gradient: (ctx) => recurrentGradient(cell, backward, ctx),
    fromOnnx: recurrentImport(cell),
    gradientCases: def.gradientCases,
    examples: def.examples,
  });
}
