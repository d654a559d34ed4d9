// Step through's view inside nn.LSTM and nn.GRU: every gate's activation at every step, for one
// sample, computed in float64 from the sample's input and PyTorch's parameters (weight_ih_l0 …,
// rows in PyTorch's gate order). Each cell file supplies its gate step; the loop over layers,
// directions and steps is shared here.
import type { InternalsContext, LayerInternals } from '../layer.ts';

export interface GateStep {
  /** PyTorch's gate names in row order: i, f, g, o (LSTM); r, z, n (GRU). */
  gates: string[];
  /**
   * One step of one unit: `gi` and `gh` hold the gates' pre-activations from the input
   * (W_ih x + b_ih) and from the previous hidden state (W_hh h + b_hh), `u` the unit, `H` the
   * width. Writes the gate activations to `out`; returns the new [h, c] of this unit.
   */
  step(
    gi: Float64Array,
    gh: Float64Array,
    u: number,
    H: number,
    h: number,
    c: number,
    out: Float64Array,
  ): [number, number];
}

export const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

interface RecurrentView {
  hidden_size: number;
  num_layers: number;
  bias: boolean;
  batch_first: boolean;
  bidirectional: boolean;
}

/** W x (+ b) for one step: rows × width weights times a width vector. */
function affine(
  w: Float32Array,
  b: Float32Array | undefined,
  x: ArrayLike<number>,
  rows: number,
  width: number,
): Float64Array {
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = b ? b[r] : 0;
    for (let c = 0; c < width; c++) s += w[r * width + c] * x[c];
    out[r] = s;
  }
  return out;
}

/** All gates of every layer, direction and step of one sample, starting from zero states. */
export function recurrentGates(
  cell: GateStep,
  ctx: InternalsContext<RecurrentView>,
): LayerInternals | string {
  const { attrs: a, params } = ctx;
  if (!a.batch_first) return 'The gates are shown for batch_first layers only; switch batch_first on.';
  const [L, inF] = ctx.inputShape;
  const H = a.hidden_size;
  const G = cell.gates.length;
  const D = a.bidirectional ? 2 : 1;
  const values = new Float32Array(a.num_layers * D * L * G * H);
  let x: Float64Array = Float64Array.from(ctx.input);
  let width = inF;
  const gate = new Float64Array(G * H);
  for (let l = 0; l < a.num_layers; l++) {
    const next = new Float64Array(L * D * H);
    for (let d = 0; d < D; d++) {
      const p = (name: string) => params.get(`${name}_l${l}${d ? '_reverse' : ''}`);
      const h = new Float64Array(H);
      const c = new Float64Array(H);
      for (let k = 0; k < L; k++) {
        const t = d ? L - 1 - k : k;
        const gi = affine(
          p('weight_ih')!,
          a.bias ? p('bias_ih') : undefined,
          x.subarray(t * width, (t + 1) * width),
          G * H,
          width,
        );
        const gh = affine(p('weight_hh')!, a.bias ? p('bias_hh') : undefined, h, G * H, H);
        for (let u = 0; u < H; u++) [h[u], c[u]] = cell.step(gi, gh, u, H, h[u], c[u], gate);
        values.set(gate, ((l * D + d) * L + t) * G * H);
        next.set(h, (t * D + d) * H);
      }
    }
    x = next;
    width = D * H;
  }
  return {
    kind: 'gates',
    gates: cell.gates,
    layers: a.num_layers,
    directions: D,
    steps: L,
    units: H,
    values,
  };
}
