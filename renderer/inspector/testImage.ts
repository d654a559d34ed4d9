// A built-in picture for networks that take colour images, made here so it needs no file and no
// data set: colour bars on top (the primaries, their mixes, white and black), a grey ramp in the
// middle, and an orange disc on dark blue below. Every region is flat or smooth, so an edge filter
// lights up only at the region borders and a colour-to-grey filter has known answers.

/** The bars' colours, left to right: red, green, blue, yellow, cyan, magenta, white, black. */
export const TEST_BARS: readonly [number, number, number][] = [
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
  [1, 1, 0],
  [0, 1, 1],
  [1, 0, 1],
  [1, 1, 1],
  [0, 0, 0],
];
const DISC: [number, number, number] = [1, 0.6, 0.1];
const BACKGROUND: [number, number, number] = [0.05, 0.1, 0.35];

/** The RGB colour of pixel (y, x) of an h x w test image, each channel in 0..1. */
export function testPixel(y: number, x: number, h: number, w: number): [number, number, number] {
  const band = Math.floor((3 * y) / h);
  if (band === 0) return TEST_BARS[Math.min(TEST_BARS.length - 1, Math.floor((x * TEST_BARS.length) / w))];
  if (band === 1) {
    const g = w > 1 ? x / (w - 1) : 0.5;
    return [g, g, g];
  }
  const cy = (5 * h) / 6;
  const cx = w / 2;
  const r = Math.min(h / 6, w / 2) * 0.9;
  return (y + 0.5 - cy) ** 2 + (x + 0.5 - cx) ** 2 <= r * r ? DISC : BACKGROUND;
}

/**
 * The test image as a C x H x W sample (channel-major, like the network's input). Three channels
 * are R, G, B; any other count gets the image's luminance (ITU-R BT.601 weights) in every channel.
 */
export function testImage(channels: number, h: number, w: number): Float32Array {
  const out = new Float32Array(channels * h * w);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const rgb = testPixel(y, x, h, w);
      const grey = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2];
      for (let c = 0; c < channels; c++) out[(c * h + y) * w + x] = channels === 3 ? rgb[c] : grey;
    }
  return out;
}
