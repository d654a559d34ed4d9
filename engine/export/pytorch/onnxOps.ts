// Imported ONNX operators Netwright keeps as opaque OnnxOp nodes, in PyTorch: a faithful torch
// expression where the operator has one (its ONNX semantics at the node's opset), else the reason
// there is none, which the exporter reports with the node's name. Keyed by ONNX operator type:
// these are ONNX's operators, not Netwright layers.
import type { TorchContext, TorchSpelling } from '../../layer.ts';
import { Attrs } from '../../onnx/import/attrs.ts';
import { decodeOpaque, type Opaque, type OpaqueAttrs } from '../../onnx/import/opaque.ts';
import { call, decimal, py } from './python.ts';

type Spell = (o: Opaque, a: Attrs, rank: number) => TorchSpelling | string;

const expression = (f: (inputs: string[]) => string): TorchSpelling => ({ expression: f });
const unary =
  (fn: string): Spell =>
  () =>
    expression(([x]) => `${fn}(${x})`);
const binary =
  (op: string): Spell =>
  () =>
    expression(([a, b]) => `${a} ${op} ${b}`);

/** The float value of a scalar constant input, or undefined. */
function scalarConst(o: Opaque, slot: number): number | undefined {
  const c = o.consts[slot];
  if (!c || c.data.length !== 1) return undefined;
  return Number(c.data[0]);
}

const SPELLINGS: Record<string, Spell> = {
  Identity: () => expression(([x]) => x),
  Relu: unary('torch.relu'),
  Sigmoid: unary('torch.sigmoid'),
  Tanh: unary('torch.tanh'),
  Exp: unary('torch.exp'),
  Log: unary('torch.log'),
  Sqrt: unary('torch.sqrt'),
  Abs: unary('torch.abs'),
  Neg: unary('torch.neg'),
  Erf: unary('torch.erf'),
  Floor: unary('torch.floor'),
  Ceil: unary('torch.ceil'),
  Reciprocal: unary('torch.reciprocal'),
  Softplus: unary('F.softplus'),
  Softsign: unary('F.softsign'),
  Add: binary('+'),
  Sub: binary('-'),
  Mul: binary('*'),
  Div: binary('/'),
  MatMul: () => expression(([a, b]) => `torch.matmul(${a}, ${b})`),
  Max: () => expression((xs) => xs.reduce((acc, x) => `torch.maximum(${acc}, ${x})`)),
  Min: () => expression((xs) => xs.reduce((acc, x) => `torch.minimum(${acc}, ${x})`)),
  LeakyRelu: (_o, a) => expression(([x]) => `F.leaky_relu(${x}, ${decimal(a.float('alpha', 0.01)).raw})`),
  Elu: (_o, a) => expression(([x]) => `F.elu(${x}, alpha=${decimal(a.float('alpha', 1)).raw})`),
  HardSigmoid: (_o, a) =>
    expression(
      ([x]) =>
        `torch.clamp(${decimal(a.float('alpha', 0.2)).raw} * ${x} + ${decimal(a.float('beta', 0.5)).raw}, 0.0, 1.0)`,
    ),
  Transpose: (_o, a, rank) => {
    const perm = a.ints('perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
    return expression(([x]) => `${x}.permute(${perm.join(', ')})`);
  },
  // Before opset 13 Softmax flattened to 2-D at `axis`; that equals a softmax over the last axis
  // only when the axis is the last one.
  Softmax: (o, a, rank) => softmax(o, a, rank, 'torch.softmax'),
  LogSoftmax: (o, a, rank) => softmax(o, a, rank, 'torch.log_softmax'),
  LRN: (_o, a) => ({
    module: call(
      'nn.LocalResponseNorm',
      [a.int('size', 1)],
      [
        ['alpha', decimal(a.float('alpha', 1e-4)), decimal(1e-4)],
        ['beta', decimal(a.float('beta', 0.75)), decimal(0.75)],
        ['k', decimal(a.float('bias', 1)), decimal(1)],
      ],
    ),
  }),
  GlobalMaxPool: (_o, _a, rank) =>
    expression(
      ([x]) => `torch.amax(${x}, dim=${py(Array.from({ length: rank - 2 }, (_, i) => i + 2))}, keepdim=True)`,
    ),
  Clip: (o, a) => {
    // Opset 11 moved min and max from attributes to (optional, constant) inputs.
    const min = o.opset < 11 ? a.float('min') : scalarConst(o, 1);
    const max = o.opset < 11 ? a.float('max') : scalarConst(o, 2);
    if ((o.opset >= 11 && o.slots[1] && min === undefined) || (o.slots[2] && max === undefined))
      return 'its bounds are not constants';
    const bounds = [
      ...(min !== undefined ? [`min=${decimal(min).raw}`] : []),
      ...(max !== undefined ? [`max=${decimal(max).raw}`] : []),
    ];
    return expression(([x]) => (bounds.length ? `torch.clamp(${x}, ${bounds.join(', ')})` : x));
  },
};

function softmax(o: Opaque, a: Attrs, rank: number, fn: string): TorchSpelling | string {
  const axis = a.int('axis', o.opset < 13 ? 1 : -1);
  const last = axis === -1 || axis === rank - 1;
  if (o.opset < 13 && !last)
    return `opset ${o.opset} ${o.opType} normalises over all axes from ${axis} on, which no single torch call does`;
  return expression(([x]) => `${fn}(${x}, dim=${axis})`);
}

/** The OnnxOp layer's toTorch(): a spelling, or { refuse } naming what stands in the way. */
export function opaqueToTorch(ctx: TorchContext<OpaqueAttrs>): TorchSpelling {
  let o: Opaque;
  try {
    o = decodeOpaque(ctx.attrs);
  } catch (e) {
    return { refuse: `the imported ONNX node is damaged (${(e as Error).message}); re-import the model` };
  }
  const label = `ONNX ${o.domain ? `${o.domain}.` : ''}${o.opType}`;
  const spell = o.domain === '' || o.domain === 'ai.onnx' ? SPELLINGS[o.opType] : undefined;
  if (!spell)
    return {
      refuse: `${label} has no PyTorch equivalent in the exporter; replace the node with Netwright layers, or export ONNX instead`,
    };
  if (o.outputs !== 1 || o.outer.length)
    return { refuse: `${label} with several outputs or subgraphs has no PyTorch spelling here` };
  if (o.slots.some((s) => s && 'param' in s))
    return { refuse: `${label} with learned weights has no PyTorch spelling here; export ONNX instead` };
  const ports = o.slots.filter((s) => s && 'port' in s).length;
  const rank = ctx.inputShapes[0]?.length ?? 0;
  const result = spell(o, new Attrs(o.attributes), rank);
  if (typeof result === 'string') return { refuse: `${label}: ${result}` };
  // Constant operands other than Clip's bounds would need their values inlined: refuse them.
  if (o.opType !== 'Clip' && ports !== o.slots.filter(Boolean).length)
    return { refuse: `${label} with a constant operand has no PyTorch spelling here; export ONNX instead` };
  return result;
}
