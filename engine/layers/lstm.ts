import {
  cellOps,
  sliceSteps,
  splitLast,
  timeSteps,
  type Cell,
  type CellBackward,
  recurrentLayer,
  RECURRENT_GRADIENT_CASES,
} from '../families/recurrent.ts';
import { recurrentGates, sigmoid, type GateStep } from '../families/recurrentInternals.ts';
import type { InternalsContext } from '../layer.ts';

// PyTorch's gates i, f, g, o; ONNX's i, o, f, c.
const LSTM_CELL: Cell = { torch: 'nn.LSTM', op: 'LSTM', gates: 4, perm: [0, 3, 1, 2], opAttrs: {} };

/**
 * c_t = f c_{t-1} + i g, h_t = o tanh(c_t). With every gate known from the saved hidden states,
 * only dh and dc run backwards through time:
 *   dh_t = dY_t + dGates_{t+1} W_hh,  dc_t = dc_{t+1} f_{t+1} + dh_t o_t (1 - tanh² c_t),
 *   dGates_t = [dc g σ'(i), dc c_{t-1} σ'(f), dc i tanh'(g), dh tanh(c) σ'(o)].
 */
const lstmBackward: CellBackward = (b, t, dy, H) => {
  const k = cellOps(b);
  const [ai, af, ag, ao] = splitLast(b, k.add(t.gi, t.gh), 4, H);
  const [i, f, g, o] = [k.sigmoid(ai), k.sigmoid(af), k.tanh(ag), k.sigmoid(ao)];
  // The cell states, by the forward recurrence over the (cheap) element-wise part.
  const inflow = timeSteps(b, k.mul(i, g), t.steps);
  const forget = timeSteps(b, f, t.steps);
  const cells: string[] = [];
  for (let s = 0; s < t.steps; s++) cells.push(k.add(k.mul(forget[s], s ? cells[s - 1] : t.c0), inflow[s]));
  const c = k.concat(cells, 0);
  const cPrev = t.steps === 1 ? t.c0 : k.concat([t.c0, sliceSteps(b, c, 0, t.steps - 1)], 0);
  const tc = k.tanh(c);
  const carry = timeSteps(b, k.mul(o, k.tanhSlope(tc)), t.steps);
  const slopes = timeSteps(
    b,
    k.concat(
      [
        k.mul(g, k.sigmoidSlope(i)),
        k.mul(cPrev, k.sigmoidSlope(f)),
        k.mul(i, k.tanhSlope(g)),
        k.mul(tc, k.sigmoidSlope(o)),
      ],
      -1,
    ),
    t.steps,
  );
  const dys = timeSteps(b, dy, t.steps);
  const dGates: string[] = [];
  let dhNext: string | null = null;
  let dcNext: string | null = null;
  for (let s = t.steps - 1; s >= 0; s--) {
    const dh = dhNext ? k.add(dys[s], dhNext) : dys[s];
    const dc = dcNext ? k.add(k.mul(dh, carry[s]), dcNext) : k.mul(dh, carry[s]);
    const dG = k.mul(k.concat([dc, dc, dc, dh], -1), slopes[s]);
    dGates[s] = dG;
    if (s > 0) {
      dhNext = b.op('MatMul', [dG, t.weightHh]);
      dcNext = k.mul(dc, forget[s]);
    }
  }
  const dG = k.concat(dGates, 0);
  return { dGi: dG, dGh: dG };
};

/** c_t = f c_{t-1} + i g, h_t = o tanh(c_t), gates i, f, o by sigmoid and g by tanh. */
const LSTM_GATES: GateStep = {
  gates: ['i', 'f', 'g', 'o'],
  step: (gi, gh, u, H, _h, c, out) => {
    const pre = (k: number) => gi[k * H + u] + gh[k * H + u];
    const [i, f, g, o] = [sigmoid(pre(0)), sigmoid(pre(1)), Math.tanh(pre(2)), sigmoid(pre(3))];
    [out[u], out[H + u], out[2 * H + u], out[3 * H + u]] = [i, f, g, o];
    const cell = f * c + i * g;
    return [o * Math.tanh(cell), cell];
  },
};

const layer = recurrentLayer(LSTM_CELL, lstmBackward, {
  summary:
    'Long short-term memory: reads a sequence step by step, gating what its cell state keeps; outputs every step’s hidden state.',
  gradientCases: RECURRENT_GRADIENT_CASES,
  examples: [
    {
      why: 'character model: 32-number embeddings, 64 hidden, 100 steps',
      attributes: { hidden_size: 64 },
      inputs: [['N', 100, 32]],
      output: ['N', 100, 64],
      params: 4 * 64 * (32 + 64) + 2 * 4 * 64,
      macs: 4 * 64 * (32 + 64) * 100,
    },
    {
      why: 'two layers without biases: the second reads 16 hidden features',
      attributes: { hidden_size: 16, num_layers: 2, bias: false },
      inputs: [['N', 10, 8]],
      output: ['N', 10, 16],
      params: 4 * 16 * (8 + 16) + 4 * 16 * (16 + 16),
    },
    {
      why: 'bidirectional: both directions’ 5 states side by side',
      attributes: { hidden_size: 5, bidirectional: true },
      inputs: [['N', 7, 3]],
      output: ['N', 7, 10],
      params: 2 * (4 * 5 * (3 + 5) + 2 * 4 * 5),
      macs: 2 * 4 * 5 * (3 + 5) * 7,
    },
  ],
});

export default { ...layer, internals: (ctx: InternalsContext<never>) => recurrentGates(LSTM_GATES, ctx) };
