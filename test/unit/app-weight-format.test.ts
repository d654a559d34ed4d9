// How a weight is written in the inspector's cells: four significant digits normally, at most
// six characters in the narrow cells of a kernel four or more wide (the tooltip keeps the value).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { formatWeight } from '../../renderer/inspector/weightValues.ts';

it('keeps four significant digits where there is room: the luma weights and 1/9 read in full', () => {
  assert.deepEqual(
    [0.299, 0.587, 0.114, 1 / 9, -2, 0].map((v) => formatWeight(v)),
    ['0.299', '0.587', '0.114', '0.1111', '-2', '0'],
  );
});

it('fits every value of a wide kernel in six characters', () => {
  const cases: [number, string][] = [
    [-0.08123, '-0.08'],
    [0.1431, '0.14'],
    [-0.0094, '-0.009'],
    [0.00012, '1e-4'],
    [-1, '-1'],
    [12.4, '12'],
    [250, '3e2'],
  ];
  for (const [v, text] of cases) assert.equal(formatWeight(v, true), text, String(v));
  for (let k = 0; k < 2000; k++) {
    const v = (Math.sin(k * 12.9898) * 43758.5453) % 1; // spread over ±1, as a fresh kernel is
    assert.ok(formatWeight(v, true).length <= 6, `${v} -> ${formatWeight(v, true)}`);
  }
});
