// Embedding, Upsample and the recurrent layers, from PyTorch's definitions (torch.nn docs).
import type { Attrs } from './attrs.ts';
import { attrInt, perAxis } from './attrs.ts';
import type { RefTensor } from './tensor.ts';
import { expectShape, fmt, refTensor } from './tensor.ts';

/** nn.Embedding: out[..., :] = weight[id] for every id of the input (ids must be whole and in range). */
export function embedding(a: Attrs, x: RefTensor, params: Record<string, RefTensor>): RefTensor {
  const n = attrInt(a, 'num_embeddings');
  const d = attrInt(a, 'embedding_dim');
  const w = expectShape('weight', params.weight, [n, d]).data;
  const y = refTensor([...x.shape, d]);
  x.data.forEach((id, i) => {
    if (!Number.isInteger(id) || id < 0 || id >= n)
      throw new Error(`Embedding: id ${id} is not in [0, ${n})`);
    for (let j = 0; j < d; j++) y.data[i * d + j] = w[id * d + j];
  });
  return y;
}

/**
 * nn.Upsample on (N, C, H, W) with whole scale factors. nearest: source = floor(o / s).
 * bilinear (upsample_bilinear2d): source = (o + 0.5) / s - 0.5 clamped at 0, or o (in - 1) / (out - 1)
 * with align_corners; the two neighbours floor(source) and the next (clamped to the edge).
 */
export function upsample(a: Attrs, x: RefTensor): RefTensor {
  const [sh, sw] = perAxis('scale_factor', a.scale_factor, 2);
  const mode = a.mode;
  const alignCorners = a.align_corners === true;
  if (x.shape.length !== 4) throw new Error(`Upsample expects (N, C, H, W), got ${fmt(x.shape)}`);
  const [n, c, h, w] = x.shape;
  const [oh, ow] = [h * sh, w * sw];
  const y = refTensor([n, c, oh, ow]);
  const taps = (o: number, size: number, s: number, out: number): [number, number, number] => {
    if (mode === 'nearest') return [Math.floor(o / s), 0, 0];
    if (mode !== 'bilinear') throw new Error(`Upsample mode ${JSON.stringify(mode)}`);
    let src = alignCorners ? (out > 1 ? (o * (size - 1)) / (out - 1) : 0) : (o + 0.5) / s - 0.5;
    if (src < 0) src = 0;
    const lo = Math.min(Math.floor(src), size - 1);
    return [lo, Math.min(lo + 1, size - 1), src - lo];
  };
  for (let p = 0; p < n * c; p++)
    for (let i = 0; i < oh; i++) {
      const [r0, r1, fr] = taps(i, h, sh, oh);
      for (let j = 0; j < ow; j++) {
        const [c0, c1, fc] = taps(j, w, sw, ow);
        const at = (r: number, q: number) => x.data[(p * h + r) * w + q];
        y.data[(p * oh + i) * ow + j] =
          mode === 'nearest'
            ? at(r0, c0)
            : (1 - fr) * ((1 - fc) * at(r0, c0) + fc * at(r0, c1)) +
              fr * ((1 - fc) * at(r1, c0) + fc * at(r1, c1));
      }
    }
  return y;
}

const sigm = (v: number) => 1 / (1 + Math.exp(-v));

/**
 * One step of nn.LSTM or nn.GRU for one sample, from the torch.nn docs. gi = W_ih x + b_ih and
 * gh = W_hh h + b_hh in PyTorch's gate order (LSTM i, f, g, o; GRU r, z, n); returns h and c.
 */
function cellStep(kind: 'LSTM' | 'GRU', gi: number[], gh: number[], h: number[], c: number[], H: number) {
  const nh = new Array<number>(H);
  const nc = new Array<number>(H);
  for (let j = 0; j < H; j++) {
    if (kind === 'LSTM') {
      const [i, f, g, o] = [0, 1, 2, 3].map((k) => gi[k * H + j] + gh[k * H + j]);
      nc[j] = sigm(f) * c[j] + sigm(i) * Math.tanh(g);
      nh[j] = sigm(o) * Math.tanh(nc[j]);
    } else {
      const r = sigm(gi[j] + gh[j]);
      const z = sigm(gi[H + j] + gh[H + j]);
      const n = Math.tanh(gi[2 * H + j] + r * gh[2 * H + j]);
      nh[j] = (1 - z) * n + z * h[j];
    }
  }
  return { h: nh, c: nc };
}

/** W v + b for a [rows, cols] weight (row-major) and an optional bias. */
function affine(w: Float64Array, b: Float64Array | null, v: number[], rows: number): number[] {
  const cols = v.length;
  return Array.from({ length: rows }, (_, r) => {
    let s = b ? b[r] : 0;
    for (let k = 0; k < cols; k++) s += w[r * cols + k] * v[k];
    return s;
  });
}

/**
 * nn.LSTM / nn.GRU: the first output, every step's h (both directions'). The initial state is zero
 * unless `initial` holds PyTorch's (h_0, c_0) per layer as h0_l{k} / c0_l{k}, each (1, N, H).
 */
export function recurrent(
  kind: 'LSTM' | 'GRU',
  a: Attrs,
  x: RefTensor,
  params: Record<string, RefTensor>,
  initial: Record<string, RefTensor> = {},
): RefTensor {
  const H = attrInt(a, 'hidden_size');
  const layers = attrInt(a, 'num_layers');
  const gates = kind === 'LSTM' ? 4 : 3;
  const batchFirst = a.batch_first === true;
  if (x.shape.length !== 3) throw new Error(`${kind} expects a 3-d input, got ${fmt(x.shape)}`);
  const [N, L] = batchFirst ? [x.shape[0], x.shape[1]] : [x.shape[1], x.shape[0]];
  const at = (n: number, t: number) => (batchFirst ? n * L + t : t * N + n);
  // seq[n][t] = the feature vector at step t of sample n, replaced layer by layer.
  let seq = Array.from({ length: N }, (_, n) =>
    Array.from({ length: L }, (_, t) =>
      Array.from(x.data.subarray(at(n, t) * x.shape[2], (at(n, t) + 1) * x.shape[2])),
    ),
  );
  const suffixes = a.bidirectional === true ? ['', '_reverse'] : [''];
  for (let l = 0; l < layers; l++) {
    const inF = seq[0][0].length;
    // Each direction reads the steps in its order; the reverse one's states are put back in time order.
    const runs = suffixes.map((sfx) => {
      const name = (p: string) => `${p}_l${l}${sfx}`;
      const wih = expectShape(name('weight_ih'), params[name('weight_ih')], [gates * H, inF]).data;
      const whh = expectShape(name('weight_hh'), params[name('weight_hh')], [gates * H, H]).data;
      const bias = a.bias !== false;
      const bih = bias ? expectShape(name('bias_ih'), params[name('bias_ih')], [gates * H]).data : null;
      const bhh = bias ? expectShape(name('bias_hh'), params[name('bias_hh')], [gates * H]).data : null;
      const start = (name: string, n: number) =>
        initial[name]
          ? Array.from(expectShape(name, initial[name], [1, N, H]).data.subarray(n * H, (n + 1) * H))
          : new Array<number>(H).fill(0);
      return seq.map((steps, n) => {
        let state = { h: start(`h0_l${l}`, n), c: start(`c0_l${l}`, n) };
        const ordered = sfx ? [...steps].reverse() : steps;
        const out = ordered.map((v) => {
          const gi = affine(wih, bih, v, gates * H);
          state = cellStep(kind, gi, affine(whh, bhh, state.h, gates * H), state.h, state.c, H);
          return state.h;
        });
        return sfx ? out.reverse() : out;
      });
    });
    seq = seq.map((steps, n) => steps.map((_, t) => runs.flatMap((run) => run[n][t])));
  }
  const D = suffixes.length;
  const y = refTensor(batchFirst ? [N, L, D * H] : [L, N, D * H]);
  for (let n = 0; n < N; n++) for (let t = 0; t < L; t++) y.data.set(seq[n][t], at(n, t) * D * H);
  return y;
}

/**
 * nn.MultiheadAttention(embed_dim, num_heads, bias, batch_first) as self-attention (query = key =
 * value = x), need_weights=False, in eval mode; is_causal masks key j > query i. From the torch.nn
 * docs: [q k v] = x W_inᵀ + b_in, head i's softmax(q_i k_iᵀ / sqrt(d)) v_i, concatenated, then W_out.
 */
export function multiheadAttention(a: Attrs, x: RefTensor, params: Record<string, RefTensor>): RefTensor {
  const E = attrInt(a, 'embed_dim');
  const h = attrInt(a, 'num_heads');
  const d = E / h;
  const batchFirst = a.batch_first !== false;
  const [n, L] = batchFirst ? [x.shape[0], x.shape[1]] : [x.shape[1], x.shape[0]];
  expectShape('input', x, batchFirst ? [n, L, E] : [L, n, E]);
  const wIn = expectShape('in_proj_weight', params.in_proj_weight, [3 * E, E]).data;
  const wOut = expectShape('out_proj_weight', params.out_proj_weight, [E, E]).data;
  const bIn = a.bias !== false ? expectShape('in_proj_bias', params.in_proj_bias, [3 * E]).data : null;
  const bOut = a.bias !== false ? expectShape('out_proj_bias', params.out_proj_bias, [E]).data : null;
  const at = (s: number, t: number) => (batchFirst ? (s * L + t) * E : (t * n + s) * E);
  const y = refTensor(x.shape);
  for (let s = 0; s < n; s++) {
    // Projections of every step: qkv[t][r] for r in [0, 3E).
    const qkv = Array.from({ length: L }, (_, t) =>
      Array.from({ length: 3 * E }, (_, r) => {
        let acc = bIn ? bIn[r] : 0;
        for (let c = 0; c < E; c++) acc += wIn[r * E + c] * x.data[at(s, t) + c];
        return acc;
      }),
    );
    const mixed = Array.from({ length: L }, () => new Array<number>(E).fill(0));
    for (let head = 0; head < h; head++)
      for (let i = 0; i < L; i++) {
        const visible = a.is_causal === true ? i + 1 : L;
        const scores = Array.from({ length: visible }, (_, j) => {
          let dot = 0;
          for (let c = 0; c < d; c++) dot += qkv[i][head * d + c] * qkv[j][E + head * d + c];
          return dot / Math.sqrt(d);
        });
        const top = Math.max(...scores);
        const w = scores.map((v) => Math.exp(v - top));
        const total = w.reduce((p, v) => p + v, 0);
        for (let j = 0; j < visible; j++)
          for (let c = 0; c < d; c++) mixed[i][head * d + c] += (w[j] / total) * qkv[j][2 * E + head * d + c];
      }
    for (let t = 0; t < L; t++)
      for (let r = 0; r < E; r++) {
        let acc = bOut ? bOut[r] : 0;
        for (let c = 0; c < E; c++) acc += wOut[r * E + c] * mixed[t][c];
        y.data[at(s, t) + r] = acc;
      }
  }
  return y;
}
