// Upgrades of nodes written for opsets before 13 (our export floor): in-place hints and test-mode
// flags that disappeared, `broadcast` that became numpy broadcasting, attributes that became
// inputs (Reshape, Slice, TopK, Clip, Pad, Dropout, Squeeze/Unsqueeze/ReduceSum, Split), Upsample
// and Scatter retired, Softmax's 2-D coercion.
import { DataType } from '../../types.ts';
import { int64Const, makeConst } from '../values.ts';
import { constOf, dataConst, shapeOfInput, type AdaptInput, type AdaptState, type Step } from './state.ts';

const OLD_BROADCAST = new Set([
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Pow',
  'And',
  'Or',
  'Xor',
  'Equal',
  'Greater',
  'Less',
  'Gemm',
  'PRelu',
]);

/** Input `k` with `extra` trailing dims of 1 (a constant reshaped, a tensor unsqueezed). */
function withTrailingOnes(s: AdaptState, k: number, rank: number, extra: number, first = rank): void {
  const b = s.inputs[k]!;
  const c = constOf(b);
  if (c) {
    s.inputs[k] = { const: { ...c, dims: [...c.dims.slice(0, first), ...Array(extra).fill(1)] } };
    return;
  }
  const axes = Array.from({ length: extra }, (_, i) => rank + i);
  const t = s.helper('Unsqueeze', [(b as { tensor: string }).tensor, s.int64s(axes, 'axes')]);
  s.inputs[k] = { tensor: t, shape: null };
}

/** Opset 1-6: in-place hints and test-mode flags disappeared; `broadcast` became numpy broadcasting. */
const legacy: Step = (s) => {
  if (!(s.up(7) || s.up(6))) return;
  s.without('consumed_inputs', 'is_test');
  if (OLD_BROADCAST.has(s.op) && s.up(7)) {
    const axis = s.a().int('axis');
    const broadcast = s.a().int('broadcast', 0);
    s.without('broadcast', 'axis');
    const other = s.op === 'Gemm' ? 2 : 1;
    const rankA = shapeOfInput(s.inputs[0])?.length;
    const b = s.inputs[other];
    const rankB = shapeOfInput(b)?.length;
    if (broadcast === 1 && axis !== undefined && b && s.op !== 'Gemm') {
      if (rankA === undefined || rankB === undefined)
        s.fail('broadcasts with an axis over inputs of unknown rank');
      const ax = axis < 0 ? axis + rankA! : axis;
      // An axis outside the first input would ask for billions of trailing ones.
      if (ax < 0 || ax >= rankA!)
        s.fail(`broadcasts at axis ${axis}, outside its first input's ${rankA} dimensions`);
      const extra = rankA! - ax - rankB!;
      if (extra > 0) withTrailingOnes(s, other, rankB!, extra);
    }
  }
  if (s.op === 'PRelu' && s.up(7)) {
    const rank = shapeOfInput(s.inputs[0])?.length;
    const shape = shapeOfInput(s.inputs[1]);
    if (s.inputs[1] && shape && shape.length === 1 && shape[0] !== 1 && rank !== undefined && rank >= 3)
      withTrailingOnes(s, 1, 1, rank - 2);
  }
  if (s.op === 'LSTM' || s.op === 'GRU' || s.op === 'RNN') s.without('output_sequence');
};

/** Attributes that became inputs, one operator at a time. */
const attributesToInputs: Step = (s) => {
  const a = s.a();
  if (s.op === 'BatchNormalization' && s.up(9)) {
    if (a.int('spatial', 1) !== 1) s.fail('normalises per element (spatial=0), which later opsets dropped');
    s.without('spatial');
  }
  if (s.op === 'Concat' && s.up(4) && !a.has('axis')) s.set({ name: 'axis', type: 'INT', value: 1 });
  if (s.op === 'Reshape' && s.up(5)) {
    const shape = a.ints('shape') ?? [];
    s.without('shape');
    s.inputs = [s.inputs[0], { const: int64Const([shape.length], shape) }];
  }
  if (s.op === 'Cast' && s.up(6)) {
    const to = a.get('to');
    if (to?.type === 'STRING') {
      const code = (DataType as unknown as Record<string, number>)[to.value.toUpperCase()];
      if (code === undefined) s.fail(`casts to an unknown type '${to.value}'`);
      s.set({ name: 'to', type: 'INT', value: code });
    }
  }
  if (s.op === 'Slice' && s.up(10)) {
    const [starts, ends, axes] = [a.ints('starts') ?? [], a.ints('ends') ?? [], a.ints('axes')];
    s.without('starts', 'ends', 'axes');
    s.inputs = [
      s.inputs[0],
      { const: int64Const([starts.length], starts) },
      { const: int64Const([ends.length], ends) },
      ...(axes ? [{ const: int64Const([axes.length], axes) }] : []),
    ];
  }
  if (s.op === 'TopK' && s.up(10)) {
    const k = a.int('k', 1);
    s.without('k');
    s.inputs = [s.inputs[0], { const: int64Const([1], [k]) }];
  }
};

/** Upsample became Resize (opset 10's Resize rounds differently from 11's, so it can't move). */
const resize: Step = (s) => {
  if (s.op === 'Upsample' && s.to >= 10) {
    const mode = s.a().string('mode', 'nearest');
    const scales = s.from < 9 ? s.a().floats('scales') : undefined;
    const scaleInput: AdaptInput = scales
      ? { const: makeConst(DataType.FLOAT, [scales.length], scales) }
      : s.inputs[1];
    if (s.to < 11) s.fail('needs opset 11 or newer to become a Resize');
    s.op = 'Resize';
    s.attrs = [
      { name: 'mode', type: 'STRING', value: mode === 'bilinear' ? 'linear' : mode },
      { name: 'coordinate_transformation_mode', type: 'STRING', value: 'asymmetric' },
      ...(mode === 'nearest' ? [{ name: 'nearest_mode', type: 'STRING' as const, value: 'floor' }] : []),
    ];
    s.inputs = [s.inputs[0], null, scaleInput];
  }
  if (s.op === 'Resize' && s.up(11))
    s.fail('uses the opset 10 Resize, whose rounding has no exact later equivalent');
  if (s.op === 'Scatter' && s.up(11)) s.op = 'ScatterElements';
};

const moreAttributesToInputs: Step = (s) => {
  const a = s.a();
  if (s.op === 'Clip' && s.up(11)) {
    const [min, max] = [a.float('min'), a.float('max')];
    s.without('min', 'max');
    s.inputs = [
      s.inputs[0],
      min === undefined ? null : { const: dataConst(s.node.dataType, [min]) },
      max === undefined ? null : { const: dataConst(s.node.dataType, [max]) },
    ];
  }
  if (s.op === 'Pad' && s.up(11)) {
    const pads = a.ints('pads') ?? a.ints('paddings') ?? [];
    const value = a.float('value', 0);
    s.without('pads', 'paddings', 'value');
    s.inputs = [
      s.inputs[0],
      { const: int64Const([pads.length], pads) },
      ...(value !== 0 ? [{ const: dataConst(s.node.dataType, [value]) }] : []),
    ];
  }
  if (s.op === 'Dropout' && s.up(12)) {
    const ratio = a.float('ratio');
    s.without('ratio');
    if (ratio !== undefined) s.inputs = [s.inputs[0], { const: dataConst(s.node.dataType, [ratio]) }];
  }
  if ((s.op === 'Unsqueeze' || s.op === 'Squeeze' || s.op === 'ReduceSum') && s.up(13)) {
    const axes = a.ints('axes');
    s.without('axes');
    if (axes) s.inputs = [s.inputs[0], { const: int64Const([axes.length], axes) }];
  }
  if (s.op === 'Split' && s.up(13)) {
    const split = a.ints('split');
    s.without('split');
    if (split) s.inputs = [s.inputs[0], { const: int64Const([split.length], split) }];
  }
};

/** Before 13, Softmax and friends flatten the input to 2-D at `axis`. */
const softmax: Step = (s) => {
  if (!((s.op === 'Softmax' || s.op === 'LogSoftmax' || s.op === 'Hardmax') && s.up(13))) return;
  const x = shapeOfInput(s.inputs[0]);
  const axis = s.a().int('axis', 1);
  if (!x) s.fail('coerces its input to 2-D, which needs the input rank to express');
  const rank = x!.length;
  const ax = axis < 0 ? axis + rank : axis;
  // The 2-D coercion normalises over dims ax.. together: the same as along ax alone when the
  // dims after it are all 1.
  if (ax === rank - 1 || x!.slice(ax + 1).every((d) => d === 1)) {
    s.set({ name: 'axis', type: 'INT', value: ax === rank - 1 ? -1 : ax });
    return;
  }
  // The 2-D semantics spelled out: flatten at axis, normalise rows, restore the shape.
  const input = s.materialize(s.inputs[0], 'x');
  const flat = s.helper('Flatten', [input], [{ name: 'axis', type: 'INT', value: ax }]);
  const y = s.helper(s.op, [flat], [{ name: 'axis', type: 'INT', value: -1 }]);
  const shape = s.helper('Shape', [input]);
  s.em.node('Reshape', [y, shape], [], s.outputs, s.name);
  return true;
};

export const UP_TO_13: Step[] = [legacy, attributesToInputs, resize, moreAttributesToInputs, softmax];
