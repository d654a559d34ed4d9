// A picture file under "Try it" becomes the network's input. The expectations come from the MNIST
// preparation as LeCun et al. describe it (white digit on black, size-normalised to fit 20x20 with
// its aspect ratio kept, centred by centre of mass in 28x28) and from area averaging's definition.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RgbaImage } from '../../renderer/training/tryIt/imageInput.ts';
import {
  imageToChannels,
  imageToMnist,
  notAPicture,
  pictureInput,
  pictureToInput,
} from '../../renderer/training/tryIt/imageInput.ts';

/** A width x height picture: `ink(x, y)` says where the pen went; paper and ink as RGBA. */
function picture(
  width: number,
  height: number,
  ink: (x: number, y: number) => boolean,
  paper: number[],
  pen: number[],
): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) data.set(ink(x, y) ? pen : paper, (y * width + x) * 4);
  return { width, height, data };
}

// A "7" 60 px wide and 100 px tall, its top-left corner at (120, 30) of a 240 x 180 photo: a bar
// 12 px thick across the top, and a 12 px stroke from the bar's right end down to the bottom left.
const X0 = 120;
const Y0 = 30;
const seven = (x: number, y: number) => {
  const u = x - X0;
  const v = y - Y0;
  if (u < 0 || u >= 60 || v < 0 || v >= 100) return false;
  if (v < 12) return true;
  const centre = 54 - ((v - 12) / 88) * 40; // from x=54 at the bar down to x=14 at the bottom
  return Math.abs(u - centre) < 6;
};
const darkOnLight = picture(240, 180, seven, [235, 232, 225, 255], [30, 30, 40, 255]);

function inkStats(img: Float32Array) {
  let [m, mx, my] = [0, 0, 0];
  let [x0, y0, x1, y1] = [28, 28, -1, -1];
  for (let y = 0; y < 28; y++)
    for (let x = 0; x < 28; x++) {
      const v = img[y * 28 + x];
      m += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
      if (v > 0.02) [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
    }
  return { cx: mx / m, cy: my / m, width: x1 - x0 + 1, height: y1 - y0 + 1, max: Math.max(...img) };
}

describe('A photo of a dark digit on light paper, as MNIST input', () => {
  const out = imageToMnist(darkOnLight)!;

  it('becomes a white digit on black', () => {
    assert.equal(out.length, 784);
    for (const corner of [0, 27, 27 * 28, 783]) assert.equal(out[corner], 0);
    assert.ok(inkStats(out).max > 0.9, `brightest ink ${inkStats(out).max}`);
  });

  it('is size-normalised to 20 px on its longer side, keeping its 60:100 aspect ratio', () => {
    const { width, height } = inkStats(out);
    assert.ok(height <= 20 && height >= 19, `height ${height}`);
    assert.ok(Math.abs(width - 12) <= 1, `width ${width} (20 * 60/100 = 12)`);
  });

  it('has its centre of mass within 1 px of the centre of the 28 x 28 field', () => {
    const { cx, cy } = inkStats(out);
    assert.ok(Math.abs(cx - 14) <= 1 && Math.abs(cy - 14) <= 1, `centre of mass (${cx}, ${cy})`);
  });

  it('does not depend on the polarity: the same digit light on black gives the same input', () => {
    const lightOnDark = picture(240, 180, seven, [20, 20, 20, 255], [225, 225, 225, 255]);
    const other = imageToMnist(lightOnDark)!;
    const diff = Math.max(...out.map((v, i) => Math.abs(v - other[i])));
    assert.ok(diff < 1e-3, `largest difference ${diff}`);
  });

  it('reads transparent pixels as paper (a PNG of black ink on a transparent background)', () => {
    const transparent = picture(240, 180, seven, [0, 0, 0, 0], [0, 0, 0, 255]);
    const t = imageToMnist(transparent)!;
    const { cx, cy, height } = inkStats(t);
    assert.ok(Math.abs(cx - 14) <= 1 && Math.abs(cy - 14) <= 1 && height <= 20);
    assert.equal(t[0], 0);
  });

  it('says so when the picture holds no digit, or is not a picture at all', () => {
    const blank = picture(50, 50, () => false, [200, 200, 200, 255], [0, 0, 0, 255]);
    assert.equal(imageToMnist(blank), null);
    assert.match(String(pictureToInput(blank, { kind: 'digit' })), /No digit found/);
    assert.match(notAPicture({ name: 'notes.txt', type: 'text/plain' })!, /notes\.txt.*not a picture.*PNG/);
    assert.match(notAPicture({ name: 'model.onnx', type: '' })!, /not a picture/);
    assert.equal(notAPicture({ name: 'seven.png', type: 'image/png' }), null);
    assert.equal(notAPicture({ name: 'seven.JPG', type: '' }), null);
  });
});

describe('A picture for a network with a C x H x W input', () => {
  it('is resized by area averaging: each output pixel is the mean of the area it covers', () => {
    // 4 x 4, quadrants red, green, blue, white: halving gives exactly those four colours.
    const colours = [
      [255, 0, 0],
      [0, 255, 0],
      [0, 0, 255],
      [255, 255, 255],
    ];
    const img = picture(4, 4, () => false, [0, 0, 0, 255], [0, 0, 0, 255]);
    const data = img.data as Uint8ClampedArray;
    for (let y = 0; y < 4; y++)
      for (let x = 0; x < 4; x++) data.set([...colours[(y >> 1) * 2 + (x >> 1)], 255], (y * 4 + x) * 4);
    const out = imageToChannels(img, 3, 2, 2);
    // Channel-major: R plane, G plane, B plane, each row-major 2 x 2.
    assert.deepEqual(Array.from(out), [1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 1, 1]);
    // 3 -> 2 pixels: the middle source pixel is shared half and half.
    const row = picture(3, 1, (x) => x === 1, [0, 0, 0, 255], [255, 255, 255, 255]);
    const gray = imageToChannels(row, 1, 1, 2);
    assert.ok(Math.abs(gray[0] - 1 / 3) < 1e-6 && Math.abs(gray[1] - 1 / 3) < 1e-6, `${gray[0]}, ${gray[1]}`);
  });

  it('tells which networks take which pictures from the Input shape', () => {
    assert.deepEqual(pictureInput([1, 28, 28]), { kind: 'digit' });
    assert.deepEqual(pictureInput([784]), { kind: 'digit' });
    assert.deepEqual(pictureInput([3, 32, 32]), { kind: 'image', channels: 3, height: 32, width: 32 });
    assert.equal(pictureInput([2]), null);
    assert.equal(pictureInput([4, 8, 8]), null);
  });
});
