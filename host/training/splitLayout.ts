// Where a split step's partner thread (splitPartnerThread.ts) finds its inputs and leaves its
// results in shared memory, so a step crosses threads without messages: the session writes the
// partner's rows of the batch and the current parameters, bumps a counter and notifies; the
// partner runs its gradient pass and writes loss, prediction and gradients back.
import type { TrainStep } from '../../engine/index.ts';

export interface Slot {
  name: string;
  shape: number[];
  /** Offset in floats within its region. */
  offset: number;
  size: number;
}

export interface PartnerLayout {
  /** The gradient step's inputs: rows of the batch (data, target, masks), then every parameter. */
  inputs: Slot[];
  /** Its loss, prediction and each trainable parameter's gradient. */
  outputs: Slot[];
  inputFloats: number;
  outputFloats: number;
}

/** Control words: the step the session asked for, the step the partner finished, and its state. */
export const CONTROL = { asked: 0, done: 1, state: 2 } as const;
export const PARTNER_STATE = { running: 0, failed: 1, stopping: 2 } as const;
export const CONTROL_WORDS = 3;

function slots(items: { name: string; shape: number[] }[]): { slots: Slot[]; floats: number } {
  let offset = 0;
  const out = items.map((it) => {
    const size = it.shape.reduce((a, b) => a * b, 1);
    const slot = { ...it, offset, size };
    // Each slot starts on a 64-byte line, so neither side copies across a shared cache line.
    offset += Math.ceil(size / 16) * 16;
    return slot;
  });
  return { slots: out, floats: offset };
}

/** The layout for a split step's gradient pass (engine/autodiff/splitStep.ts). */
export function partnerLayout(gradient: TrainStep): PartnerLayout {
  const inputs = slots([
    ...gradient.dataInputs.map((d) => ({ name: d.input, shape: d.shape })),
    { name: gradient.target.input, shape: gradient.target.shape },
    ...gradient.masks.map((m) => ({ name: m.input, shape: m.shape })),
    ...gradient.params.map((p) => ({ name: p.input, shape: p.shape })),
  ]);
  const predictionShape = gradient.target.shape;
  const outputs = slots([
    { name: gradient.outputs.loss, shape: [] },
    { name: gradient.outputs.prediction, shape: predictionShape },
    ...gradient.outputs.grads.map((g) => ({
      name: g.output,
      shape: gradient.params.find((p) => p.nodeId === g.nodeId && p.param === g.param)!.shape,
    })),
  ]);
  return {
    inputs: inputs.slots,
    outputs: outputs.slots,
    inputFloats: inputs.floats,
    outputFloats: outputs.floats,
  };
}
