// A drawing becomes an MNIST-like input the way the MNIST digits were made (LeCun et al.): the
// ink's bounding box is scaled to fit 20x20 keeping its aspect ratio, placed on a 28x28 field,
// and shifted so its centre of mass sits at the centre. Without this a digit drawn small or
// off-centre looks nothing like the training data.

export const MNIST_SIZE = 28;
const BOX = 20;
const INK = 0.05;

/**
 * A grayscale image (values 0..1, white ink on black, row-major, `width` x `height`, square when
 * `height` is left out) as 28x28 MNIST pixels.
 */
export function toMnistInput(pixels: ArrayLike<number>, width: number, height = width): Float32Array {
  const out = new Float32Array(MNIST_SIZE * MNIST_SIZE);
  let [x0, y0, x1, y1] = [width, height, -1, -1];
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      if (pixels[y * width + x] > INK) {
        x0 = Math.min(x0, x);
        y0 = Math.min(y0, y);
        x1 = Math.max(x1, x);
        y1 = Math.max(y1, y);
      }
  if (x1 < 0) return out; // nothing drawn
  const w = x1 - x0 + 1;
  const h = y1 - y0 + 1;
  const scale = BOX / Math.max(w, h);
  const ow = w * scale;
  const oh = h * scale;
  const ox = (MNIST_SIZE - ow) / 2;
  const oy = (MNIST_SIZE - oh) / 2;
  // Area sampling: each output pixel averages the source pixels it covers (4x4 samples).
  const k = 4;
  for (let y = 0; y < MNIST_SIZE; y++)
    for (let x = 0; x < MNIST_SIZE; x++) {
      let sum = 0;
      for (let sy = 0; sy < k; sy++)
        for (let sx = 0; sx < k; sx++) {
          const u = (x + (sx + 0.5) / k - ox) / scale;
          const v = (y + (sy + 0.5) / k - oy) / scale;
          if (u < 0 || v < 0 || u >= w || v >= h) continue;
          sum += pixels[(y0 + Math.floor(v)) * width + x0 + Math.floor(u)];
        }
      out[y * MNIST_SIZE + x] = sum / (k * k);
    }
  return centreOfMass(out);
}

/** Shifts a 28x28 image (whole pixels) so that its centre of mass is at (14, 14). */
export function centreOfMass(img: Float32Array): Float32Array {
  let [m, mx, my] = [0, 0, 0];
  for (let y = 0; y < MNIST_SIZE; y++)
    for (let x = 0; x < MNIST_SIZE; x++) {
      const v = img[y * MNIST_SIZE + x];
      m += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  if (m === 0) return img;
  const dx = Math.round(MNIST_SIZE / 2 - mx / m);
  const dy = Math.round(MNIST_SIZE / 2 - my / m);
  if (dx === 0 && dy === 0) return img;
  const out = new Float32Array(img.length);
  for (let y = 0; y < MNIST_SIZE; y++)
    for (let x = 0; x < MNIST_SIZE; x++) {
      const sx = x - dx;
      const sy = y - dy;
      if (sx >= 0 && sy >= 0 && sx < MNIST_SIZE && sy < MNIST_SIZE)
        out[y * MNIST_SIZE + x] = img[sy * MNIST_SIZE + sx];
    }
  return out;
}
