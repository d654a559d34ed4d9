// Embedding, Upsample and the recurrent layers, from PyTorch's definitions (torch.nn docs).
import type { Attrs } from './attrs.ts';
import { attrInt } from './attrs.ts';
import type { RefTensor } from './tensor.ts';
import { expectShape, refTensor } from './tensor.ts';

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
