// Moves an opaque node from the opset its model was written for to the opset of the export: the
// operators whose interface changed (attributes that became inputs, Softmax's 2-D coercion before
// opset 13, `broadcast` before 7, Upsample and Scatter retired, Reduce*'s axes input from 18, ...).
// Changes that only add element types need nothing. What can't be expressed at the target opset is
// returned as a sentence for exportProblems.
import type { Shape } from '../../tensor/shape.ts';
import { DataType, type OnnxAttribute } from '../types.ts';
import { Attrs } from './attrs.ts';
import { int64Const, makeConst, numbers, type ConstTensor } from './values.ts';

/** An input of the node being adapted: a constant, a tensor by name, or omitted. */
export type AdaptInput = { const: ConstTensor } | { tensor: string; shape: Shape | null } | null;

export interface AdaptNode {
  opType: string;
  domain: string;
  attributes: OnnxAttribute[];
  inputs: AdaptInput[];
  /** Element type of output 0 (for constants that must match the data type: Pad value, Clip bounds). */
  dataType: number | null;
}

/** Where adapted nodes go: the exporter's builder, or nowhere in a dry run (exportCheck). */
export interface Emitter {
  constant(c: ConstTensor, hint: string): string;
  node(
    opType: string,
    inputs: string[],
    attributes: OnnxAttribute[],
    outputs: string[] | number,
    name?: string,
  ): string[];
}

export const dryEmitter: Emitter = {
  constant: (_c, hint) => hint,
  node: (op, _i, _a, outputs) =>
    typeof outputs === 'number' ? Array.from({ length: outputs }, (_, k) => `${op}:${k}`) : outputs,
};

/** Operators that entered the standard domain after opset 13 (our export floor), by version. */
const INTRODUCED: Record<string, number> = {
  Trilu: 14,
  HardSwish: 14,
  CastLike: 15,
  Bernoulli: 15,
  Optional: 15,
  OptionalGetElement: 15,
  OptionalHasElement: 15,
  GridSample: 16,
  LayerNormalization: 17,
  SequenceMap: 17,
  DFT: 17,
  STFT: 17,
  BlackmanWindow: 17,
  HannWindow: 17,
  HammingWindow: 17,
  MelWeightMatrix: 17,
  Col2Im: 18,
  CenterCropPad: 18,
  Mish: 18,
  GroupNormalization: 18,
  BitwiseAnd: 18,
  BitwiseOr: 18,
  BitwiseXor: 18,
  BitwiseNot: 18,
  DeformConv: 19,
  Gelu: 20,
  AffineGrid: 20,
  ImageDecoder: 20,
  RegexFullMatch: 20,
  StringConcat: 20,
  StringSplit: 20,
  RMSNormalization: 23,
  RotaryEmbedding: 23,
  Attention: 23,
  Swish: 24,
  TensorScatter: 24,
};

/** Experimental operators dropped from the standard domain (opset 10 and later refuse them). */
const REMOVED = new Set([
  'ImageScaler',
  'Crop',
  'Affine',
  'ScaledTanh',
  'ParametricSoftplus',
  'GivenTensorFill',
  'GRUUnit',
  'ATen',
  'DynamicSlice',
  'ConstantFill',
]);

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
const REDUCE_18 = new Set([
  'ReduceMean',
  'ReduceMax',
  'ReduceMin',
  'ReduceProd',
  'ReduceL1',
  'ReduceL2',
  'ReduceLogSum',
  'ReduceLogSumExp',
  'ReduceSumSquare',
]);

class Problem extends Error {}

const isStd = (domain: string) => domain === '' || domain === 'ai.onnx';

function constOf(i: AdaptInput | undefined): ConstTensor | undefined {
  return i && 'const' in i ? i.const : undefined;
}

function shapeOfInput(i: AdaptInput | undefined): Shape | null {
  if (!i) return null;
  return 'const' in i ? i.const.dims : i.shape;
}

function withoutAttr(attrs: OnnxAttribute[], ...names: string[]): OnnxAttribute[] {
  return attrs.filter((a) => !names.includes(a.name));
}

function setAttr(attrs: OnnxAttribute[], a: OnnxAttribute): OnnxAttribute[] {
  return [...withoutAttr(attrs, a.name), a];
}

/** A float constant of the node's data type (float32 unless the data is double or half). */
function dataConst(t: number | null, values: number[]): ConstTensor {
  const dtype = t ?? DataType.FLOAT;
  return makeConst(dtype, [], dtype === DataType.FLOAT ? values.map(Math.fround) : values);
}

/**
 * Adapts `node` (written for opset `from` of its domain) to `to` and emits it. Returns null when
 * done, or a sentence saying what can't be expressed at `to`.
 */
export function adaptAndEmit(
  node: AdaptNode,
  from: number,
  to: number,
  outputs: string[],
  em: Emitter,
  name?: string,
): string | null {
  try {
    emitAdapted(node, from, to, outputs, em, name);
    return null;
  } catch (e) {
    if (e instanceof Problem) return e.message;
    throw e;
  }
}

function emitAdapted(
  n: AdaptNode,
  from: number,
  to: number,
  outputs: string[],
  em: Emitter,
  name?: string,
): void {
  let op = n.opType;
  let attrs = [...n.attributes];
  let inputs = [...n.inputs];
  const a = () => new Attrs(attrs);
  const up = (v: number) => from < v && to >= v;
  const down = (v: number) => from >= v && to < v;
  const fail = (why: string): never => {
    throw new Problem(`${op} (written for opset ${from}) ${why}`);
  };

  if (!isStd(n.domain) || from === to) return finish();

  if (REMOVED.has(op) && to >= 10) fail(`was an experimental operator that opset ${to} no longer has`);
  const since = INTRODUCED[op];
  if (since !== undefined && to < since) fail(`needs opset ${since} or newer; export with --opset ${since}`);

  // Opset 1-6: in-place hints and test-mode flags disappeared; `broadcast` became numpy broadcasting.
  if (up(7) || up(6)) {
    attrs = withoutAttr(attrs, 'consumed_inputs', 'is_test');
    if (OLD_BROADCAST.has(op) && up(7)) {
      const axis = a().int('axis');
      const broadcast = a().int('broadcast', 0);
      attrs = withoutAttr(attrs, 'broadcast', 'axis');
      const other = op === 'Gemm' ? 2 : 1;
      const rankA = shapeOfInput(inputs[0])?.length;
      const b = inputs[other];
      const rankB = shapeOfInput(b)?.length;
      if (broadcast === 1 && axis !== undefined && b && op !== 'Gemm') {
        if (rankA === undefined || rankB === undefined)
          fail('broadcasts with an axis over inputs of unknown rank');
        const ax = axis < 0 ? axis + rankA! : axis;
        const extra = rankA! - ax - rankB!;
        if (extra > 0) {
          const c = constOf(b);
          if (c) inputs[other] = { const: { ...c, dims: [...c.dims, ...Array(extra).fill(1)] } };
          else {
            const axes = Array.from({ length: extra }, (_, i) => rankB! + i);
            const t = em.node(
              'Unsqueeze',
              [(b as { tensor: string }).tensor, em.constant(int64Const([axes.length], axes), 'axes')],
              [],
              1,
            )[0];
            inputs[other] = { tensor: t, shape: null };
          }
        }
      }
    }
    if (op === 'PRelu' && up(7)) {
      const slope = inputs[1];
      const rank = shapeOfInput(inputs[0])?.length;
      const s = shapeOfInput(slope);
      if (slope && s && s.length === 1 && s[0] !== 1 && rank !== undefined && rank >= 3) {
        const c = constOf(slope);
        const ones = Array(rank - 2).fill(1);
        if (c) inputs[1] = { const: { ...c, dims: [c.dims[0], ...ones] } };
        else {
          const axes = ones.map((_, i) => i + 1);
          const t = em.node(
            'Unsqueeze',
            [(slope as { tensor: string }).tensor, em.constant(int64Const([axes.length], axes), 'axes')],
            [],
            1,
          )[0];
          inputs[1] = { tensor: t, shape: null };
        }
      }
    }
    if (op === 'LSTM' || op === 'GRU' || op === 'RNN') attrs = withoutAttr(attrs, 'output_sequence');
  }
  if (op === 'BatchNormalization' && up(9)) {
    if (a().int('spatial', 1) !== 1) fail('normalises per element (spatial=0), which later opsets dropped');
    attrs = withoutAttr(attrs, 'spatial');
  }
  if (op === 'Concat' && up(4) && !a().has('axis'))
    attrs = setAttr(attrs, { name: 'axis', type: 'INT', value: 1 });
  if (op === 'Reshape' && up(5)) {
    const shape = a().ints('shape') ?? [];
    attrs = withoutAttr(attrs, 'shape');
    inputs = [inputs[0], { const: int64Const([shape.length], shape) }];
  }
  if (op === 'Cast' && up(6)) {
    const to_ = a().get('to');
    if (to_?.type === 'STRING') {
      const code = (DataType as unknown as Record<string, number>)[to_.value.toUpperCase()];
      if (code === undefined) fail(`casts to an unknown type '${to_.value}'`);
      attrs = setAttr(attrs, { name: 'to', type: 'INT', value: code });
    }
  }
  if (op === 'Slice' && up(10)) {
    const starts = a().ints('starts') ?? [];
    const ends = a().ints('ends') ?? [];
    const axes = a().ints('axes');
    attrs = withoutAttr(attrs, 'starts', 'ends', 'axes');
    inputs = [
      inputs[0],
      { const: int64Const([starts.length], starts) },
      { const: int64Const([ends.length], ends) },
      ...(axes ? [{ const: int64Const([axes.length], axes) }] : []),
    ];
  }
  if (op === 'TopK' && up(10)) {
    const k = a().int('k', 1);
    attrs = withoutAttr(attrs, 'k');
    inputs = [inputs[0], { const: int64Const([1], [k]) }];
  }
  if (op === 'Upsample' && to >= 10) {
    const mode = a().string('mode', 'nearest');
    const scales = from < 9 ? a().floats('scales') : undefined;
    const scaleInput: AdaptInput = scales
      ? { const: makeConst(DataType.FLOAT, [scales.length], scales) }
      : inputs[1];
    if (to < 11) fail('needs opset 11 or newer to become a Resize');
    op = 'Resize';
    attrs = [
      { name: 'mode', type: 'STRING', value: mode === 'bilinear' ? 'linear' : mode },
      { name: 'coordinate_transformation_mode', type: 'STRING', value: 'asymmetric' },
      ...(mode === 'nearest' ? [{ name: 'nearest_mode', type: 'STRING' as const, value: 'floor' }] : []),
    ];
    inputs = [inputs[0], null, scaleInput];
  }
  if (op === 'Resize' && up(11))
    fail('uses the opset 10 Resize, whose rounding has no exact later equivalent');
  if (op === 'Scatter' && up(11)) op = 'ScatterElements';
  if ((op === 'Clip' && up(11)) || (op === 'Pad' && up(11))) {
    if (op === 'Clip') {
      const min = a().float('min');
      const max = a().float('max');
      attrs = withoutAttr(attrs, 'min', 'max');
      inputs = [
        inputs[0],
        min === undefined ? null : { const: dataConst(n.dataType, [min]) },
        max === undefined ? null : { const: dataConst(n.dataType, [max]) },
      ];
    } else {
      const pads = a().ints('pads') ?? a().ints('paddings') ?? [];
      const value = a().float('value', 0);
      attrs = withoutAttr(attrs, 'pads', 'paddings', 'value');
      inputs = [
        inputs[0],
        { const: int64Const([pads.length], pads) },
        ...(value !== 0 ? [{ const: dataConst(n.dataType, [value]) }] : []),
      ];
    }
  }
  if (op === 'Dropout' && up(12)) {
    const ratio = a().float('ratio');
    attrs = withoutAttr(attrs, 'ratio');
    if (ratio !== undefined) inputs = [inputs[0], { const: dataConst(n.dataType, [ratio]) }];
  }
  if ((op === 'Unsqueeze' || op === 'Squeeze' || op === 'ReduceSum') && up(13)) {
    const axes = a().ints('axes');
    attrs = withoutAttr(attrs, 'axes');
    if (axes) inputs = [inputs[0], { const: int64Const([axes.length], axes) }];
  }
  if (op === 'Split' && up(13)) {
    const split = a().ints('split');
    attrs = withoutAttr(attrs, 'split');
    if (split) inputs = [inputs[0], { const: int64Const([split.length], split) }];
  }
  if ((op === 'Softmax' || op === 'LogSoftmax' || op === 'Hardmax') && up(13)) {
    const rank = shapeOfInput(inputs[0])?.length;
    const axis = a().int('axis', 1);
    if (rank === undefined) fail('coerces its input to 2-D, which needs the input rank to express');
    const ax = axis < 0 ? axis + rank! : axis;
    // The 2-D coercion normalises over dims ax.. together: the same as along ax alone when the
    // dims after it are all 1.
    const trailing = shapeOfInput(inputs[0])!.slice(ax + 1);
    if (ax === rank! - 1 || trailing.every((d) => d === 1)) {
      attrs = setAttr(attrs, { name: 'axis', type: 'INT', value: ax === rank! - 1 ? -1 : ax });
    } else {
      // The 2-D semantics spelled out: flatten at axis, normalise rows, restore the shape.
      const x = materialize(inputs[0], em, 'x');
      const flat = em.node('Flatten', [x], [{ name: 'axis', type: 'INT', value: ax }], 1)[0];
      const y = em.node(op, [flat], [{ name: 'axis', type: 'INT', value: -1 }], 1)[0];
      const shape = em.node('Shape', [x], [], 1)[0];
      em.node('Reshape', [y, shape], [], outputs, name);
      return;
    }
  }

  // Downgrades, for models written for a newer opset than the export's.
  if (REDUCE_18.has(op) && down(18)) {
    const c = constOf(inputs[1]);
    if (inputs[1] && !c) fail(`takes its axes as a computed tensor; export with --opset ${from}`);
    const noop = a().int('noop_with_empty_axes', 0);
    attrs = withoutAttr(attrs, 'noop_with_empty_axes');
    if (c && c.data.length) attrs = setAttr(attrs, { name: 'axes', type: 'INTS', value: numbers(c) });
    else if (noop) fail('is a no-op reduction (noop_with_empty_axes), which opsets before 18 cannot express');
    inputs = [inputs[0]];
  }
  if (op === 'Split' && down(18)) {
    const count = a().int('num_outputs');
    attrs = withoutAttr(attrs, 'num_outputs');
    if (count !== undefined && !inputs[1]) {
      const axis = a().int('axis', 0);
      const s = shapeOfInput(inputs[0]);
      const d = s?.[axis < 0 ? axis + s.length : axis];
      if (typeof d !== 'number') fail('splits an axis of unknown size into num_outputs pieces');
      const chunk = Math.ceil((d as number) / count);
      const sizes = Array.from({ length: count }, (_, i) =>
        i < count - 1 ? chunk : (d as number) - chunk * (count - 1),
      );
      inputs = [inputs[0], { const: int64Const([count], sizes) }];
    }
  }
  if (op === 'Pad' && down(19) && a().string('mode', 'constant') === 'wrap')
    fail("uses mode 'wrap', new in opset 19");
  if (op === 'Pad' && down(18) && inputs[3]) {
    const axesC = constOf(inputs[3]);
    const padsC = constOf(inputs[1]);
    const rank = shapeOfInput(inputs[0])?.length;
    if (!axesC || !padsC || rank === undefined)
      fail('pads selected axes given as tensors; export with --opset 18');
    const axes = numbers(axesC!).map((v) => (v < 0 ? v + rank! : v));
    const pads = numbers(padsC!);
    const full = Array(2 * rank!).fill(0);
    axes.forEach((ax, i) => {
      full[ax] = pads[i];
      full[ax + rank!] = pads[i + axes.length];
    });
    inputs = [inputs[0], { const: int64Const([full.length], full) }, inputs[2] ?? null];
  }
  if (op === 'Resize' && down(18)) {
    if (
      a().int('antialias', 0) !== 0 ||
      a().string('keep_aspect_ratio_policy', 'stretch') !== 'stretch' ||
      a().has('axes')
    )
      fail('uses antialias, axes or keep_aspect_ratio_policy, new in opset 18');
    attrs = withoutAttr(attrs, 'antialias', 'keep_aspect_ratio_policy');
  }
  if (
    op === 'Resize' &&
    down(19) &&
    a().string('coordinate_transformation_mode', 'half_pixel') === 'half_pixel_symmetric'
  )
    fail("uses coordinate_transformation_mode 'half_pixel_symmetric', new in opset 19");
  if ((op === 'ScatterElements' || op === 'ScatterND') && down(18)) {
    const r = a().string('reduction', 'none');
    if (r === 'max' || r === 'min') fail(`uses reduction '${r}', new in opset 18`);
  }
  if (op === 'AveragePool' && down(19)) {
    const d = a().ints('dilations');
    if (d && d.some((v) => v !== 1)) fail('uses dilations, new in opset 19; export with --opset 19');
    attrs = withoutAttr(attrs, 'dilations');
  }
  if (op === 'LpPool' && down(18)) {
    if (a().int('ceil_mode', 0)) fail('uses ceil_mode, new in opset 18');
    attrs = withoutAttr(attrs, 'ceil_mode');
  }
  if (op === 'Cast' && down(19)) {
    if (a().int('saturate', 1) !== 1) fail('sets saturate, new in opset 19');
    attrs = withoutAttr(attrs, 'saturate');
  }
  if ((op === 'QuantizeLinear' || op === 'DequantizeLinear') && down(21)) {
    if (a().int('block_size', 0) !== 0 || a().int('output_dtype', 0) !== 0)
      fail('uses block quantization, new in opset 21');
    attrs = withoutAttr(attrs, 'block_size', 'output_dtype');
  }
  if (op === 'QuantizeLinear' && down(19)) {
    if (a().int('saturate', 1) !== 1) fail('sets saturate, new in opset 19');
    attrs = withoutAttr(attrs, 'saturate');
  }
  if (op === 'GridSample' && down(20)) {
    const mode = a().string('mode', 'linear');
    const old: Record<string, string> = { linear: 'bilinear', cubic: 'bicubic', nearest: 'nearest' };
    if (shapeOfInput(inputs[0])?.length !== 4) fail('samples a non-4-D input, new in opset 20');
    attrs = setAttr(attrs, { name: 'mode', type: 'STRING', value: old[mode] ?? mode });
  }
  if (op === 'DFT' && down(20)) fail('uses the opset 20 DFT interface; export with --opset 20');
  if (op === 'Shape' && down(15) && (a().has('start') || a().has('end')))
    fail('uses start/end, new in opset 15');
  return finish();

  function finish(): void {
    const names = inputs.map((i, k) => (i ? materialize(i, em, `in${k}`) : ''));
    while (names.length && names[names.length - 1] === '') names.pop();
    em.node(op, names, attrs, outputs, name);
  }
}

function materialize(i: AdaptInput, em: Emitter, hint: string): string {
  if (!i) return '';
  return 'const' in i ? em.constant(i.const, hint) : i.tensor;
}
