// Upgrades of nodes written for opsets 13-20 to a later export opset, where the old form is no
// longer valid: Reduce*'s axes became an input (18), Split without sizes must name num_outputs
// (18), GridSample's modes were renamed and DFT's axis became an input (20), GroupNormalization's
// scale and bias went from one value per group to one per channel (21).
import { int64Const, makeConst, numbers } from '../values.ts';
import { DataType } from '../../types.ts';
import { AXES_INPUT_SINCE_18 } from '../../opsetChanges.ts';
import { constOf, shapeOfInput, type AdaptState, type Step } from './state.ts';

const reduceAxes: Step = (s) => {
  if (!(AXES_INPUT_SINCE_18.has(s.op) && s.up(18))) return;
  const axes = s.a().ints('axes');
  s.without('axes');
  if (axes) s.inputs = [s.inputs[0], { const: int64Const([axes.length], axes) }];
};

const split: Step = (s) => {
  if (s.op === 'Split' && s.up(18) && !s.inputs[1])
    s.set({ name: 'num_outputs', type: 'INT', value: s.outputs.length });
};

const interfaces: Step = (s) => {
  if (s.op === 'GridSample' && s.up(20)) {
    const renamed: Record<string, string> = { bilinear: 'linear', bicubic: 'cubic' };
    const mode = s.a().string('mode', 'bilinear');
    s.set({ name: 'mode', type: 'STRING', value: renamed[mode] ?? mode });
  }
  if (s.op === 'DFT' && s.up(20)) {
    const axis = s.a().int('axis', 1);
    s.without('axis');
    s.inputs = [s.inputs[0], s.inputs[1] ?? null, { const: int64Const([], [axis]) }];
  }
};

/** Opset 21 scales and shifts each channel: the per-group values repeated over the group's channels. */
const groupNorm: Step = (s) => {
  if (!(s.op === 'GroupNormalization' && s.up(21))) return;
  const groups = s.a().int('num_groups');
  const c = shapeOfInput(s.inputs[0])?.[1];
  if (groups === undefined || typeof c !== 'number' || c % groups !== 0)
    s.fail('scales per group; opset 21 scales per channel, which needs a known channel count');
  const per = (c as number) / groups!;
  for (const k of [1, 2]) s.inputs[k] = perChannel(s, k, groups!, per);
};

function perChannel(s: AdaptState, k: number, groups: number, per: number): AdaptState['inputs'][number] {
  const input = s.inputs[k];
  const c = constOf(input);
  if (c) {
    const values = numbers(c);
    const out = Array.from({ length: groups * per }, (_, i) => values[Math.floor(i / per)]);
    return { const: makeConst(c.dtype ?? DataType.FLOAT, [out.length], out) };
  }
  const column = s.helper('Reshape', [s.materialize(input, `in${k}`), s.int64s([groups, 1], 'group_column')]);
  const spread = s.helper('Expand', [column, s.int64s([groups, per], 'group_spread')]);
  return {
    tensor: s.helper('Reshape', [spread, s.int64s([groups * per], 'channels')]),
    shape: [groups * per],
  };
}

export const UP_TO_21: Step[] = [reduceAxes, split, interfaces, groupNorm];
