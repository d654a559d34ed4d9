// What nn.LSTM and nn.GRU share: attributes, shapes, PyTorch's parameters (weight_ih_l0 ...),
// MACs, the ONNX lowering through the standard LSTM/GRU operators (gate rows reordered from
// PyTorch's order to ONNX's), the import of what PyTorch 1.13 writes, and the frame of the backward
// pass: the gates recomputed for all steps at once from the saved hidden states, then
// backpropagation through time step by step, then the weight gradients as single GEMMs.
import { dims, reshape, zeros } from '../autodiff/ops.ts';
import { CompileError } from '../autodiff/backward.ts';
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
import type { Shape } from '../tensor/shape.ts';
import { recurrentImport } from './recurrentImport.ts';

export interface RecurrentAttrs {
  hidden_size: number;
  num_layers: number;
  bias: boolean;
  batch_first: boolean;
  bidirectional: boolean;
}

/** Parameter name suffixes of the directions: PyTorch's weight_ih_l0 and weight_ih_l0_reverse. */
const directions = (a: RecurrentAttrs) => (a.bidirectional ? ['', '_reverse'] : ['']);

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
    bidirectional: bool({
      default: false,
      doc: 'A second recurrence reads the sequence backwards; each step outputs both states (2 x hidden_size).',
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
  directions(a).length * a.hidden_size,
];

const inputSize = (inputs: Shape[]) => inputs[0][2] as number;
const layerInput = (inputs: Shape[], a: RecurrentAttrs, l: number) =>
  l === 0 ? inputSize(inputs) : directions(a).length * a.hidden_size;

/** PyTorch's parameters, all uniform in ±1/sqrt(hidden_size) at the start. */
export function recurrentParameters(cell: Cell, inputs: Shape[], a: RecurrentAttrs): ParamSpec[] {
  const rows = cell.gates * a.hidden_size;
  const bound = 1 / Math.sqrt(a.hidden_size);
  const out: ParamSpec[] = [];
  for (let l = 0; l < a.num_layers; l++)
    for (const d of directions(a)) {
      const inF = layerInput(inputs, a, l);
      out.push({ name: `weight_ih_l${l}${d}`, shape: [rows, inF], role: 'weight', bound });
      out.push({ name: `weight_hh_l${l}${d}`, shape: [rows, a.hidden_size], role: 'weight', bound });
      if (a.bias) {
        out.push({ name: `bias_ih_l${l}${d}`, shape: [rows], role: 'bias', bound });
        out.push({ name: `bias_hh_l${l}${d}`, shape: [rows], role: 'bias', bound });
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
  return perStep * steps * directions(a).length;
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
        ['bidirectional', a.bidirectional, false],
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
  const both = a.bidirectional;
  const carry = ctx.training ? ctx.carry : undefined;
  if (carry && both)
    throw new CompileError(
      `${node} is bidirectional: its reverse direction reads the next window, so its state can't be carried from the previous one. Turn bidirectional off, or train without truncated BPTT.`,
    );
  const batch = (a.batch_first ? ctx.inputShapes[0][0] : ctx.inputShapes[0][1]) as number;
  let seq = inputs[0];
  for (let l = 0; l < a.num_layers; l++) {
    const x = (saved[`x_l${l}`] = a.batch_first ? timeMajor(b, seq) : seq);
    // [directions, G*H, ...]: the forward direction's tensor, then the reverse one's.
    const stacked = (name: string) => {
      const parts = directions(a).map((d) =>
        unsqueeze0(b, onnxRows(b, cell, params[`${name}_l${l}${d}`], H)),
      );
      return parts.length === 1 ? parts[0] : b.op('Concat', parts, { axis: 0 });
    };
    const biases = (a.bias ? directions(a) : []).map((d) =>
      unsqueeze0(
        b,
        b.op(
          'Concat',
          [
            onnxRows(b, cell, params[`bias_ih_l${l}${d}`], H),
            onnxRows(b, cell, params[`bias_hh_l${l}${d}`], H),
          ],
          { axis: 0 },
        ),
      ),
    );
    const bias = biases.length > 1 ? [b.op('Concat', biases, { axis: 0 })] : biases;
    const attrs = { hidden_size: H, ...cell.opAttrs, ...(both ? { direction: 'bidirectional' } : {}) };
    // Carried state: (1, N, H) initial h (and c) in, the final ones out for the next window.
    const states = carry ? stateNames(cell, l).map((name) => carry.in(name, [1, batch, H])) : [];
    states.forEach((t, k) => (saved[stateNames(cell, l)[k]] = t));
    const opInputs = [x, stacked('weight_ih'), stacked('weight_hh'), bias[0] ?? ''];
    const [y, ...finals] = b.opN(
      cell.op,
      carry ? [...opInputs, '', ...states] : [...opInputs.slice(0, 3), ...bias],
      attrs,
      1 + states.length,
      { name: `${node}/l${l}` },
    );
    finals.forEach((t, k) => carry!.out(stateNames(cell, l)[k], t));
    const named = l === a.num_layers - 1 && !a.batch_first ? { name: node, output } : {};
    // (L, D, N, H) -> (L, N, D*H), the two directions' states side by side, as PyTorch writes it.
    const hs = both
      ? b.op(
          'Reshape',
          [b.op('Transpose', [y], { perm: [0, 2, 1, 3] }), b.int64s('shape', [0, 0, -1])],
          {},
          named,
        )
      : b.op('Squeeze', [y, b.int64s('axes', [1])], {}, named);
    saved[`y_l${l}`] = hs;
    seq = a.batch_first
      ? b.op('Transpose', [hs], { perm: [1, 0, 2] }, l === a.num_layers - 1 ? { name: node, output } : {})
      : hs;
  }
  return seq;
}

/** The carried state of layer l: h (and c for LSTM), as PyTorch's h_0 and c_0 name them. */
const stateNames = (cell: Cell, l: number) => (cell.op === 'LSTM' ? [`h0_l${l}`, `c0_l${l}`] : [`h0_l${l}`]);

/** What a cell's backward step needs of one layer, all time first: (L, N, features). */
export interface LayerTensors {
  x: string;
  /** h_{t-1} for every step: the initial state (zeros or carried), then the outputs but the last. */
  hPrev: string;
  /** LSTM: the initial cell state, (1, N, H) (zeros or carried from the previous window). */
  c0: string;
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
  const { b, dy, attrs: a, saved, inputShapes, outputShape } = ctx;
  const H = a.hidden_size;
  const [steps, batch] = a.batch_first
    ? dims(outputShape.slice(0, 2)).reverse()
    : dims(outputShape.slice(0, 2));
  let d = a.batch_first ? timeMajor(b, dy) : dy;
  const grads: Record<string, string> = {};
  const dirs = directions(a);
  for (let l = a.num_layers - 1; l >= 0; l--) {
    const inF = l === 0 ? (inputShapes[0][2] as number) : dirs.length * H;
    const dxs = dirs.map((suffix, k) => {
      // The reverse direction is the forward algorithm on the sequence read backwards.
      const order = (t: string) => (suffix ? reverseSteps(b, t, steps) : t);
      const own = (t: string) => (dirs.length === 1 ? t : lastAxis(b, t, k * H, (k + 1) * H));
      const dx = directionGradient(cell, step, ctx, grads, {
        name: `_l${l}${suffix}`,
        x: order(saved[`x_l${l}`]),
        y: order(own(saved[`y_l${l}`])),
        dy: order(own(d)),
        inF,
        steps,
        batch,
        needInput: l > 0 || ctx.needInput[0],
      });
      return dx && order(dx);
    });
    if (dxs[0]) d = dxs.length === 1 ? dxs[0] : b.op('Add', dxs as string[]);
  }
  const dx = ctx.needInput[0] ? (a.batch_first ? timeMajor(b, d) : d) : null;
  return { inputs: [dx], params: grads };
}

/** One direction of one layer, all time first in its own reading order; returns dX (or null). */
function directionGradient(
  cell: Cell,
  step: CellBackward,
  ctx: GradContext<RecurrentAttrs>,
  grads: Record<string, string>,
  t: {
    name: string;
    x: string;
    y: string;
    dy: string;
    inF: number;
    steps: number;
    batch: number;
    needInput: boolean;
  },
): string | null {
  const { b, params, attrs: a } = ctx;
  const H = a.hidden_size;
  const { steps, batch } = t;
  const p = (name: string) => params[`${name}${t.name}`];
  // A carried initial state is a constant here: truncated BPTT sends no gradient into it.
  const first = ctx.saved[`h0${t.name}`] ?? zeros(b, [1, batch, H]);
  const c0 = ctx.saved[`c0${t.name}`] ?? zeros(b, [1, batch, H]);
  const hPrev = steps === 1 ? first : b.op('Concat', [first, sliceSteps(b, t.y, 0, steps - 1)], { axis: 0 });
  const affine = (v: string, w: string, bias: string | undefined) => {
    const product = b.op('MatMul', [v, b.op('Transpose', [w], { perm: [1, 0] })]);
    return bias ? b.op('Add', [product, bias]) : product;
  };
  const gi = affine(t.x, p('weight_ih'), a.bias ? p('bias_ih') : undefined);
  const gh = affine(hPrev, p('weight_hh'), a.bias ? p('bias_hh') : undefined);
  const tensors = { x: t.x, hPrev, c0, gi, gh, weightHh: p('weight_hh'), steps, batch };
  const { dGi, dGh } = step(b, tensors, t.dy, H);
  const rows = cell.gates * H;
  const flatGi = reshape(b, dGi, [steps * batch, rows]);
  const flatGh = reshape(b, dGh, [steps * batch, rows]);
  const flat = (v: string, width: number) => reshape(b, v, [steps * batch, width]);
  grads[`weight_ih${t.name}`] = b.op('Gemm', [flatGi, flat(t.x, t.inF)], { transA: 1 });
  grads[`weight_hh${t.name}`] = b.op('Gemm', [flatGh, flat(hPrev, H)], { transA: 1 });
  if (a.bias) {
    grads[`bias_ih${t.name}`] = b.op('ReduceSum', [flatGi, b.int64s('axes', [0])], { keepdims: 0 });
    grads[`bias_hh${t.name}`] = b.op('ReduceSum', [flatGh, b.int64s('axes', [0])], { keepdims: 0 });
  }
  return t.needInput ? b.op('MatMul', [dGi, p('weight_ih')]) : null;
}

/** The steps of a time-first tensor in reverse order. */
function reverseSteps(b: OnnxBuilder, t: string, steps: number): string {
  const ends = b.int64s('ends', [-steps - 1]);
  return b.op('Slice', [t, b.int64s('starts', [-1]), ends, b.int64s('axes', [0]), b.int64s('steps', [-1])]);
}

/** Features [from, to) of the last axis. */
function lastAxis(b: OnnxBuilder, t: string, from: number, to: number): string {
  return b.op('Slice', [t, b.int64s('starts', [from]), b.int64s('ends', [to]), b.int64s('axes', [-1])]);
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

/** A spread for the gradient contract: one layer, two stacked without biases, time first, bidirectional. */
export const RECURRENT_GRADIENT_CASES: GradientCase[] = [
  { attributes: { hidden_size: 3 }, inputs: [[2, 4, 2]] },
  { attributes: { hidden_size: 2, num_layers: 2, bias: false }, inputs: [[3, 3, 2]] },
  { attributes: { hidden_size: 2, batch_first: false }, inputs: [[3, 2, 3]] },
  { attributes: { hidden_size: 2, num_layers: 2, bidirectional: true }, inputs: [[2, 3, 2]] },
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
    carriesState: true,
    gradient: (ctx) => recurrentGradient(cell, backward, ctx),
    fromOnnx: recurrentImport(cell),
    gradientCases: def.gradientCases,
    examples: def.examples,
  });
}
