// Downgrades, for nodes written for a newer opset than the export's: Reduce*'s axes input (18)
// back to an attribute, Split's num_outputs (18) to sizes, Pad's axes (18), and what can't go back
// (attributes and modes that a later opset introduced) as a sentence naming the opset to use.
import { int64Const, numbers } from '../values.ts';
import { AXES_INPUT_SINCE_18 } from '../../opsetChanges.ts';
import { constOf, shapeOfInput, type Step } from './state.ts';

const reduceAxes: Step = (s) => {
  if (!(AXES_INPUT_SINCE_18.has(s.op) && s.down(18))) return;
  const c = constOf(s.inputs[1]);
  if (s.inputs[1] && !c) s.fail(`takes its axes as a computed tensor; export with --opset ${s.from}`);
  const noop = s.a().int('noop_with_empty_axes', 0);
  s.without('noop_with_empty_axes');
  if (c && c.data.length) s.set({ name: 'axes', type: 'INTS', value: numbers(c) });
  else if (noop) s.fail('is a no-op reduction (noop_with_empty_axes), which opsets before 18 cannot express');
  s.inputs = [s.inputs[0]];
};

const split: Step = (s) => {
  if (!(s.op === 'Split' && s.down(18))) return;
  const count = s.a().int('num_outputs');
  s.without('num_outputs');
  if (count === undefined || s.inputs[1]) return;
  // ONNX gives Split exactly num_outputs outputs; a damaged count must not size an array.
  if (count !== s.outputs.length)
    s.fail(`has num_outputs = ${count} but ${s.outputs.length} output(s); they must agree`);
  const axis = s.a().int('axis', 0);
  const x = shapeOfInput(s.inputs[0]);
  const d = x?.[axis < 0 ? axis + x.length : axis];
  if (typeof d !== 'number') s.fail('splits an axis of unknown size into num_outputs pieces');
  const chunk = Math.ceil((d as number) / count);
  const sizes = Array.from({ length: count }, (_, i) =>
    i < count - 1 ? chunk : (d as number) - chunk * (count - 1),
  );
  s.inputs = [s.inputs[0], { const: int64Const([count], sizes) }];
};

const pad: Step = (s) => {
  if (s.op !== 'Pad') return;
  if (s.down(19) && s.a().string('mode', 'constant') === 'wrap') s.fail("uses mode 'wrap', new in opset 19");
  if (!(s.down(18) && s.inputs[3])) return;
  const axesC = constOf(s.inputs[3]);
  const padsC = constOf(s.inputs[1]);
  const rank = shapeOfInput(s.inputs[0])?.length;
  if (!axesC || !padsC || rank === undefined)
    s.fail('pads selected axes given as tensors; export with --opset 18');
  const axes = numbers(axesC!).map((v) => (v < 0 ? v + rank! : v));
  const pads = numbers(padsC!);
  const full = Array(2 * rank!).fill(0);
  axes.forEach((ax, i) => {
    full[ax] = pads[i];
    full[ax + rank!] = pads[i + axes.length];
  });
  s.inputs = [s.inputs[0], { const: int64Const([full.length], full) }, s.inputs[2] ?? null];
};

const resize: Step = (s) => {
  if (s.op !== 'Resize') return;
  const a = s.a();
  if (s.down(18)) {
    if (
      a.int('antialias', 0) !== 0 ||
      a.string('keep_aspect_ratio_policy', 'stretch') !== 'stretch' ||
      a.has('axes')
    )
      s.fail('uses antialias, axes or keep_aspect_ratio_policy, new in opset 18');
    s.without('antialias', 'keep_aspect_ratio_policy');
  }
  if (s.down(19) && a.string('coordinate_transformation_mode', 'half_pixel') === 'half_pixel_symmetric')
    s.fail("uses coordinate_transformation_mode 'half_pixel_symmetric', new in opset 19");
};

/** Attributes a later opset added: dropped when at their default, else the node can't go back. */
const newAttributes: Step = (s) => {
  const a = s.a();
  if ((s.op === 'ScatterElements' || s.op === 'ScatterND') && s.down(18)) {
    const r = a.string('reduction', 'none');
    if (r === 'max' || r === 'min') s.fail(`uses reduction '${r}', new in opset 18`);
  }
  if (s.op === 'AveragePool' && s.down(19)) {
    const d = a.ints('dilations');
    if (d && d.some((v) => v !== 1)) s.fail('uses dilations, new in opset 19; export with --opset 19');
    s.without('dilations');
  }
  if (s.op === 'LpPool' && s.down(18)) {
    if (a.int('ceil_mode', 0)) s.fail('uses ceil_mode, new in opset 18');
    s.without('ceil_mode');
  }
  if (s.op === 'Cast' && s.down(19)) {
    if (a.int('saturate', 1) !== 1) s.fail('sets saturate, new in opset 19');
    s.without('saturate');
  }
  if ((s.op === 'QuantizeLinear' || s.op === 'DequantizeLinear') && s.down(21)) {
    if (a.int('block_size', 0) !== 0 || a.int('output_dtype', 0) !== 0)
      s.fail('uses block quantization, new in opset 21');
    s.without('block_size', 'output_dtype');
  }
  if (s.op === 'QuantizeLinear' && s.down(19)) {
    if (s.a().int('saturate', 1) !== 1) s.fail('sets saturate, new in opset 19');
    s.without('saturate');
  }
  if (s.op === 'Shape' && s.down(15) && (a.has('start') || a.has('end')))
    s.fail('uses start/end, new in opset 15');
};

const interfaces: Step = (s) => {
  if (s.op === 'GridSample' && s.down(20)) {
    const mode = s.a().string('mode', 'linear');
    const old: Record<string, string> = { linear: 'bilinear', cubic: 'bicubic', nearest: 'nearest' };
    if (shapeOfInput(s.inputs[0])?.length !== 4) s.fail('samples a non-4-D input, new in opset 20');
    s.set({ name: 'mode', type: 'STRING', value: old[mode] ?? mode });
  }
  if (s.op === 'DFT' && s.down(20)) s.fail('uses the opset 20 DFT interface; export with --opset 20');
  if (s.op === 'GroupNormalization' && s.down(21))
    s.fail(
      'scales and shifts per channel (opset 21), which opsets 18-20 express only per group; export with --opset 21',
    );
};

export const DOWNGRADES: Step[] = [reduceAxes, split, pad, resize, newAttributes, interfaces];
