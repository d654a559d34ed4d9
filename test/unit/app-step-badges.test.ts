// Step-through badges: a layer's gradient norm over all its parameters on the stepped batch, and
// the move one plain SGD step would make, lr·|∇|/|W| (both Pythagorean sums over the parameters).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { StepNode } from '../../protocol/stepThrough.ts';
import { stepBadges } from '../../renderer/canvas/GradientBadges.tsx';

const stats = (norm: number) => ({ min: 0, max: 0, mean: 0, std: 0, norm, nonFinite: 0 });
const node = (params: StepNode['params']): StepNode => ({
  id: 'n',
  name: 'n',
  type: 'Linear',
  shape: [2, 2],
  forward: stats(1),
  backward: stats(1),
  params,
});

it('sums the parameters’ norms as one vector: |∇| = √(4² + 3²), ΔW/W = lr·5/5', () => {
  const b = stepBadges(
    node([
      { param: 'weight', shape: [2, 2], value: stats(3), grad: stats(4) },
      { param: 'bias', shape: [2], value: stats(4), grad: stats(3) },
    ]),
    0.1,
  )!;
  assert.equal(b.grad, 5);
  assert.ok(Math.abs(b.ratio! - 0.1) < 1e-12);
});

it('shows nothing for a layer without trained parameters, and no ratio for zero weights', () => {
  assert.equal(stepBadges(node([]), 0.1), null);
  assert.equal(
    stepBadges(node([{ param: 'running_mean', shape: [2], value: stats(1), grad: null }]), 0.1),
    null,
  );
  const zero = stepBadges(node([{ param: 'weight', shape: [2, 2], value: stats(0), grad: stats(2) }]), 0.1)!;
  assert.equal(zero.grad, 2);
  assert.equal(zero.ratio, null);
});
