// A folder of pictures, one sub-folder per class (the torchvision ImageFolder layout):
//   root/cat/001.png, root/dog/xyz.jpg ...
// Classes are the sub-folder names sorted, so the index of "cat" does not depend on the order
// the file system lists them. PNG and JPEG are recognised by their first bytes, whatever the
// extension says; other files (README, .DS_Store) are skipped.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import {
  makeDataset,
  resizeBilinear,
  rgbaToChw,
  type Dataset,
  type RgbaImage,
} from '../../engine/data/index.ts';
import { formatCount, limitText, MAX_DATASET_ELEMENTS, MAX_IMAGE_PIXELS } from '../../engine/limits.ts';
import { describe, readBytes } from './files.ts';

export interface ImageFolderOptions {
  /** Output size: a number for square, or [height, width]. Default: the first image's size. */
  size?: number | [number, number];
  /** One channel (luma) instead of RGB. */
  grayscale?: boolean;
  /** At most this many images per class (the first ones in name order). */
  limitPerClass?: number;
  name?: string;
}

const IMAGE_EXT = /\.(png|jpe?g)$/i;

export async function loadImageFolder(dir: string, opts: ImageFolderOptions = {}): Promise<Dataset> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    throw new Error(`${dir}: cannot list the image folder (${describe(e)})`);
  }
  const classNames = entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
  if (classNames.length === 0) {
    throw new Error(`${dir}: no class folders (expected one sub-folder of PNG/JPEG images per class)`);
  }

  const channels = opts.grayscale ? 1 : 3;
  let [height, width] = typeof opts.size === 'number' ? [opts.size, opts.size] : (opts.size ?? [0, 0]);
  const samples: Float32Array[] = [];
  const labels: number[] = [];
  let elements = 0;
  for (const [cls, className] of classNames.entries()) {
    const classDir = join(dir, className);
    const files = (await readdir(classDir)).filter((f) => IMAGE_EXT.test(f)).sort();
    if (files.length === 0)
      throw new Error(`${classDir}: class folder "${className}" has no .png/.jpg/.jpeg images`);
    for (const file of files.slice(0, opts.limitPerClass)) {
      const path = join(classDir, file);
      const img = decodeImage(await readBytes(path), path);
      if (height === 0) [height, width] = [img.height, img.width];
      elements += channels * height * width;
      if (elements > MAX_DATASET_ELEMENTS)
        throw new Error(
          `${dir}: ${samples.length + 1} images of ${channels}x${height}x${width} are more than ${limitText('MAX_DATASET_ELEMENTS')} numbers; choose a smaller size or fewer images`,
        );
      const chw = rgbaToChw(img, opts.grayscale ?? false);
      samples.push(resizeBilinear(chw, channels, img.height, img.width, height, width));
      labels.push(cls);
    }
  }

  const per = channels * height * width;
  const x = new Float32Array(samples.length * per);
  samples.forEach((s, i) => x.set(s, i * per));
  return makeDataset({
    name: opts.name ?? 'images',
    inputShape: [channels, height, width],
    numClasses: classNames.length,
    classNames,
    x,
    y: Int32Array.from(labels),
  });
}

/** A PNG's size from its header (IHDR), refused before pngjs allocates the pixels. */
function checkPngSize(bytes: Uint8Array, path: string): void {
  if (bytes.length < 24) return; // pngjs reports the truncation
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  if (width * height > MAX_IMAGE_PIXELS)
    throw new Error(
      `${path}: a ${formatCount(width)}x${formatCount(height)} image is larger than ${limitText('MAX_IMAGE_PIXELS')} pixels; shrink it first`,
    );
}

/** PNG or JPEG bytes to RGBA. */
export function decodeImage(bytes: Uint8Array, path: string): RgbaImage {
  const isPng = bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
  const isJpeg = bytes[0] === 0xff && bytes[1] === 0xd8;
  try {
    if (isPng) {
      checkPngSize(bytes, path);
      // pngjs hands back 8-bit RGBA for every colour type and bit depth.
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: png.width, height: png.height, data: png.data };
    }
    if (isJpeg) {
      const img = jpeg.decode(bytes, {
        useTArray: true,
        formatAsRGBA: true,
        maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6,
        maxMemoryUsageInMB: (MAX_IMAGE_PIXELS * 8) / 2 ** 20,
      });
      return { width: img.width, height: img.height, data: img.data };
    }
  } catch (e) {
    throw new Error(`${path}: cannot decode the ${isPng ? 'PNG' : 'JPEG'} image (${describe(e)})`);
  }
  throw new Error(`${path}: not a PNG or JPEG file (unrecognised first bytes)`);
}
