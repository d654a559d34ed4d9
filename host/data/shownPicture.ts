// Pictures as the page is sent them: a big C×H×W sample averaged down to at most SHOWN_SIDE
// pixels a side. On its own so that the evaluation's mistakes and the dataset preview shrink
// pictures the same way without importing each other.

/**
 * The largest side, in pixels, of a picture sent with a mistake or in the dataset preview. The
 * drawer shows each at 70 px and the preview at about 50, and a 224×224 RGB sample sent whole is
 * 150,528 numbers (about 2.7 MB of JSON): sixteen of them held the page and the server's event
 * loop for seconds after every ResNet-50 epoch.
 */
export const SHOWN_SIDE = 64;

/** The shape a sample is shown at: a picture over SHOWN_SIDE averaged down by a whole factor. */
export function shownShape(inputShape: number[]): number[] {
  if (inputShape.length !== 3) return inputShape;
  const [c, h, w] = inputShape;
  const f = Math.ceil(Math.max(h, w) / SHOWN_SIDE);
  return [c, Math.ceil(h / f), Math.ceil(w / f)];
}

/**
 * A C×H×W picture averaged over f×f cells (f from shownShape); a cell cut by the right or bottom
 * edge averages the pixels it has (PyTorch's avg_pool2d with ceil_mode). Takes a typed array as
 * it is: Array.from on a dozen 224×224 Float32Array pictures alone took 190 ms.
 */
export function shrinkPicture<T extends ArrayLike<number>>(values: T, inputShape: number[]): T | number[] {
  const shown = shownShape(inputShape);
  if (shown === inputShape || (shown[1] === inputShape[1] && shown[2] === inputShape[2])) return values;
  const [c, h, w] = inputShape;
  const [, sh, sw] = shown;
  const f = Math.ceil(Math.max(h, w) / SHOWN_SIDE);
  const out = new Array<number>(c * sh * sw);
  for (let k = 0; k < c; k++)
    for (let i = 0; i < sh; i++)
      for (let j = 0; j < sw; j++) {
        const [y1, x1] = [Math.min(h, (i + 1) * f), Math.min(w, (j + 1) * f)];
        let sum = 0;
        for (let y = i * f; y < y1; y++) for (let x = j * f; x < x1; x++) sum += values[(k * h + y) * w + x];
        out[(k * sh + i) * sw + j] = sum / ((y1 - i * f) * (x1 - j * f));
      }
  return out;
}
