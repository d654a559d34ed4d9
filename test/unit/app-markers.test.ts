// Class markers: a different shape for each of the first six classes, each about as heavy (area)
// as the circle, so no class stands out by size alone.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { MARKER_SHAPES, markerOf, markerPolygon } from '../../renderer/training/markers.ts';

const shoelace = (p: [number, number][]) =>
  Math.abs(p.reduce((s, [x, y], i) => s + x * p[(i + 1) % p.length][1] - p[(i + 1) % p.length][0] * y, 0)) /
  2;

it('gives each class its own shape, each within 10% of the circle’s area', () => {
  assert.equal(new Set([0, 1, 2, 3, 4, 5].map(markerOf)).size, 6);
  assert.equal(markerOf(6), markerOf(0));
  const r = 3;
  for (const shape of MARKER_SHAPES.filter((s) => s !== 'circle')) {
    const poly = markerPolygon(shape, 10, 20, r);
    const area = shoelace(poly);
    assert.ok(Math.abs(area / (Math.PI * r * r) - 1) < 0.1, `${shape}: area ${area.toFixed(2)}`);
    const cx = poly.reduce((s, p) => s + p[0], 0) / poly.length;
    assert.ok(Math.abs(cx - 10) < 1e-9, `${shape} is centred in x`);
  }
});
