// Step-through mode over the HostApi: one batch forward and backward node by node, the tensors of
// one node for one sample, and a finite-difference check of one layer's parameter gradients.
// The host keeps the batch's results (one at a time); the page gets a compact summary and asks
// for tensors as the user steps.
import { z } from 'zod';
import { trainingConfigSchema, trainingDatasetSchema } from './training.ts';

/** A step-through batch holds at most this many samples (everything is kept for stepping). */
export const MAX_STEP_BATCH = 64;
/** At most this many numbers of one tensor cross to the page; the rest are left off, and said so. */
export const MAX_TENSOR_VALUES = 200_000;
/** A layer's gradient check passes when every sampled element agrees within this relative error. */
export const LAYER_CHECK_TOLERANCE = 1e-2;

const nodeId = z.string().min(1).max(200);
export const stepIdSchema = z.string().regex(/^step-[0-9]{1,12}$/, 'a step id looks like step-12');

/** What to step through; the weights (a run's or the document's) are the method's first argument. */
export const stepThroughSetupSchema = z
  .object({
    dataset: trainingDatasetSchema,
    /** Loss and seed are used; the batch size is capped at MAX_STEP_BATCH. */
    config: trainingConfigSchema,
  })
  .strict();
export type StepThroughSetup = z.infer<typeof stepThroughSetupSchema>;

/** Non-finite values are null (JSON has no NaN); so are statistics of an empty tensor. */
const value = z.number().nullable();

export const tensorStatsSchema = z.object({
  min: value,
  max: value,
  mean: value,
  std: value,
  /** L2 norm. */
  norm: value,
  /** How many values are NaN or infinite. */
  nonFinite: z.number().int().min(0),
});
export type TensorStats = z.infer<typeof tensorStatsSchema>;

export const stepParamSchema = z.object({
  param: z.string(),
  shape: z.array(z.number().int().min(0)),
  value: tensorStatsSchema,
  /** Absent for buffers (BatchNorm running statistics) and frozen layers. */
  grad: tensorStatsSchema.nullable(),
});

export const stepNodeSchema = z.object({
  id: nodeId,
  name: z.string(),
  type: z.string(),
  /** Output shape with the batch dimension. */
  shape: z.array(z.number().int().min(0)),
  forward: tensorStatsSchema,
  /** dLoss/d(output) over the batch; null where nothing flows back (the Input). */
  backward: tensorStatsSchema.nullable(),
  params: z.array(stepParamSchema),
});
export type StepNode = z.infer<typeof stepNodeSchema>;

export const stepThroughSummarySchema = z.object({
  stepId: stepIdSchema,
  loss: value,
  lossKind: z.string(),
  batchSize: z.number().int().min(1),
  /** True labels (class indices) of the batch's samples; empty for regression targets. */
  labels: z.array(z.number().int()),
  /** The network's predicted class per sample (classification). */
  predicted: z.array(z.number().int()),
  classNames: z.array(z.string()).optional(),
  /** Where the weights came from, in words. */
  weights: z.string(),
  /** Which batch, in words ("the first batch of 32 of MNIST (5000 samples), batch order seed 1"). */
  batch: z.string(),
  /** Forward order (topological); the backward phase walks the nodes with gradients in reverse. */
  nodes: z.array(stepNodeSchema),
  seconds: z.number().min(0),
});
export type StepThroughSummary = z.infer<typeof stepThroughSummarySchema>;

export const tensorRequestSchema = z
  .object({
    stepId: stepIdSchema,
    nodeId,
    /** Which sample of the batch (activations and output gradients are per sample). */
    sample: z
      .number()
      .int()
      .min(0)
      .max(MAX_STEP_BATCH - 1),
  })
  .strict();
export type TensorRequest = z.infer<typeof tensorRequestSchema>;

export const tensorValuesSchema = z.object({
  shape: z.array(z.number().int().min(0)),
  /** Row-major, the first MAX_TENSOR_VALUES values at most; null for NaN and ±Inf. */
  data: z.array(value),
  truncated: z.boolean(),
});
export type TensorValues = z.infer<typeof tensorValuesSchema>;

/** Attention maps show at most this many query and key steps (heads × steps² numbers). */
export const MAX_VIEW_STEPS = 128;

const count = z.number().int().min(0);
const values = z.array(z.number()).max(MAX_TENSOR_VALUES);
/**
 * Inside a sequence layer for the sample (engine LayerInternals), cut to the first `steps` of
 * `totalSteps` when larger; `none` says why a layer that has a view shows none.
 */
export const layerInternalsSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('attention'),
    heads: count,
    steps: count,
    totalSteps: count,
    /** heads × steps × steps: row i is query step i's softmax over the key steps. */
    weights: values,
  }),
  z.object({
    kind: z.literal('gates'),
    gates: z.array(z.string()).max(8),
    layers: count,
    directions: count,
    steps: count,
    totalSteps: count,
    units: count,
    /** layers × directions × steps × gates × units, each gate's activation. */
    values,
  }),
  z.object({ kind: z.literal('none'), reason: z.string() }),
]);
export type LayerInternalsView = z.infer<typeof layerInternalsSchema>;

export const nodeTensorsSchema = z.object({
  stepId: stepIdSchema,
  nodeId,
  sample: z.number().int().min(0),
  /** This sample's slice of the output (shape without the batch dimension). */
  forward: tensorValuesSchema,
  /** This sample's slice of dLoss/d(output), when there is one. */
  backward: tensorValuesSchema.nullable(),
  /** Whole parameter tensors and their gradients (the batch's, not per sample). */
  params: z.array(
    z.object({ param: z.string(), value: tensorValuesSchema, grad: tensorValuesSchema.nullable() }),
  ),
  /** Attention weights or gates, for layers that have such a view. */
  internals: layerInternalsSchema.optional(),
});
export type NodeTensors = z.infer<typeof nodeTensorsSchema>;

export const layerCheckRequestSchema = z.object({ stepId: stepIdSchema, nodeId }).strict();

export const paramCheckSchema = z.object({
  param: z.string(),
  shape: z.array(z.number().int().min(0)),
  sampled: z.number().int().min(0),
  maxRelError: value,
  worst: z.object({ index: z.number().int(), analytic: value, numeric: value }),
  directionalError: value,
  pass: z.boolean(),
});
export type ParamCheckResult = z.infer<typeof paramCheckSchema>;

export const layerCheckSchema = z.object({
  stepId: stepIdSchema,
  nodeId,
  name: z.string(),
  /** Which forward the finite differences ran: the inference model, or the train graph's own. */
  forward: z.enum(['inference', 'training']),
  tolerance: z.number(),
  params: z.array(paramCheckSchema),
  pass: z.boolean(),
  seconds: z.number().min(0),
});
export type LayerCheck = z.infer<typeof layerCheckSchema>;
