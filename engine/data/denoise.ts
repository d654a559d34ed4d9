// Denoising as a data set: each picture becomes a pair (the picture with seeded Gaussian noise
// added, the clean picture). A network trained on it with mean squared error learns to remove
// the noise: the U-Net denoiser template's task.
import { makeDataset, sampleSize, type Dataset } from './dataset.ts';
import { createRng } from './random.ts';

/** The tasks a picture set can be used for: its labels (classify) or its clean pixels (denoise). */
export const IMAGE_TASKS = ['classify', 'denoise'] as const;
export type ImageTask = (typeof IMAGE_TASKS)[number];

/** The standard deviation of the added noise when none is given: strong enough to hide thin strokes. */
export const DEFAULT_DENOISE_NOISE = 0.5;

export interface DenoiseOptions {
  /** Standard deviation of the Gaussian noise added to every pixel, before clipping to [0, 1]. */
  noise?: number;
  seed?: number;
}

/**
 * Inputs: each pixel plus N(0, noise²), clipped to [0, 1] (pixels stay pixels). Targets: the
 * clean pixels, one value per pixel, so the model's output has the picture's shape.
 */
export function noisyPictures(ds: Dataset, opts: DenoiseOptions = {}): Dataset {
  const noise = opts.noise ?? DEFAULT_DENOISE_NOISE;
  const per = sampleSize(ds.inputShape);
  const x = withNoise(ds.x, noise, opts.seed ?? 0);
  return makeDataset({
    name: `${ds.name} denoising (noise ${noise})`,
    inputShape: ds.inputShape,
    numClasses: 0,
    x,
    y: ds.x.slice(0, ds.length * per),
  });
}

/** Pixels plus seeded N(0, noise²), clipped to [0, 1]: what a denoiser is given (Try it uses it too). */
export function withNoise(pixels: ArrayLike<number>, noise: number, seed: number): Float32Array {
  if (!(noise >= 0 && noise <= 10))
    throw new Error(`denoise: noise is the standard deviation of the added noise, 0 to 10; got ${noise}`);
  const rng = createRng(seed);
  return Float32Array.from(pixels, (v) => Math.min(1, Math.max(0, v + rng.normal(0, noise))));
}
