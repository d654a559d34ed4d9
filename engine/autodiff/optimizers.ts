// Optimizer updates as ONNX subgraphs, with PyTorch's semantics (torch.optim, default
// dampening 0). The learning rate and Adam's bias corrections are per-step scalar inputs, so
// schedules need no recompilation.
import type { OnnxBuilder } from '../onnx/builder.ts';

export const OPTIMIZERS = [
  'sgd',
  'momentum',
  'heavy-ball',
  'nesterov',
  'rmsprop',
  'adam',
  'adamw',
  'adagrad',
] as const;
export type OptimizerKind = (typeof OPTIMIZERS)[number];

export interface OptimizerConfig {
  kind: OptimizerKind;
  /** Momentum coefficient (momentum, heavy-ball, nesterov); PyTorch has no default, we use 0.9. */
  momentum?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** RMSProp smoothing (PyTorch alpha, 0.99). */
  alpha?: number;
  /** L2 penalty added to the gradient; decoupled decay for AdamW (PyTorch default 0.01 there). */
  weightDecay?: number;
}

/** State tensors each optimizer keeps per parameter, in order. */
export function stateSlots(kind: OptimizerKind): string[] {
  switch (kind) {
    case 'sgd':
      return [];
    case 'momentum':
    case 'nesterov':
      return ['velocity'];
    case 'heavy-ball':
      return ['previous'];
    case 'rmsprop':
      return ['square_avg'];
    case 'adam':
    case 'adamw':
      return ['exp_avg', 'exp_avg_sq'];
    case 'adagrad':
      return ['sum'];
  }
}

/** Defaults as in torch.optim. */
export function withDefaults(c: OptimizerConfig): Required<OptimizerConfig> {
  return {
    kind: c.kind,
    momentum: c.momentum ?? 0.9,
    beta1: c.beta1 ?? 0.9,
    beta2: c.beta2 ?? 0.999,
    eps: c.eps ?? (c.kind === 'adagrad' ? 1e-10 : 1e-8),
    alpha: c.alpha ?? 0.99,
    weightDecay: c.weightDecay ?? (c.kind === 'adamw' ? 0.01 : 0),
  };
}

export interface StepScalars {
  lr: string;
  /** 1 - beta1^t and 1 - beta2^t (Adam), fed per step. */
  biasCorrection1: string;
  biasCorrection2: string;
}

/**
 * Emits one parameter's update; returns the new parameter and new state tensors. The last op of
 * each result writes straight to its graph-output name (`out`): an Identity only for naming would
 * copy every parameter and state tensor once more per step.
 */
export function updateParameter(
  b: OnnxBuilder,
  cfg: Required<OptimizerConfig>,
  out: { param: string; state: string[] },
  param: string,
  grad: string,
  state: string[],
  s: StepScalars,
): { param: string; state: string[] } {
  const named = (output?: string) => (output ? { output } : {});
  const mul = (x: string, y: string, o?: string) => b.op('Mul', [x, y], {}, named(o));
  const add = (x: string, y: string, o?: string) => b.op('Add', [x, y], {}, named(o));
  const sub = (x: string, y: string, o?: string) => b.op('Sub', [x, y], {}, named(o));
  const k = (x: number) => b.scalar(x);
  const [s0, s1] = out.state;
  let g = grad;
  if (cfg.weightDecay && cfg.kind !== 'adamw') g = add(g, mul(param, k(cfg.weightDecay)));
  switch (cfg.kind) {
    case 'sgd':
      return { param: sub(param, mul(g, s.lr), out.param), state: [] };
    case 'momentum': {
      // v <- mu v + g; p <- p - lr v
      const v = add(mul(state[0], k(cfg.momentum)), g, s0);
      return { param: sub(param, mul(v, s.lr), out.param), state: [v] };
    }
    case 'nesterov': {
      const v = add(mul(state[0], k(cfg.momentum)), g, s0);
      return { param: sub(param, mul(add(g, mul(v, k(cfg.momentum))), s.lr), out.param), state: [v] };
    }
    case 'heavy-ball': {
      // p <- p - lr g + beta (p - p_prev); the state is the previous parameter value.
      const next = add(sub(param, mul(g, s.lr)), mul(sub(param, state[0]), k(cfg.momentum)), out.param);
      return { param: next, state: [b.op('Identity', [param], {}, named(s0))] };
    }
    case 'rmsprop': {
      const sq = add(mul(state[0], k(cfg.alpha)), mul(mul(g, g), k(1 - cfg.alpha)), s0);
      const step = b.op('Div', [g, add(b.op('Sqrt', [sq]), k(cfg.eps))]);
      return { param: sub(param, mul(step, s.lr), out.param), state: [sq] };
    }
    case 'adagrad': {
      const sum = add(state[0], mul(g, g), s0);
      const step = b.op('Div', [g, add(b.op('Sqrt', [sum]), k(cfg.eps))]);
      return { param: sub(param, mul(step, s.lr), out.param), state: [sum] };
    }
    case 'adam':
    case 'adamw': {
      const p =
        cfg.kind === 'adamw' && cfg.weightDecay
          ? sub(param, mul(mul(param, s.lr), k(cfg.weightDecay)))
          : param;
      const m = add(mul(state[0], k(cfg.beta1)), mul(g, k(1 - cfg.beta1)), s0);
      const v = add(mul(state[1], k(cfg.beta2)), mul(mul(g, g), k(1 - cfg.beta2)), s1);
      const mHat = b.op('Div', [m, s.biasCorrection1]);
      const denom = add(b.op('Sqrt', [b.op('Div', [v, s.biasCorrection2])]), k(cfg.eps));
      return { param: sub(p, mul(b.op('Div', [mHat, denom]), s.lr), out.param), state: [m, v] };
    }
  }
}
