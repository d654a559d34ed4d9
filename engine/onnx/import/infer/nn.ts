// Shape rules of the neural-network operators: MatMul/Gemm, convolutions and pools, the
// normalisations, Dropout, Resize, the recurrent cells, quantization and If.
import type { Dim, Shape } from '../../../tensor/shape.ts';
import { DataType } from '../../types.ts';
import {
  BOOL,
  broadcastShapes,
  dtypeOf,
  input,
  INT64,
  known,
  normAxis,
  numericConst,
  shapeOf,
  unknownOut,
  UNKNOWN,
  type Ctx,
  type Rule,
  type ValueInfo,
} from './core.ts';
import { effectiveKernel } from '../../../tensor/window.ts';
import { readWindow, windowShape } from './window.ts';

function pool(c: Ctx, indices: boolean): ValueInfo[] {
  const x = shapeOf(c, 0);
  const dtype = dtypeOf(c, 0);
  if (!x) return [{ shape: null, dtype }, ...(c.spec.outputs > 1 ? [{ shape: null, dtype: INT64 }] : [])];
  const win = readWindow(c.a, x.length - 2);
  const shape = [x[0], x[1], ...windowShape(x, win, c.a.int('ceil_mode', 0) === 1)];
  return [{ shape, dtype }, ...(indices && c.spec.outputs > 1 ? [{ shape, dtype: INT64 }] : [])];
}

function globalPool(c: Ctx): ValueInfo[] {
  const x = shapeOf(c, 0);
  return [{ shape: x ? [x[0], x[1], ...x.slice(2).map(() => 1)] : null, dtype: dtypeOf(c, 0) }];
}

function resize(c: Ctx): ValueInfo[] {
  const x = shapeOf(c, 0);
  const dtype = dtypeOf(c, 0);
  if (!x) return [{ shape: null, dtype }];
  let scales: number[] | undefined;
  let sizes: number[] | undefined;
  if (c.spec.opType === 'Upsample')
    scales = c.spec.opset < 9 ? c.a.floats('scales') : numericConst(input(c, 1));
  else if (c.spec.opset < 11) scales = numericConst(input(c, 1));
  else {
    scales = input(c, 2) ? numericConst(input(c, 2)) : undefined;
    sizes = input(c, 3) ? numericConst(input(c, 3)) : undefined;
    if (scales && scales.length === 0) scales = undefined;
    if (sizes && sizes.length === 0) sizes = undefined;
  }
  const axes = c.a.ints('axes')?.map((a) => normAxis(a, x.length)) ?? x.map((_, i) => i);
  if (sizes && c.a.string('keep_aspect_ratio_policy', 'stretch') === 'stretch') {
    const shape: Dim[] = [...x];
    axes.forEach((a, i) => (shape[a] = sizes![i]));
    return [{ shape, dtype }];
  }
  if (scales && !sizes) {
    const shape: Dim[] = [...x];
    axes.forEach((a, i) => {
      const d = x[a];
      shape[a] = known(d) ? Math.floor(d * scales![i]) : scales![i] === 1 ? d : UNKNOWN;
    });
    return [{ shape, dtype }];
  }
  return [{ shape: x.map(() => UNKNOWN), dtype }];
}

function rnn(c: Ctx, outputs: number): ValueInfo[] {
  const x = shapeOf(c, 0);
  const dtype = dtypeOf(c, 0);
  const hidden = c.a.int('hidden_size');
  const dirs = c.a.string('direction', 'forward') === 'bidirectional' ? 2 : 1;
  if (!x || x.length !== 3 || hidden === undefined) return unknownOut(c.spec.outputs);
  const layout = c.a.int('layout', 0);
  const [seq, batch] = layout === 0 ? [x[0], x[1]] : [x[1], x[0]];
  const y = layout === 0 ? [seq, dirs, batch, hidden] : [batch, seq, dirs, hidden];
  const h = layout === 0 ? [dirs, batch, hidden] : [batch, dirs, hidden];
  return [{ shape: y, dtype }, ...Array.from({ length: outputs - 1 }, () => ({ shape: h, dtype }))].slice(
    0,
    c.spec.outputs,
  );
}

export const nnRules: Record<string, Rule> = {
  MatMul: (c) => {
    const a = shapeOf(c, 0);
    const b = shapeOf(c, 1);
    const dtype = dtypeOf(c, 0);
    if (!a || !b) return [{ shape: null, dtype }];
    const A = a.length === 1 ? [1, a[0]] : [...a];
    const B = b.length === 1 ? [b[0], 1] : [...b];
    const batch = broadcastShapes([A.slice(0, -2), B.slice(0, -2)]);
    const shape: Dim[] = [...batch];
    if (a.length > 1) shape.push(A[A.length - 2]);
    if (b.length > 1) shape.push(B[B.length - 1]);
    return [{ shape, dtype }];
  },
  Gemm: (c) => {
    const a = shapeOf(c, 0);
    const b = shapeOf(c, 1);
    if (!a || !b || a.length !== 2 || b.length !== 2) return [{ shape: null, dtype: dtypeOf(c, 0) }];
    const m = c.a.int('transA', 0) ? a[1] : a[0];
    const n = c.a.int('transB', 0) ? b[0] : b[1];
    return [{ shape: [m, n], dtype: dtypeOf(c, 0) }];
  },
  Conv: (c) => {
    const x = shapeOf(c, 0);
    const w = shapeOf(c, 1);
    const dtype = dtypeOf(c, 0);
    if (!x || !w) return [{ shape: null, dtype }];
    const win = readWindow(c.a, x.length - 2, w.slice(2).every(known) ? (w.slice(2) as number[]) : undefined);
    return [{ shape: [x[0], w[0], ...windowShape(x, win, false)], dtype }];
  },
  ConvTranspose: (c) => {
    const x = shapeOf(c, 0);
    const w = shapeOf(c, 1);
    const dtype = dtypeOf(c, 0);
    if (!x || !w) return [{ shape: null, dtype }];
    const n = x.length - 2;
    const group = c.a.int('group', 1);
    const m: Dim = known(w[1]) ? w[1] * group : UNKNOWN;
    const outShape = c.a.ints('output_shape');
    if (outShape) return [{ shape: [x[0], m, ...outShape.slice(-n)], dtype }];
    const win = readWindow(c.a, n, w.slice(2).every(known) ? (w.slice(2) as number[]) : undefined);
    const op = c.a.ints('output_padding') ?? Array(n).fill(0);
    const spatial = x.slice(2).map((d, i) => {
      if (!known(d)) return UNKNOWN;
      if (win.pads === 'SAME_UPPER' || win.pads === 'SAME_LOWER') return d * win.strides[i];
      const pads = win.pads === 'VALID' ? Array(2 * n).fill(0) : win.pads;
      return (
        win.strides[i] * (d - 1) +
        op[i] +
        effectiveKernel(win.kernel[i], win.dilations[i]) -
        pads[i] -
        pads[i + n]
      );
    });
    return [{ shape: [x[0], m, ...spatial], dtype }];
  },
  MaxPool: (c) => pool(c, true),
  AveragePool: (c) => pool(c, false),
  LpPool: (c) => pool(c, false),
  MaxRoiPool: () => unknownOut(1),
  GlobalAveragePool: (c) => globalPool(c),
  GlobalMaxPool: (c) => globalPool(c),
  GlobalLpPool: (c) => globalPool(c),
  BatchNormalization: (c) => {
    const x = shapeOf(c, 0);
    const ch: Shape | null = x && x.length > 1 ? [x[1]] : null;
    return [
      { shape: x, dtype: dtypeOf(c, 0) },
      ...Array.from({ length: c.spec.outputs - 1 }, () => ({ shape: ch, dtype: dtypeOf(c, 1) })),
    ];
  },
  LayerNormalization: (c) => {
    const x = shapeOf(c, 0);
    if (!x) return [{ shape: null, dtype: dtypeOf(c, 0) }, ...unknownOut(c.spec.outputs - 1)];
    const axis = normAxis(c.a.int('axis', -1), x.length);
    const stat = x.map((d, i) => (i < axis ? d : 1));
    return [
      { shape: x, dtype: dtypeOf(c, 0) },
      ...Array.from({ length: c.spec.outputs - 1 }, () => ({ shape: stat, dtype: DataType.FLOAT })),
    ];
  },
  Dropout: (c) => [
    { shape: shapeOf(c, 0), dtype: dtypeOf(c, 0) },
    ...Array.from({ length: c.spec.outputs - 1 }, () => ({ shape: shapeOf(c, 0), dtype: BOOL })),
  ],
  Resize: (c) => resize(c),
  Upsample: (c) => resize(c),
  QuantizeLinear: (c) => [{ shape: shapeOf(c, 0), dtype: dtypeOf(c, 2) ?? DataType.UINT8 }],
  DequantizeLinear: (c) => [{ shape: shapeOf(c, 0), dtype: dtypeOf(c, 1) ?? DataType.FLOAT }],
  // Both branches must give the same types: the then branch's declared outputs.
  If: (c) => {
    const then = c.a.get('then_branch');
    if (then?.type !== 'GRAPH') return unknownOut(c.spec.outputs);
    return then.value.outputs.map((o) => {
      const t = o.type;
      if (t?.kind !== 'tensor') return { shape: null, dtype: null };
      return {
        shape: t.shape ? t.shape.map((d) => d.value ?? d.param ?? UNKNOWN) : null,
        dtype: t.elemType || null,
      };
    });
  },
  LSTM: (c) => rnn(c, 3),
  GRU: (c) => rnn(c, 2),
  RNN: (c) => rnn(c, 2),
};
