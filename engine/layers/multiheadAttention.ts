// nn.MultiheadAttention as self-attention: one sequence is the query, key and value.
//   q, k, v = split(x W_inᵀ + b_in), each cut into num_heads heads of d = embed_dim / num_heads;
//   P = softmax(q kᵀ / sqrt(d) [+ causal mask]) per head; y = concat_heads(P v) W_outᵀ + b_out.
// The backward pass is written out (attention is three matrix products and a softmax):
//   dV = Pᵀ dO, dP = dO Vᵀ, dS = P (dP - rowsum(dP P)), dQ = dS K / sqrt(d), dK = dSᵀ Q / sqrt(d).
import { dims, reshape } from '../autodiff/ops.ts';
import { problem } from '../diagnostics.ts';
import { call, decimal } from '../export/pytorch/python.ts';
import type { GradContext, LowerContext } from '../layer.ts';
import { bool, defineLayer, float, int } from '../layer.ts';
import type { OnnxBuilder } from '../onnx/builder.ts';
import { attentionImport } from '../families/attention.ts';
import type { Shape } from '../tensor/shape.ts';

export interface AttentionAttrs {
  embed_dim: number;
  num_heads: number;
  dropout: number;
  bias: boolean;
  batch_first: boolean;
  is_causal: boolean;
}

/** Query rows see key columns at or before their own step: -inf above the diagonal. */
export function causalMask(steps: number): Float32Array {
  const mask = new Float32Array(steps * steps);
  for (let i = 0; i < steps; i++) for (let j = i + 1; j < steps; j++) mask[i * steps + j] = -Infinity;
  return mask;
}

/** Sequence length of the input (time first or batch first). */
const steps = (x: Shape, a: AttentionAttrs) => (a.batch_first ? x[1] : x[0]);

const swap01 = (b: OnnxBuilder, t: string) => b.op('Transpose', [t], { perm: [1, 0, 2] });
/** (N, L, E) -> (N, heads, L, d); kᵀ as (N, heads, d, L). */
const heads = (b: OnnxBuilder, t: string, h: number, d: number, perm = [0, 2, 1, 3]) =>
  b.op('Transpose', [reshape(b, t, [0, 0, h, d])], { perm });
/** (N, heads, L, d) -> (N, L, E). */
const merged = (b: OnnxBuilder, t: string, e: number) =>
  reshape(b, b.op('Transpose', [t], { perm: [0, 2, 1, 3] }), [0, 0, e]);

/**
 * One sample's attention probabilities, heads × L × L, in float64 from x (L × E) and the in
 * projection: what PyTorch returns with need_weights=True, average_attn_weights=False (before
 * dropout).
 */
function attentionWeights(
  x: Float32Array,
  L: number,
  params: ReadonlyMap<string, Float32Array>,
  a: AttentionAttrs,
): Float32Array {
  const e = a.embed_dim;
  const d = e / a.num_heads;
  const w = params.get('in_proj_weight')!;
  const bias = params.get('in_proj_bias');
  // q and k rows of x W_inᵀ + b_in (v is not needed for the weights).
  const qk = new Float64Array(L * 2 * e);
  for (let t = 0; t < L; t++)
    for (let r = 0; r < 2 * e; r++) {
      let s = bias ? bias[r] : 0;
      for (let c = 0; c < e; c++) s += x[t * e + c] * w[r * e + c];
      qk[t * 2 * e + r] = s;
    }
  const out = new Float32Array(a.num_heads * L * L);
  const row = new Float64Array(L);
  for (let h = 0; h < a.num_heads; h++)
    for (let i = 0; i < L; i++) {
      let max = -Infinity;
      for (let j = 0; j < L; j++) {
        let s = 0;
        for (let c = h * d; c < (h + 1) * d; c++) s += qk[i * 2 * e + c] * qk[j * 2 * e + e + c];
        row[j] = a.is_causal && j > i ? -Infinity : s / Math.sqrt(d);
        max = Math.max(max, row[j]);
      }
      let sum = 0;
      for (let j = 0; j < L; j++) sum += row[j] = Math.exp(row[j] - max);
      for (let j = 0; j < L; j++) out[(h * L + i) * L + j] = row[j] / sum;
    }
  return out;
}

function project(b: OnnxBuilder, x: string, weight: string, bias: string | undefined, name: string) {
  const y = b.op('MatMul', [x, b.op('Transpose', [weight], { perm: [1, 0] })], {}, { name });
  return bias ? b.op('Add', [y, bias]) : y;
}

/**
 * Batch first inside; the tensors the backward pass needs are saved. The order of ops is the one
 * the import pattern (families/attention.ts) reads back.
 */
function lower(ctx: LowerContext<AttentionAttrs>): string {
  const { b, inputs, inputShapes, attrs: a, params, node, output, saved } = ctx;
  const e = inputShapes[0][2] as number;
  const h = a.num_heads;
  const d = e / h;
  const x = (saved.x = a.batch_first ? inputs[0] : swap01(b, inputs[0]));
  const qkv = project(
    b,
    x,
    params.in_proj_weight,
    a.bias ? params.in_proj_bias : undefined,
    `${node}/in_proj`,
  );
  const [q, k, v] = b.opN('Split', [qkv, b.int64s('split', [e, e, e])], { axis: -1 }, 3);
  saved.q = b.op('Mul', [heads(b, q, h, d), b.scalar(1 / Math.sqrt(d))]);
  saved.kT = heads(b, k, h, d, [0, 2, 3, 1]);
  saved.v = heads(b, v, h, d);
  let scores = b.op('MatMul', [saved.q, saved.kT], {}, { name: `${node}/scores` });
  if (a.is_causal) {
    const L = steps(inputShapes[0], a) as number;
    scores = b.op('Add', [scores, b.floats(`${node}.causal_mask`, [L, L], causalMask(L))]);
  }
  saved.p = b.op('Softmax', [scores], { axis: -1 }, { name: `${node}/weights` });
  let p = saved.p;
  if (ctx.training && a.dropout > 0) {
    const [n, L] = dims(a.batch_first ? inputShapes[0].slice(0, 2) : [inputShapes[0][1], inputShapes[0][0]]);
    saved.mask = ctx.stepInput('dropout-mask', [n, h, L, L], a.dropout);
    p = b.op('Mul', [p, saved.mask]);
  }
  saved.o = merged(b, b.op('MatMul', [p, saved.v]), e);
  const last = a.batch_first ? { name: node, output } : { name: `${node}/out` };
  const wo = b.op('Transpose', [params.out_proj_weight], { perm: [1, 0] });
  let y = a.bias
    ? b.op(
        'Add',
        [b.op('MatMul', [saved.o, wo], {}, { name: `${node}/out_proj` }), params.out_proj_bias],
        {},
        last,
      )
    : b.op('MatMul', [saved.o, wo], {}, last);
  if (!a.batch_first) y = b.op('Transpose', [y], { perm: [1, 0, 2] }, { name: node, output });
  return y;
}

/** dW = dYᵀ X and db = column sums over every (sample, step) row; dX = dY W. */
function linearGrads(b: OnnxBuilder, dy: string, x: string, w: string, widths: [number, number]) {
  const rowsDy = reshape(b, dy, [-1, widths[0]]);
  return {
    weight: b.op('Gemm', [rowsDy, reshape(b, x, [-1, widths[1]])], { transA: 1 }),
    bias: b.op('ReduceSum', [rowsDy, b.int64s('axes', [0])], { keepdims: 0 }),
    input: b.op('MatMul', [dy, w]),
  };
}

function gradient(ctx: GradContext<AttentionAttrs>) {
  const { b, attrs: a, saved, params, inputShapes } = ctx;
  const e = inputShapes[0][2] as number;
  const h = a.num_heads;
  const d = e / h;
  const dy = a.batch_first ? ctx.dy : swap01(b, ctx.dy);
  const out = linearGrads(b, dy, saved.o, params.out_proj_weight, [e, e]);
  const dO = heads(b, out.input, h, d);
  const pd = saved.mask ? b.op('Mul', [saved.p, saved.mask]) : saved.p;
  const dV = b.op('MatMul', [b.op('Transpose', [pd], { perm: [0, 1, 3, 2] }), dO]);
  let dP = b.op('MatMul', [dO, b.op('Transpose', [saved.v], { perm: [0, 1, 3, 2] })]);
  if (saved.mask) dP = b.op('Mul', [dP, saved.mask]);
  // Softmax backward; masked (-inf) scores have P = 0 and so no gradient.
  const rowDot = b.op('ReduceSum', [b.op('Mul', [dP, saved.p]), b.int64s('axes', [-1])], { keepdims: 1 });
  const dS = b.op('Mul', [saved.p, b.op('Sub', [dP, rowDot])]);
  const scale = b.scalar(1 / Math.sqrt(d));
  // S = q_s kᵀ with q_s = q / sqrt(d): dq = dS k / sqrt(d), dk = dSᵀ q_s.
  const dQ = b.op('Mul', [
    b.op('MatMul', [dS, b.op('Transpose', [saved.kT], { perm: [0, 1, 3, 2] })]),
    scale,
  ]);
  const dK = b.op('MatMul', [b.op('Transpose', [dS], { perm: [0, 1, 3, 2] }), saved.q]);
  const dQkv = b.op('Concat', [merged(b, dQ, e), merged(b, dK, e), merged(b, dV, e)], { axis: -1 });
  const inp = linearGrads(b, dQkv, saved.x, params.in_proj_weight, [3 * e, e]);
  const grads: Record<string, string> = { in_proj_weight: inp.weight, out_proj_weight: out.weight };
  if (a.bias) Object.assign(grads, { in_proj_bias: inp.bias, out_proj_bias: out.bias });
  const dx = ctx.needInput[0] ? (a.batch_first ? inp.input : swap01(b, inp.input)) : null;
  return { inputs: [dx], params: grads };
}

export default defineLayer({
  type: 'MultiheadAttention',
  category: 'other',
  torch: 'nn.MultiheadAttention',
  summary:
    'Self-attention: every step of the sequence takes a learned, softmax-weighted mix of all steps (or, causal, of the earlier ones), in several heads.',
  inputs: { names: ['x'] },
  attributes: {
    embed_dim: int({
      default: 32,
      min: 1,
      doc: 'Features per step, in and out; must equal the input’s last dimension.',
    }),
    num_heads: int({ default: 1, min: 1, doc: 'Parallel heads; embed_dim is split evenly among them.' }),
    dropout: float({
      default: 0,
      min: 0,
      max: 1,
      exclusiveMax: true,
      doc: 'In training, drop attention weights with this probability.',
    }),
    bias: bool({ default: true, doc: 'Learn the biases of the input and output projections.' }),
    batch_first: bool({
      default: true,
      doc: 'Input and output are (N, L, embed_dim). Off: (L, N, embed_dim), time first, as PyTorch’s default; Netwright’s data is batch first.',
    }),
    is_causal: bool({
      default: false,
      doc: 'Each step attends only to itself and earlier steps (a causal mask, for predicting the next step).',
    }),
  },
  check: (a, inputs) => {
    const x = inputs[0];
    if (x.length !== 3)
      return problem(
        `MultiheadAttention needs a (N, L, embed_dim) sequence, got [${x.join(', ')}]; add an Embedding or a Reshape before it.`,
      );
    if (x[2] !== a.embed_dim)
      return problem(
        `embed_dim is ${a.embed_dim} but the input has ${x[2]} features per step; set embed_dim to ${x[2]}.`,
        'embed_dim',
      );
    if (a.embed_dim % a.num_heads)
      return problem(
        `embed_dim ${a.embed_dim} does not split into ${a.num_heads} equal heads; choose num_heads dividing ${a.embed_dim}.`,
        'num_heads',
      );
    if (a.is_causal && typeof steps(x, a) !== 'number')
      return problem(
        'A causal mask needs a fixed sequence length; give the input a fixed length.',
        'is_causal',
      );
    return null;
  },
  outputShape: (inputs) => inputs[0],
  // PyTorch's initialisation: in_proj_weight Xavier-uniform, out_proj a Linear's, both biases zero.
  parameters: (_inputs, a) => [
    {
      name: 'in_proj_weight',
      shape: [3 * a.embed_dim, a.embed_dim],
      role: 'weight',
      bound: Math.sqrt(6 / (4 * a.embed_dim)),
    },
    ...(a.bias
      ? [{ name: 'in_proj_bias', shape: [3 * a.embed_dim], role: 'bias' as const, init: 'zeros' as const }]
      : []),
    { name: 'out_proj_weight', shape: [a.embed_dim, a.embed_dim], role: 'weight' },
    ...(a.bias
      ? [{ name: 'out_proj_bias', shape: [a.embed_dim], role: 'bias' as const, init: 'zeros' as const }]
      : []),
  ],
  // Four projections (q, k, v, out) of E x E per step, and two L x L x E products (scores, mix).
  macs: (inputs, _out, a) => {
    const L = steps(inputs[0], a);
    const n = typeof L === 'number' ? L : 1;
    return 4 * n * a.embed_dim * a.embed_dim + 2 * n * n * a.embed_dim;
  },
  receptiveField: (_inputs, a) => ({ kind: 'sequence', causal: a.is_causal }),
  internals: ({ input, inputShape, params, attrs: a }) =>
    a.batch_first
      ? {
          kind: 'attention',
          heads: a.num_heads,
          steps: inputShape[0],
          weights: attentionWeights(input, inputShape[0], params, a),
        }
      : 'The attention map is shown for batch_first layers only; switch batch_first on.',
  toTorch: ({ attrs: a }) => {
    const len = a.batch_first ? 'x.shape[1]' : 'x.shape[0]';
    const mask = a.is_causal
      ? `, attn_mask=torch.ones(${len}, ${len}, dtype=torch.bool, device=x.device).triu(1)`
      : '';
    return {
      module: call(
        'nn.MultiheadAttention',
        [a.embed_dim, a.num_heads],
        [
          ['dropout', a.dropout === 0 ? 0 : decimal(a.dropout), 0],
          ['bias', a.bias, true],
          ['batch_first', a.batch_first, false],
        ],
      ),
      // Self-attention: the sequence is query, key and value; the module returns (output, weights).
      // Without biases, a key that is another tensor object keeps PyTorch 1.13 off its inference
      // fast path, which fails there for a missing in_proj_bias.
      call: (self, [x]) => {
        const kv = a.bias ? x : `${x}[:]`;
        return `${self}(${x}, ${kv}, ${kv}, need_weights=False${mask.replace(/\bx\./g, `${x}.`)})[0]`;
      },
      stateNames: { out_proj_weight: 'out_proj.weight', out_proj_bias: 'out_proj.bias' },
    };
  },
  toOnnx: lower,
  gradient,
  fromOnnx: attentionImport(),
  gradientCases: [
    { attributes: { embed_dim: 4, num_heads: 2 }, inputs: [[2, 3, 4]] },
    { attributes: { embed_dim: 6, num_heads: 3, is_causal: true, bias: false }, inputs: [[2, 4, 6]] },
    { attributes: { embed_dim: 4, batch_first: false, is_causal: true }, inputs: [[3, 2, 4]] },
  ],
  examples: [
    {
      why: 'a tiny transformer: 16 steps of 32 features, 4 heads',
      attributes: { embed_dim: 32, num_heads: 4 },
      inputs: [['N', 16, 32]],
      output: ['N', 16, 32],
      params: 4 * 32 * 32 + 4 * 32,
      macs: 4 * 16 * 32 * 32 + 2 * 16 * 16 * 32,
    },
    {
      why: 'causal, time first, no biases',
      attributes: { embed_dim: 8, num_heads: 2, is_causal: true, bias: false, batch_first: false },
      inputs: [[10, 3, 8]],
      output: [10, 3, 8],
      params: 4 * 8 * 8,
    },
  ],
});
