// A picture file dropped on "Try it" becomes the network's input. Pure functions over RGBA pixels
// (what a canvas's getImageData gives), so they run and are tested without a DOM. A digit photo
// or scan is usually dark ink on light paper, while MNIST digits are white on black with a black
// background: so the picture is turned into ink-on-black first, then prepared like a drawing
// (digitInput.ts). Networks that take other pictures get them resized to their input.
import { toMnistInput } from './digitInput.ts';

export interface RgbaImage {
  width: number;
  height: number;
  /** RGBA bytes, row-major, 4 per pixel. */
  data: ArrayLike<number>;
}

/** toMnistInput samples 4x4 points per output pixel; larger pictures are first averaged down to this. */
const MAX_DIGIT_SIDE = 112;
/** Below this contrast between background and strongest ink there is no digit to find. */
const MIN_CONTRAST = 0.1;

/** Gray 0..1 (Rec. 601 luma); transparent pixels count as white paper. */
export function luminance(img: RgbaImage): Float32Array {
  const out = new Float32Array(img.width * img.height);
  const d = img.data;
  for (let i = 0; i < out.length; i++) {
    const a = d[i * 4 + 3] / 255;
    const y = (0.299 * d[i * 4] + 0.587 * d[i * 4 + 1] + 0.114 * d[i * 4 + 2]) / 255;
    out[i] = a * y + (1 - a);
  }
  return out;
}

/** The background's gray level: the median of the outermost pixels. */
function borderLevel(gray: Float32Array, width: number, height: number): number {
  const edge: number[] = [];
  for (let x = 0; x < width; x++) edge.push(gray[x], gray[(height - 1) * width + x]);
  for (let y = 1; y < height - 1; y++) edge.push(gray[y * width], gray[y * width + width - 1]);
  edge.sort((a, b) => a - b);
  return edge[Math.floor(edge.length / 2)];
}

/**
 * White ink on a black background: inverted when the background is light, then stretched so the
 * background is 0 and the strongest ink 1. Null when there is no ink to speak of.
 */
export function inkOnBlack(img: RgbaImage): Float32Array | null {
  const gray = luminance(img);
  const light = borderLevel(gray, img.width, img.height) > 0.5;
  if (light) for (let i = 0; i < gray.length; i++) gray[i] = 1 - gray[i];
  const background = borderLevel(gray, img.width, img.height);
  let strongest = 0;
  for (const v of gray) strongest = Math.max(strongest, v);
  if (strongest - background < MIN_CONTRAST) return null;
  const span = strongest - background;
  for (let i = 0; i < gray.length; i++) gray[i] = Math.min(1, Math.max(0, (gray[i] - background) / span));
  return gray;
}

/** For each output index along one axis: the source indices it covers and their share of it. */
function footprints(from: number, to: number): { index: number; weight: number }[][] {
  const scale = from / to;
  return Array.from({ length: to }, (_, o) => {
    const start = o * scale;
    const end = start + scale;
    const cover: { index: number; weight: number }[] = [];
    for (let i = Math.floor(start); i < Math.min(from, Math.ceil(end)); i++) {
      const w = Math.min(end, i + 1) - Math.max(start, i);
      if (w > 1e-9) cover.push({ index: i, weight: w / scale });
    }
    return cover;
  });
}

/**
 * Resizes planes (`planes` row-major `width` x `height` images one after another) by area
 * averaging: every output pixel is the mean of the source area it covers.
 */
export function resizePlanes(
  pixels: ArrayLike<number>,
  planes: number,
  width: number,
  height: number,
  toWidth: number,
  toHeight: number,
): Float32Array {
  const cols = footprints(width, toWidth);
  const rows = footprints(height, toHeight);
  const out = new Float32Array(planes * toWidth * toHeight);
  for (let p = 0; p < planes; p++)
    for (let y = 0; y < toHeight; y++)
      for (let x = 0; x < toWidth; x++) {
        let sum = 0;
        for (const r of rows[y])
          for (const c of cols[x])
            sum += pixels[p * width * height + r.index * width + c.index] * r.weight * c.weight;
        out[p * toWidth * toHeight + y * toWidth + x] = sum;
      }
  return out;
}

/** A picture of a digit as MNIST's 28x28 input, or null when it holds no ink. */
export function imageToMnist(img: RgbaImage): Float32Array | null {
  const ink = inkOnBlack(img);
  if (!ink) return null;
  const shrink = Math.min(1, MAX_DIGIT_SIDE / Math.max(img.width, img.height));
  if (shrink === 1) return toMnistInput(ink, img.width, img.height);
  const w = Math.max(1, Math.round(img.width * shrink));
  const h = Math.max(1, Math.round(img.height * shrink));
  return toMnistInput(resizePlanes(ink, 1, img.width, img.height, w, h), w, h);
}

/**
 * A picture as a channels x height x width input (values 0..1, channel-major like the data
 * loader's images): RGB for 3 channels, gray for 1; transparent pixels count as white.
 */
export function imageToChannels(
  img: RgbaImage,
  channels: 1 | 3,
  height: number,
  width: number,
): Float32Array {
  const n = img.width * img.height;
  const planes = new Float32Array(channels * n);
  if (channels === 1) planes.set(luminance(img));
  else
    for (let i = 0; i < n; i++) {
      const a = img.data[i * 4 + 3] / 255;
      for (let c = 0; c < 3; c++) planes[c * n + i] = (a * img.data[i * 4 + c]) / 255 + (1 - a);
    }
  return resizePlanes(planes, channels, img.width, img.height, width, height);
}

/** What the network takes, for pictures: MNIST digits, C x H x W pictures, or nothing. */
export type PictureInput =
  { kind: 'digit' } | { kind: 'image'; channels: 1 | 3; height: number; width: number } | null;

/** From an Input's per-sample shape (without the batch dimension). */
export function pictureInput(shape: readonly number[] | null | undefined): PictureInput {
  if (!shape) return null;
  if (shape.reduce((a, b) => a * b, 1) === 784 && (shape.length === 1 || shape.at(-1) === 28))
    return { kind: 'digit' };
  if (shape.length === 3 && (shape[0] === 1 || shape[0] === 3))
    return { kind: 'image', channels: shape[0], height: shape[1], width: shape[2] };
  return null;
}

/** The network's input from a decoded picture, or a sentence saying why there is none. */
export function pictureToInput(img: RgbaImage, input: Exclude<PictureInput, null>): Float32Array | string {
  if (img.width < 1 || img.height < 1) return 'The picture is empty (0 pixels).';
  if (input.kind === 'image') return imageToChannels(img, input.channels, input.height, input.width);
  return (
    imageToMnist(img) ??
    'No digit found in the picture: it is all one shade. Use a dark digit on light paper, or a light digit on black.'
  );
}

const PICTURE_TYPES = /^image\/(png|jpeg|gif|bmp|webp|avif|x-icon|vnd\.microsoft\.icon)$/;
const PICTURE_NAMES = /\.(png|jpe?g|gif|bmp|webp|avif|ico)$/i;

/** Null for a file the browser can decode as a picture, else what to do instead. */
export function notAPicture(file: { name: string; type: string }): string | null {
  if (PICTURE_TYPES.test(file.type) || (!file.type && PICTURE_NAMES.test(file.name))) return null;
  return `“${file.name}” is not a picture${file.type ? ` (${file.type})` : ''}: choose a PNG, JPEG, GIF, BMP or WebP image.`;
}
