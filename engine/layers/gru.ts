import {
  cellOps,
  splitLast,
  timeSteps,
  type Cell,
  type CellBackward,
  recurrentLayer,
  RECURRENT_GRADIENT_CASES,
} from '../families/recurrent.ts';
import { recurrentGates, sigmoid, type GateStep } from '../families/recurrentInternals.ts';
import type { InternalsContext } from '../layer.ts';

// PyTorch's gates r, z, n; ONNX's z, r, h. linear_before_reset = 1 is PyTorch's n = tanh(W_in x +
// b_in + r (W_hn h + b_hn)).
const GRU_CELL: Cell = {
  torch: 'nn.GRU',
  op: 'GRU',
  gates: 3,
  perm: [1, 0, 2],
  opAttrs: { linear_before_reset: 1 },
};

/**
 * h_t = (1 - z) n + z h_{t-1}. Every gate is known from the saved hidden states, so only dh runs
 * backwards through time: dh_t = dY_t + dh_{t+1} z_{t+1} + dGh_{t+1} W_hh, with
 *   dGi = dh [σ'(r) ghn tanh'(n) (1 - z), σ'(z) (h_{t-1} - n), tanh'(n) (1 - z)] and dGh the same
 *   but r tanh'(n) (1 - z) for the n block (r scales the hidden product inside the tanh).
 */
const gruBackward: CellBackward = (b, t, dy, H) => {
  const k = cellOps(b);
  const [gir, giz, gin] = splitLast(b, t.gi, 3, H);
  const [ghr, ghz, ghn] = splitLast(b, t.gh, 3, H);
  const r = k.sigmoid(k.add(gir, ghr));
  const z = k.sigmoid(k.add(giz, ghz));
  const n = k.tanh(k.add(gin, k.mul(r, ghn)));
  const pn = k.mul(k.oneMinus(z), k.tanhSlope(n));
  const pz = k.mul(k.sub(t.hPrev, n), k.sigmoidSlope(z));
  const pr = k.mul(pn, ghn, k.sigmoidSlope(r));
  const slopesI = timeSteps(b, k.concat([pr, pz, pn], -1), t.steps);
  const slopesH = timeSteps(b, k.concat([pr, pz, k.mul(pn, r)], -1), t.steps);
  const keep = timeSteps(b, z, t.steps);
  const dys = timeSteps(b, dy, t.steps);
  const dGi: string[] = [];
  const dGh: string[] = [];
  let dhNext: string | null = null;
  for (let s = t.steps - 1; s >= 0; s--) {
    const dh = dhNext ? k.add(dys[s], dhNext) : dys[s];
    const spread = k.concat([dh, dh, dh], -1);
    dGi[s] = k.mul(spread, slopesI[s]);
    dGh[s] = k.mul(spread, slopesH[s]);
    if (s > 0) dhNext = k.add(k.mul(dh, keep[s]), b.op('MatMul', [dGh[s], t.weightHh]));
  }
  return { dGi: k.concat(dGi, 0), dGh: k.concat(dGh, 0) };
};

/** n = tanh(W_in x + b_in + r (W_hn h + b_hn)), h_t = (1 - z) n + z h_{t-1}. */
const GRU_GATES: GateStep = {
  gates: ['r', 'z', 'n'],
  step: (gi, gh, u, H, h, _c, out) => {
    const r = sigmoid(gi[u] + gh[u]);
    const z = sigmoid(gi[H + u] + gh[H + u]);
    const n = Math.tanh(gi[2 * H + u] + r * gh[2 * H + u]);
    [out[u], out[H + u], out[2 * H + u]] = [r, z, n];
    return [(1 - z) * n + z * h, 0];
  },
};

const layer = recurrentLayer(GRU_CELL, gruBackward, {
  summary:
    'Gated recurrent unit: reads a sequence step by step, an update gate blending old and new state; outputs every step’s hidden state.',
  gradientCases: RECURRENT_GRADIENT_CASES,
  examples: [
    {
      why: 'a forecaster: one feature per step, 32 hidden, 50 steps',
      attributes: { hidden_size: 32 },
      inputs: [['N', 50, 1]],
      output: ['N', 50, 32],
      params: 3 * 32 * (1 + 32) + 2 * 3 * 32,
      macs: 3 * 32 * (1 + 32) * 50,
    },
    {
      why: 'two layers, time first: 20 steps of a batch of 3',
      attributes: { hidden_size: 8, num_layers: 2, batch_first: false },
      inputs: [[20, 3, 4]],
      output: [20, 3, 8],
      params: 3 * 8 * (4 + 8) + 3 * 8 * (8 + 8) + 4 * 3 * 8,
    },
    {
      why: 'two bidirectional layers: the second reads 2 x 4 features',
      attributes: { hidden_size: 4, num_layers: 2, bidirectional: true },
      inputs: [['N', 6, 3]],
      output: ['N', 6, 8],
      params: 2 * (3 * 4 * (3 + 4) + 2 * 3 * 4) + 2 * (3 * 4 * (8 + 4) + 2 * 3 * 4),
    },
  ],
});

export default { ...layer, internals: (ctx: InternalsContext<never>) => recurrentGates(GRU_GATES, ctx) };
