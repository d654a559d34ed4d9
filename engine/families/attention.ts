// The import patterns of MultiheadAttention: self-attention as Netwright writes it (layers/
// multiheadAttention.ts) and as PyTorch 1.13 exports nn.MultiheadAttention, read from the first node, each step checked for the exact op, layout and
// constant, so that nothing but that computation imports as the layer:
//   [Transpose 1,0,2] MatMul(x, W_inᵀ) [Add b_in] Split(E, E, E)
//   q: Reshape(0,0,h,d) Transpose(0,2,1,3) Mul(1/sqrt d) ┐
//   k: Reshape(0,0,h,d) Transpose(0,2,3,1) ─────────────  MatMul [Add causal mask] Softmax(-1) ┐
//   v: Reshape(0,0,h,d) Transpose(0,2,1,3) ──────────────────────────────────────────────────  MatMul
//   Transpose(0,2,1,3) Reshape(0,0,E) MatMul(W_outᵀ) [Add b_out] [Transpose 1,0,2]
import {
  floatValues,
  isData,
  near,
  onlyAttrs,
  onlyReader,
  scalarOf,
  transpose2d,
  type NodeView,
  type OnnxImport,
  type OnnxMatch,
} from '../onnx/import/view.ts';
import { numbers } from '../onnx/import/values.ts';

const same = (a: readonly number[] | undefined, b: readonly number[]) =>
  !!a && a.length === b.length && a.every((v, i) => v === b[i]);
const permOf = (n: NodeView | null | undefined) =>
  n?.opType === 'Transpose' ? n.attrs.ints('perm') : undefined;
const constInts = (n: NodeView, k: number) => {
  const v = n.inputs[k]?.value;
  return v ? numbers(v) : undefined;
};

/** MatMul by a constant [in, out] matrix, then an optional Add of a constant [out]: PyTorch's [out, in] weight. */
function projection(n: NodeView | null, inF: number, outF: number) {
  const w = n?.opType === 'MatMul' ? floatValues(n.inputs[1]) : undefined;
  if (!n || !w || !same(n.inputs[1]?.value?.dims, [inF, outF])) return null;
  const weight = transpose2d(w, inF, outF);
  const add = onlyReader(n, 'Add');
  const other = add?.inputs.find((v) => v?.name !== n.outputs[0].name);
  const bias = add && add.inputs.length === 2 ? floatValues(other) : undefined;
  return bias && same(other?.value?.dims, [outF])
    ? { weight, bias, nodes: [n, add!], last: add! }
    : { weight, nodes: [n], last: n };
}

/** The only reader of output k, of the given type. */
function readerOf(n: NodeView, k: number, opType: string): NodeView | null {
  const r = n.consumers(k);
  return r.length === 1 && r[0].opType === opType && !n.isGraphOutput(k) ? r[0] : null;
}

/** Reshape(0, 0, h, d) then the given Transpose: one of q, k, v cut into heads. */
function headsOf(split: NodeView, k: number, h: number, d: number, perm: number[]): NodeView[] | null {
  const r = readerOf(split, k, 'Reshape');
  const t = r && onlyReader(r, 'Transpose');
  return r && t && same(constInts(r, 1), [0, 0, h, d]) && same(permOf(t), perm) ? [r, t] : null;
}

/** Everything from the Split to the merged heads' Reshape; null when any step differs. */
function attentionCore(split: NodeView, e: number) {
  if (split.outputs.length !== 3 || !same(constInts(split, 1), [e, e, e])) return null;
  const axis = split.attrs.int('axis', 0);
  const first = readerOf(split, 0, 'Reshape');
  const h = first && constInts(first, 1)?.[2];
  if ((axis !== -1 && axis !== 2) || !h || e % h) return null;
  const d = e / h;
  const q = headsOf(split, 0, h, d, [0, 2, 1, 3]);
  const k = headsOf(split, 1, h, d, [0, 2, 3, 1]);
  const v = headsOf(split, 2, h, d, [0, 2, 1, 3]);
  const scaled = q && onlyReader(q[1], 'Mul');
  const scale = scaled ? scalarOf(scaled.inputs[1]) : undefined;
  const scores = scaled && onlyReader(scaled, 'MatMul');
  if (!q || !k || !v || !scores || scale === undefined || !near(scale, 1 / Math.sqrt(d))) return null;
  if (scores.inputs[1]?.name !== k[1].outputs[0].name || onlyReader(k[1], 'MatMul') !== scores) return null;
  const masked = onlyReader(scores, 'Add');
  const mask = masked ? floatValues(masked.inputs[1]) : undefined;
  const softmax = onlyReader(masked ?? scores, 'Softmax');
  const mix = softmax && onlyReader(softmax, 'MatMul');
  if (
    !softmax ||
    softmax.attrs.int('axis', -1) !== -1 ||
    !mix ||
    mix.inputs[1]?.name !== v[1].outputs[0].name
  )
    return null;
  const back = onlyReader(mix, 'Transpose');
  const flat = back && onlyReader(back, 'Reshape');
  if (!same(permOf(back), [0, 2, 1, 3]) || !flat || !same(constInts(flat, 1), [0, 0, e])) return null;
  const L = Math.round(Math.sqrt(mask?.length ?? 0));
  if (masked && (!mask || L * L !== mask.length || !isCausal(mask, L))) return null;
  return {
    heads: h,
    causal: !!masked,
    nodes: [...q, scaled, ...k, scores, ...(masked ? [masked] : []), softmax, ...v, mix, back, flat],
    last: flat,
  };
}

function isCausal(mask: Float32Array, L: number): boolean {
  for (let i = 0; i < L; i++)
    for (let j = 0; j < L; j++) if (mask[i * L + j] !== (j > i ? -Infinity : 0)) return false;
  return true;
}

type Projection = NonNullable<ReturnType<typeof projection>>;

/** Where both patterns start: [Transpose 1,0,2] then the input projection of a (·, ·, E) input. */
function entry(node: NodeView) {
  const transposed = node.opType === 'Transpose';
  if (transposed && (!same(permOf(node), [1, 0, 2]) || node.inputs.length !== 1)) return null;
  const start = transposed ? onlyReader(node, 'MatMul') : node;
  const x = node.inputs[0];
  const e = x?.shape?.[2];
  if (!start || !isData(x) || x.shape?.length !== 3 || typeof e !== 'number') return null;
  const inProj = projection(start, e, 3 * e);
  return inProj && { transposed, e, inProj };
}

/**
 * The match once the middle is read: the Transpose back when the pattern began with one, the
 * attributes, PyTorch's parameters and every node after the first.
 */
function finish(
  head: NonNullable<ReturnType<typeof entry>>,
  found: {
    heads: number;
    causal: boolean;
    batchFirst: boolean;
    outProj: Pick<Projection, 'weight' | 'bias'>;
  },
  middle: NodeView[],
): OnnxMatch | null {
  const { inProj } = head;
  const { outProj } = found;
  if (!!inProj.bias !== !!outProj.bias) return null;
  const last = middle[middle.length - 1];
  const after = head.transposed ? onlyReader(last, 'Transpose') : null;
  if (head.transposed && !same(permOf(after), [1, 0, 2])) return null;
  const nodes = [...inProj.nodes, ...middle, ...(after ? [after] : [])];
  return {
    attributes: {
      embed_dim: head.e,
      num_heads: found.heads,
      bias: !!inProj.bias,
      batch_first: found.batchFirst,
      is_causal: found.causal,
    },
    params: {
      in_proj_weight: inProj.weight,
      out_proj_weight: outProj.weight,
      ...(inProj.bias && outProj.bias ? { in_proj_bias: inProj.bias, out_proj_bias: outProj.bias } : {}),
    },
    absorbs: head.transposed ? nodes : nodes.slice(1),
  };
}

function read(node: NodeView): OnnxMatch | null {
  const head = entry(node);
  const split = head && onlyReader(head.inProj.last, 'Split');
  const core = split && onlyAttrs(split, ['axis']) ? attentionCore(split, head!.e) : null;
  const outProj = core && projection(onlyReader(core.last, 'MatMul'), head!.e, head!.e);
  if (!head || !core || !outProj) return null;
  const found = { heads: core.heads, causal: core.causal, batchFirst: !head.transposed, outProj };
  return finish(head, found, [split!, ...core.nodes, ...outProj.nodes]);
}

// ---------------------------------------------------------------------------------------------
// PyTorch 1.13's export of nn.MultiheadAttention called as self-attention (need_weights=False),
// time first inside: [Transpose 1,0,2] MatMul(W_inᵀ) [Add b_in] three Slices of the last axis
//   q: Reshape(L, N·h, d) Transpose(1,0,2) Div(sqrt d) ┐
//   k: Reshape(L, N·h, d) Transpose(1,2,0) ──────────  MatMul [Mul 1, Add mask] Softmax(-1) ┐
//   v: Reshape(L, N·h, d) Transpose(1,0,2) ─────────────────────────────────────────────  MatMul
//   Transpose(1,0,2) Reshape(L·N, E) Gemm(W_out, b_out, transB) Reshape(L, N, E) [Transpose 1,0,2]
// The shape arithmetic before the Slices and Reshapes is constant (or symbolic in the batch).

/** A Reshape target's elements, constant or symbolic. */
function target(n: NodeView): readonly (number | string)[] | undefined {
  const v = n.inputs[1];
  return v?.value ? numbers(v.value) : v?.sym;
}

/** Slice k of three equal parts of the last axis, and its reader chain into heads. */
function torchHeads(slice: NodeView, k: number, e: number, perm: number[]) {
  const [starts, ends, axes] = [1, 2, 3].map((i) => constInts(slice, i));
  const last = axes && (axes[0] === -1 || axes[0] === 2) && axes.length === 1;
  if (
    slice.opType !== 'Slice' ||
    !last ||
    starts?.[0] !== k * e ||
    ends?.[0] !== (k + 1) * e ||
    slice.inputs[4]
  )
    return null;
  const r = onlyReader(slice, 'Reshape');
  const t = r && onlyReader(r, 'Transpose');
  const shape = r && target(r);
  const d = shape?.[2];
  return t && shape?.length === 3 && typeof d === 'number' && same(permOf(t), perm)
    ? { nodes: [slice, r, t], t, d }
    : null;
}

/** The scores MatMul, an optional mask (Mul by 1, Add of the causal mask), Softmax and the mix. */
function torchMix(scores: NodeView) {
  const one = onlyReader(scores, 'Mul');
  const masked = one ? onlyReader(one, 'Add') : null;
  if (one && (scalarOf(one.inputs[1]) !== 1 || !masked)) return null;
  const mask = masked ? floatValues(masked.inputs.find((v) => v?.name !== one!.outputs[0].name)) : undefined;
  const softmax = onlyReader(masked ?? scores, 'Softmax');
  const L = Math.round(Math.sqrt(mask?.length ?? 0));
  if (masked && (!mask || L * L !== mask.length || !isCausal(mask, L))) return null;
  if (!softmax || softmax.attrs.int('axis', -1) !== -1) return null;
  const mix = onlyReader(softmax, 'MatMul');
  return mix ? { nodes: [...(one ? [one, masked!] : []), softmax, mix], mix, causal: !!masked } : null;
}

/** The output projection on (L·N, E) rows: Gemm(W_out, b_out, transB) with a bias, MatMul(W_outᵀ) without. */
function outProjection(flat: NodeView, e: number) {
  const gemm = onlyReader(flat, 'Gemm');
  if (!gemm) return projection(onlyReader(flat, 'MatMul'), e, e);
  const plain =
    gemm.attrs.int('transB', 0) === 1 &&
    gemm.attrs.int('transA', 0) === 0 &&
    gemm.attrs.float('alpha', 1) === 1 &&
    gemm.attrs.float('beta', 1) === 1;
  const weight = floatValues(gemm.inputs[1]);
  const bias = gemm.inputs[2] ? floatValues(gemm.inputs[2]) : undefined;
  if (!plain || weight?.length !== e * e || !bias || bias.length !== e) return null;
  return { weight, bias, nodes: [gemm], last: gemm };
}

function readTorch(node: NodeView): OnnxMatch | null {
  const head = entry(node);
  const slices = head?.inProj.last.consumers(0) ?? [];
  if (!head || slices.length !== 3 || head.inProj.last.isGraphOutput(0)) return null;
  const e = head.e;
  const find = (k: number, perm: number[]) =>
    slices.map((s) => torchHeads(s, k, e, perm)).find((h) => h !== null) ?? null;
  const [q, k, v] = [find(0, [1, 0, 2]), find(1, [1, 2, 0]), find(2, [1, 0, 2])];
  const div = q && onlyReader(q.t, 'Div');
  const scores = div && onlyReader(div, 'MatMul');
  const divisor = div ? scalarOf(div.inputs[1]) : undefined;
  if (!q || !k || !v || !div || !scores || e % q.d || divisor === undefined || !near(divisor, Math.sqrt(q.d)))
    return null;
  const mixed = scores.inputs[1]?.name === k.t.outputs[0].name ? torchMix(scores) : null;
  if (!mixed || mixed.mix.inputs[1]?.name !== v.t.outputs[0].name) return null;
  const back = onlyReader(mixed.mix, 'Transpose');
  const flat = back && onlyReader(back, 'Reshape');
  const out = flat && outProjection(flat, e);
  const unflat = out && onlyReader(out.last, 'Reshape');
  if (!same(permOf(back), [1, 0, 2]) || !out || !unflat) return null;
  const found = { heads: e / q.d, causal: mixed.causal, batchFirst: head.transposed, outProj: out };
  const middle = [
    ...q.nodes,
    div,
    ...k.nodes,
    scores,
    ...mixed.nodes,
    ...v.nodes,
    back!,
    flat!,
    ...out.nodes,
  ];
  return finish(head, found, [...middle, unflat]);
}

export const attentionImport = (): OnnxImport => ({
  opTypes: ['MatMul', 'Transpose'],
  read: (node) => read(node) ?? readTorch(node),
});
