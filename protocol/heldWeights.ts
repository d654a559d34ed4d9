// Weights the host holds for the page (an imported ResNet-50's 100 MB; host/heldWeights.ts): the
// page asks for what it shows of one tensor, a bounded slice and its statistics, instead of
// holding them all, and stores its edits there too, as a new version of the held weights.
import { z } from 'zod';
import { WEIGHTS_REF } from '../engine/index.ts';

/** The most values of one tensor one answer carries (1 MiB of float32): what a heat map draws. */
export const MAX_SLICE_VALUES = 262_144;
export const MAX_HISTOGRAM_BINS = 256;

const weightsRef = z.string().regex(WEIGHTS_REF, 'is not a weights id of the Netwright host');
const name = z.string().min(1).max(200);
/** float32 values as base64, at most MAX_SLICE_VALUES of them. */
const float32Base64 = z
  .string()
  .max(Math.ceil((MAX_SLICE_VALUES * 4) / 3) * 4 + 4)
  .refine((s) => s.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(s), 'values must be base64 float32');

export const heldTensorRequestSchema = z
  .object({
    weightsRef,
    nodeId: name,
    param: name,
    /** The slice: values [offset, offset + count) in row-major order. */
    offset: z.number().int().min(0).default(0),
    count: z.number().int().min(0).max(MAX_SLICE_VALUES),
    bins: z.number().int().min(1).max(MAX_HISTOGRAM_BINS).default(32),
  })
  .strict();
export type HeldTensorRequest = z.input<typeof heldTensorRequestSchema>;

const nullableNumber = z.number().nullable();
export const weightStatsSchema = z.object({
  count: z.number().int().min(0),
  min: nullableNumber,
  max: nullableNumber,
  mean: nullableNumber,
  std: nullableNumber,
  nonFinite: z.number().int().min(0),
  histogram: z.object({
    lo: z.number(),
    hi: z.number(),
    counts: z.array(z.number().int().min(0)).max(MAX_HISTOGRAM_BINS),
  }),
});

/** One held tensor as the page sees it; `found: false` when the host holds none of that name. */
export const heldTensorSchema = z.union([
  z.object({ found: z.literal(false) }),
  z.object({
    found: z.literal(true),
    shape: z.array(z.number().int().min(0)),
    offset: z.number().int().min(0),
    values: float32Base64,
    stats: weightStatsSchema,
  }),
]);
export type HeldTensor = z.infer<typeof heldTensorSchema>;

/**
 * An edit of held weights: `set` replaces whole tensors of one node (values the page typed in, so
 * small), `clear` drops the node's tensors (it starts from a random draw again). The answer names
 * the new version; the old one stays, so undo goes back to it.
 */
export const editHeldWeightsSchema = z
  .object({
    weightsRef,
    nodeId: name,
    set: z
      .record(
        name,
        z.object({ shape: z.array(z.number().int().min(0)).max(8), values: float32Base64 }).strict(),
      )
      .optional(),
    clear: z.boolean().optional(),
  })
  .strict()
  .refine((e) => !!e.set !== !!e.clear, 'give either set or clear');
export type EditHeldWeights = z.input<typeof editHeldWeightsSchema>;

export const weightsRefResultSchema = z.object({ weightsRef });
