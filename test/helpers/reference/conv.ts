// Convolutions with PyTorch semantics: Conv1d/Conv2d (cross-correlation; stride, padding incl.
// asymmetric and 'same', dilation, groups, bias, LeNet-5 connection table) and ConvTranspose2d.
// Conv1d is computed as a Conv2d over a height-1 image.
import type { Attrs } from './attrs.ts';
import { attrBool, attrInt, convPadding, perAxis } from './attrs.ts';
import type { RefTensor } from './tensor.ts';
import { expectShape, fmt, refTensor } from './tensor.ts';

interface Conv2dSpec {
  stride: number[];
  dilation: number[];
  padBefore: number[];
  padAfter: number[];
  groups: number;
  /** [out][in] 0/1: weight[o][i] takes part only where the table holds 1. */
  table: readonly (readonly number[])[] | null;
}

function conv2dCore(x: RefTensor, w: RefTensor, bias: RefTensor | null, s: Conv2dSpec): RefTensor {
  const [n, cin, h, wd] = x.shape;
  const [cout, cinG, kh, kw] = w.shape;
  const g = s.groups;
  const coutG = cout / g;
  const [sh, sw] = s.stride;
  const [dh, dw] = s.dilation;
  const [ph, pw] = s.padBefore;
  const oh = Math.floor((h + s.padBefore[0] + s.padAfter[0] - dh * (kh - 1) - 1) / sh) + 1;
  const ow = Math.floor((wd + s.padBefore[1] + s.padAfter[1] - dw * (kw - 1) - 1) / sw) + 1;
  if (oh < 1 || ow < 1)
    throw new Error(`the kernel does not fit the padded input ${fmt(x.shape)} (output ${oh}x${ow})`);
  const y = refTensor([n, cout, oh, ow]);
  const X = x.data;
  const W = w.data;
  const Y = y.data;
  for (let b = 0; b < n; b++) {
    for (let o = 0; o < cout; o++) {
      const grp = Math.floor(o / coutG);
      const yBase = (b * cout + o) * oh * ow;
      if (bias) for (let i = 0; i < oh * ow; i++) Y[yBase + i] = bias.data[o];
      for (let cl = 0; cl < cinG; cl++) {
        const ci = grp * cinG + cl;
        if (s.table && s.table[o][ci] !== 1) continue;
        const xBase = (b * cin + ci) * h * wd;
        for (let i = 0; i < kh; i++) {
          for (let j = 0; j < kw; j++) {
            const wv = W[((o * cinG + cl) * kh + i) * kw + j];
            for (let r = 0; r < oh; r++) {
              const ih = r * sh - ph + i * dh;
              if (ih < 0 || ih >= h) continue;
              for (let c = 0; c < ow; c++) {
                const iw = c * sw - pw + j * dw;
                if (iw < 0 || iw >= wd) continue;
                Y[yBase + r * ow + c] += wv * X[xBase + ih * wd + iw];
              }
            }
          }
        }
      }
    }
  }
  return y;
}

/** Conv1d (axes = 1) and Conv2d (axes = 2). */
export function convNd(axes: 1 | 2, a: Attrs, x: RefTensor, params: Record<string, RefTensor>): RefTensor {
  if (x.shape.length !== axes + 2)
    throw new Error(`Conv${axes}d expects a ${axes + 2}-d input, got ${fmt(x.shape)}`);
  const cin = x.shape[1];
  const cout = attrInt(a, 'out_channels');
  const groups = attrInt(a, 'groups');
  const kernel = perAxis('kernel_size', a.kernel_size, axes);
  const stride = perAxis('stride', a.stride, axes);
  const dilation = perAxis('dilation', a.dilation, axes);
  const pad = convPadding(a.padding, axes, kernel, dilation, stride);
  if (cin % groups || cout % groups)
    throw new Error(`groups ${groups} must divide ${cin} in and ${cout} out channels`);
  const table = (a.connection_table ?? null) as readonly (readonly number[])[] | null;
  if (table) {
    if (groups !== 1) throw new Error('a connection_table needs groups = 1');
    if (table.length !== cout || table.some((row) => row.length !== cin))
      throw new Error(`connection_table must be ${cout}x${cin}`);
  }
  const w = expectShape('weight', params.weight, [cout, cin / groups, ...kernel]);
  const hasBias = attrBool(a, 'bias');
  const bias = hasBias ? expectShape('bias', params.bias, [cout]) : null;
  const as2d = (v: number[], fill: number) => (axes === 1 ? [fill, v[0]] : v);
  const x4 = axes === 1 ? { shape: [x.shape[0], cin, 1, x.shape[2]], data: x.data } : x;
  const w4 = axes === 1 ? { shape: [cout, cin / groups, 1, kernel[0]], data: w.data } : w;
  const y = conv2dCore(x4, w4, bias, {
    stride: as2d(stride, 1),
    dilation: as2d(dilation, 1),
    padBefore: as2d(pad.before, 0),
    padAfter: as2d(pad.after, 0),
    groups,
    table,
  });
  return axes === 1 ? { shape: [y.shape[0], y.shape[1], y.shape[3]], data: y.data } : y;
}

/**
 * ConvTranspose2d: every input element scatters weight[ci, j] (ci's group, output channel
 * group*Cout/groups + j) onto output position i*stride + k*dilation - padding. Output size
 * (H-1)*stride - 2*padding + dilation*(k-1) + output_padding + 1.
 */
export function convTranspose2d(a: Attrs, x: RefTensor, params: Record<string, RefTensor>): RefTensor {
  if (x.shape.length !== 4) throw new Error(`ConvTranspose2d expects a 4-d input, got ${fmt(x.shape)}`);
  const [n, cin, h, wd] = x.shape;
  const cout = attrInt(a, 'out_channels');
  const groups = attrInt(a, 'groups');
  const [kh, kw] = perAxis('kernel_size', a.kernel_size, 2);
  const [sh, sw] = perAxis('stride', a.stride, 2);
  const [ph, pw] = perAxis('padding', a.padding, 2);
  const [oph, opw] = perAxis('output_padding', a.output_padding, 2);
  const [dh, dw] = perAxis('dilation', a.dilation, 2);
  if (cin % groups || cout % groups)
    throw new Error(`groups ${groups} must divide ${cin} in and ${cout} out channels`);
  if ((oph >= sh && oph >= dh) || (opw >= sw && opw >= dw))
    throw new Error('output padding must be smaller than either stride or dilation');
  const coutG = cout / groups;
  const cinG = cin / groups;
  const w = expectShape('weight', params.weight, [cin, coutG, kh, kw]);
  const bias = attrBool(a, 'bias') ? expectShape('bias', params.bias, [cout]) : null;
  const oh = (h - 1) * sh - 2 * ph + dh * (kh - 1) + oph + 1;
  const ow = (wd - 1) * sw - 2 * pw + dw * (kw - 1) + opw + 1;
  if (oh < 1 || ow < 1) throw new Error(`padding removes the whole output (${oh}x${ow})`);
  const y = refTensor([n, cout, oh, ow]);
  const X = x.data;
  const W = w.data;
  const Y = y.data;
  for (let b = 0; b < n; b++) {
    if (bias)
      for (let o = 0; o < cout; o++)
        Y.fill(bias.data[o], (b * cout + o) * oh * ow, (b * cout + o + 1) * oh * ow);
    for (let ci = 0; ci < cin; ci++) {
      const grp = Math.floor(ci / cinG);
      for (let j = 0; j < coutG; j++) {
        const o = grp * coutG + j;
        const yBase = (b * cout + o) * oh * ow;
        for (let i = 0; i < kh; i++) {
          for (let k = 0; k < kw; k++) {
            const wv = W[((ci * coutG + j) * kh + i) * kw + k];
            for (let r = 0; r < h; r++) {
              const yr = r * sh + i * dh - ph;
              if (yr < 0 || yr >= oh) continue;
              for (let c = 0; c < wd; c++) {
                const yc = c * sw + k * dw - pw;
                if (yc < 0 || yc >= ow) continue;
                Y[yBase + yr * ow + yc] += wv * X[((b * cin + ci) * h + r) * wd + c];
              }
            }
          }
        }
      }
    }
  }
  return y;
}
