// Feature maps: what one node of the network outputs for one sample. The renderer sends the sample
// and the node; the host runs the inference model up to that node and sends its output back,
// capped so a wide early layer of a big network cannot flood the page.
import { z } from 'zod';
import { MAX_INPUT_VALUES, trainingConfigSchema } from './training.ts';

/**
 * How an untrained document's weights start, sent with a `{ document }` source (predict, feature
 * maps, step through): the Training panel's seed and init, so what the page shows before training
 * is what a run with those settings starts from. Absent: seed 0, PyTorch's default.
 */
export const untrainedStartShape = {
  seed: trainingConfigSchema.shape.seed,
  init: trainingConfigSchema.shape.init,
};

/** More values than this are cut off (a 64×56×56 map is 200,704 values; that one still fits). */
export const MAX_ACTIVATION_VALUES = 210_000;

export const activationsRequestSchema = z
  .object({
    /** The graph node whose output is wanted (its id, as in the document). */
    nodeId: z.string().min(1).max(200),
    /** One sample for the network's Input, row-major, without the batch axis. */
    data: z
      .array(z.number().refine(Number.isFinite, 'input values must be finite'))
      .min(1)
      .max(MAX_INPUT_VALUES),
  })
  .strict();
export type ActivationsRequest = z.infer<typeof activationsRequestSchema>;

export const activationsSchema = z.object({
  nodeId: z.string(),
  /** The node's output shape for one sample (batch axis dropped), e.g. [2, 28, 28]. */
  shape: z.array(z.number().int().min(0)),
  /** Row-major output values, at most MAX_ACTIVATION_VALUES of them. */
  values: z.array(z.number().nullable()),
  /** True when `values` holds only the first MAX_ACTIVATION_VALUES values of the output. */
  truncated: z.boolean(),
  /** The sample as the network received it (after the training run's standardisation, if any). */
  input: z.object({ shape: z.array(z.number().int().min(0)), values: z.array(z.number().nullable()) }),
  /** Where the weights came from, in words ("run-…, trained 2 epochs", "the project’s stored weights"). */
  weights: z.string(),
});
export type Activations = z.infer<typeof activationsSchema>;
