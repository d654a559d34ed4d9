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
