// Learning-rate schedules, evaluated per step (k counts optimizer steps from 0).
export type Schedule =
  | { kind: 'constant' }
  /** StepLR: lr * gamma^floor(epoch / stepSize). */
  | { kind: 'step'; stepSize: number; gamma: number }
  /** CosineAnnealingLR over the whole run, down to etaMin. */
  | { kind: 'cosine'; etaMin?: number }
  /** lr_k = c0 / (c1 + k), the Robbins-Monro form. */
  | { kind: 'inverse'; c0: number; c1: number };

export function learningRate(
  base: number,
  s: Schedule | undefined,
  k: number,
  epoch: number,
  totalSteps: number,
): number {
  switch (s?.kind ?? 'constant') {
    case 'constant':
      return base;
    case 'step': {
      const st = s as Extract<Schedule, { kind: 'step' }>;
      return base * st.gamma ** Math.floor(epoch / st.stepSize);
    }
    case 'cosine': {
      const min = (s as Extract<Schedule, { kind: 'cosine' }>).etaMin ?? 0;
      return min + ((base - min) * (1 + Math.cos((Math.PI * k) / Math.max(totalSteps, 1)))) / 2;
    }
    case 'inverse': {
      const inv = s as Extract<Schedule, { kind: 'inverse' }>;
      return inv.c0 / (inv.c1 + k);
    }
  }
}
