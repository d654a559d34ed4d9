// The heat-map colours behind the step-through and feature-map views: which scale a slice gets,
// and that the colours are ColorBrewer's PuOr and viridis end points (published palettes).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diverging, heatPixels, heatRange } from '../../renderer/components/heatMap.ts';

const rgbAt = (px: Uint8ClampedArray, i: number) => [...px.slice(i * 4, i * 4 + 3)];

describe('heat maps', () => {
  it('uses a zero-centred diverging scale for signed data and a min-max scale otherwise', () => {
    assert.deepEqual(heatRange([-0.5, 0.2, 2]), { scale: 'diverging', lo: -2, hi: 2 });
    assert.deepEqual(heatRange([0, 3, 1]), { scale: 'sequential', lo: 0, hi: 3 });
    assert.deepEqual(heatRange([NaN, -1, Infinity, -4]), { scale: 'sequential', lo: -4, hi: -1 });
    assert.deepEqual(heatRange([-1, 1], 'sequential'), { scale: 'sequential', lo: -1, hi: 1 });
  });

  it('maps the ends and the middle to the published PuOr colours', () => {
    assert.deepEqual(diverging(-1), [45, 0, 75]);
    assert.deepEqual(diverging(0), [247, 247, 247]);
    assert.deepEqual(diverging(1), [127, 59, 8]);
    assert.deepEqual(diverging(5), [127, 59, 8], 'clamped');
  });

  it('draws one opaque pixel per value, viridis end points for sequential data, grey for NaN', () => {
    const px = heatPixels([0, 1, NaN, 0.5], 2, 2, heatRange([0, 1]));
    assert.equal(px.length, 16);
    assert.deepEqual(rgbAt(px, 0), [68, 1, 84]);
    assert.deepEqual(rgbAt(px, 1), [253, 231, 37]);
    assert.deepEqual(rgbAt(px, 2), [128, 128, 128]);
    assert.ok([3, 7, 11, 15].every((i) => px[i] === 255));
    const signed = heatPixels([-2, 0, 2, 1], 4, 1, heatRange([-2, 0, 2, 1]));
    assert.deepEqual(rgbAt(signed, 1), [247, 247, 247], 'zero is white');
    assert.deepEqual(rgbAt(signed, 0), [45, 0, 75]);
  });
});
