// What a training run asks for, as plain JSON (from the CLI's --data flag, a project file or a
// HostApi message). One zod schema is both the runtime check and the TypeScript type.
import { z } from 'zod';
import { IMAGE_TASKS, SYNTHETIC_KINDS } from '../../engine/data/index.ts';

const count = z.number().int().min(0);

/** Options every source shares: the DESIGN's subset size, normalization, random labels, seed. */
const common = {
  /** Keep this many training samples (after shuffling when a seed is given). */
  limit: count.optional(),
  /** Keep this many test samples. */
  testLimit: count.optional(),
  /** Shuffles before limiting and splitting, and seeds random labels. */
  seed: z.number().int().optional(),
  /** 'standardize': zero mean, unit variance per channel, from train statistics. Pixels are in [0, 1] either way. */
  normalize: z.enum(['none', 'standardize']).optional(),
  /** The memorization demo: train labels replaced by uniform random classes. */
  randomLabels: z.boolean().optional(),
  /** Only these classes (train and test), relabelled 0, 1, … in this order: digits 5–9 as 5 classes. */
  keepClasses: z.array(z.number().int().min(0)).min(1).max(1000).optional(),
  /** For sources without their own test set: the held-out fraction (0..1) or count. Default 0.2. */
  testFraction: z.number().min(0).optional(),
};

const split = z.enum(['train', 'test']);

export const datasetSpecSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('mnist'),
    split: split.optional(),
    /** 'denoise': inputs are the digits with Gaussian noise (std `noise`), targets the clean digits. */
    task: z.enum(IMAGE_TASKS).optional(),
    noise: z.number().min(0).max(10).optional(),
    ...common,
  }),
  z.object({
    kind: z.literal('idx'),
    images: z.string(),
    labels: z.string(),
    /** Optional test files (Fashion-MNIST's t10k-*); otherwise testFraction is held out. */
    testImages: z.string().optional(),
    testLabels: z.string().optional(),
    classNames: z.array(z.string()).optional(),
    name: z.string().optional(),
    ...common,
  }),
  z.object({
    kind: z.literal('cifar10'),
    path: z.union([z.string(), z.array(z.string())]),
    split: split.optional(),
    ...common,
  }),
  z.object({
    kind: z.literal('csv'),
    path: z.string(),
    labelColumn: z.union([z.string(), z.number().int()]).optional(),
    header: z.boolean().optional(),
    delimiter: z.string().min(1).optional(),
    regression: z.boolean().optional(),
    sequence: z.boolean().optional(),
    ...common,
  }),
  z.object({
    kind: z.literal('text'),
    path: z.string(),
    /** Characters per window (default DEFAULT_TEXT_WINDOW). */
    length: z.number().int().min(1).max(4096).optional(),
    ...common,
  }),
  z.object({
    kind: z.literal('images'),
    path: z.string(),
    size: z
      .union([
        z.number().int().positive(),
        z.tuple([z.number().int().positive(), z.number().int().positive()]),
      ])
      .optional(),
    grayscale: z.boolean().optional(),
    /**
     * Per-channel (x - mean) / std after scaling pixels to [0, 1] (torchvision's Normalize), the
     * statistics a pretrained model was trained with; both or neither.
     */
    mean: z.array(z.number()).min(1).max(4).optional(),
    std: z.array(z.number().positive()).min(1).max(4).optional(),
    ...common,
  }),
  z.object({
    kind: z.literal('synthetic'),
    generator: z.enum(SYNTHETIC_KINDS),
    n: count,
    noise: z.number().min(0).optional(),
    classes: z.number().int().positive().optional(),
    /** Sequence sets: steps per sample (the model's Input length). */
    length: z.number().int().min(1).max(100_000).optional(),
    /** chars for truncated BPTT: this many long sequences, read window by window (charStreams). */
    streams: z.number().int().min(1).max(4096).optional(),
    ...common,
  }),
]);

export type DatasetSpec = z.infer<typeof datasetSpecSchema>;

/** Parses unknown JSON into a spec, with an error that names the bad field. */
export function parseDatasetSpec(raw: unknown): DatasetSpec {
  const r = datasetSpecSchema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issue.path.length ? issue.path.join('.') : 'dataset spec';
  throw new Error(`dataset spec: ${where}: ${issue.message}`);
}
