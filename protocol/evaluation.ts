// A classification run measured on its test set: the confusion matrix (rows the true class,
// columns the predicted one), per-class precision and recall, and the mistakes the network was
// most sure of, with the samples as the user knows them (pixels 0..1, or the 2-D point), so the
// Training panel can show "true 4 → predicted 9 (93%)".
import { z } from 'zod';
import { runIdSchema } from './training.ts';

/** At most this many misclassified examples per answer (each carries a whole sample). */
export const MAX_EVALUATION_EXAMPLES = 200;
export const DEFAULT_EVALUATION_EXAMPLES = 24;

const classIndex = z.number().int().min(0).max(9999);

export const evaluateOptionsSchema = z
  .object({
    /** How many misclassified examples to send (0: only the matrix). */
    examples: z.number().int().min(0).max(MAX_EVALUATION_EXAMPLES).optional(),
    /** Only the mistakes of one cell: samples of class `trueClass` predicted as `predicted`. */
    cell: z.object({ trueClass: classIndex, predicted: classIndex }).strict().optional(),
  })
  .strict();
export type EvaluateOptions = z.infer<typeof evaluateOptionsSchema>;

export const evaluateRequestSchema = z.tuple([runIdSchema, evaluateOptionsSchema.optional()]);

const probability = z.number().min(0).max(1);

export const misclassifiedSchema = z.object({
  /** Position in the run's test set. */
  index: z.number().int().min(0),
  trueClass: z.number().int().min(0),
  predicted: z.number().int().min(0),
  /** The network's probability for the class it chose, and for the right one. */
  pPredicted: probability,
  pTrue: probability,
  /**
   * The sample before the run's standardisation: pixels in 0..1 (C×H×W, a big picture averaged
   * down to `sampleShape`) or the 2-D point.
   */
  values: z.array(z.number()),
});
export type Misclassified = z.infer<typeof misclassifiedSchema>;

export const evaluationSchema = z.object({
  runId: runIdSchema,
  /** Epochs finished by the weights measured. */
  epoch: z.number().int().min(0),
  /** Where the weights came from, in words ("trained 2 epochs", "after epoch 1 of a run still training"). */
  weights: z.string(),
  classNames: z.array(z.string()).min(2),
  /** Sample shape without the batch axis ([1, 28, 28], or [2] for a 2-D point). */
  inputShape: z.array(z.number().int().min(1)),
  /** The shape of each example's values: inputShape, or a picture averaged down for display. */
  sampleShape: z.array(z.number().int().min(1)),
  testSamples: z.number().int().min(1),
  /** matrix[true][predicted]: how many test samples of class `true` the network called `predicted`. */
  matrix: z.array(z.array(z.number().int().min(0))),
  /** Per class; null when the class was never predicted (precision) or never occurs (recall). */
  precision: z.array(probability.nullable()),
  recall: z.array(probability.nullable()),
  accuracy: probability,
  /** Mistakes matching the request (one cell, or all), of which `examples` are the most confident. */
  mistakes: z.number().int().min(0),
  examples: z.array(misclassifiedSchema),
});
export type Evaluation = z.infer<typeof evaluationSchema>;
