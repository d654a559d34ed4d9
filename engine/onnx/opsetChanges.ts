// Interface changes between ONNX opsets that both the builder (our layers' ops) and the adaptation
// of imported ops (import/adapt/) follow.

/** Reductions whose axes moved from an attribute to an input in opset 18 (ReduceSum's did in 13). */
export const AXES_INPUT_SINCE_18: ReadonlySet<string> = new Set([
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
