// What crosses the HostApi boundary for training: the dataset a page may ask for, the training
// configuration, the events a run pushes back, predictions and dataset previews. Each is a zod
// schema (the runtime check on the receiving side) and the TypeScript type inferred from it.
import { z } from 'zod';
import { IMAGE_TASKS, SYNTHETIC_KINDS } from '../engine/data/index.ts';
import { LOSSES, OPTIMIZERS } from '../engine/index.ts';
import { uploadIdSchema } from './datasets.ts';

/** The generated sets the Training panel offers: all of the engine's. */
export const SYNTHETIC_SETS = SYNTHETIC_KINDS;

const seed = z
  .number()
  .int()
  .min(0)
  .max(2 ** 31 - 1);
const shared = {
  seed: seed.optional(),
  /** The memorization demo: training labels replaced by random classes. */
  randomLabels: z.boolean().optional(),
  normalize: z.enum(['none', 'standardize']).optional(),
  /** Only these classes, train and test, relabelled 0, 1, … in this order (digits 5–9 as 5 classes). */
  keepClasses: z.array(z.number().int().min(0).max(9999)).min(1).max(1000).optional(),
};

const side = z.number().int().min(4).max(1024);
/**
 * How an image folder's pictures become the model's input: resized to `size` ([height, width]),
 * then (x - mean) / std per channel, pixels in [0, 1]. Left out: the model's Input size, and for
 * RGB ImageNet's mean and std (torchvision's pretrained models).
 */
export const imagePreprocessingSchema = z
  .object({
    size: z.tuple([side, side]).optional(),
    mean: z.array(z.number().min(-10).max(10)).min(1).max(4).optional(),
    std: z.array(z.number().gt(0).max(100)).min(1).max(4).optional(),
  })
  .strict();
export type ImagePreprocessing = z.infer<typeof imagePreprocessingSchema>;

/**
 * The datasets a page may train on: the bundled MNIST and the generated 2-D sets. File-based
 * sources (CSV, image folders, IDX, CIFAR-10) name paths on disk and stay CLI-only, so a page
 * can never make the host read a file of its choosing.
 */
export const trainingDatasetSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('mnist'),
      /** Training images, drawn at random (seeded) from the 60,000. */
      limit: z.number().int().min(1).max(60_000),
      testLimit: z.number().int().min(1).max(10_000).optional(),
      /** 'denoise': noisy digits in, the clean digits as targets (train with mean squared error). */
      task: z.enum(IMAGE_TASKS).optional(),
      /** The denoising noise: standard deviation of the Gaussian added to each pixel. */
      noise: z.number().min(0).max(2).optional(),
      ...shared,
    })
    .strict(),
  z
    .object({
      kind: z.literal('synthetic'),
      generator: z.enum(SYNTHETIC_SETS),
      n: z.number().int().min(20).max(20_000),
      noise: z.number().min(0).max(2).optional(),
      classes: z.number().int().min(2).max(10).optional(),
      testFraction: z.number().min(0.05).max(0.9).optional(),
      /** Sequence sets: steps per sample; the host sets it to the model's Input length. */
      length: z.number().int().min(1).max(10_000).optional(),
      /** chars as this many long streams read window by window (truncated BPTT; set by the host). */
      streams: z.number().int().min(1).max(4096).optional(),
      ...shared,
    })
    .strict(),
  /** The user's own files, sent as bytes through addDataset: the host's id for them, never a path. */
  z
    .object({
      kind: z.literal('file'),
      id: uploadIdSchema,
      /** Training samples to keep (a seeded random subset when seed is set). */
      limit: z.number().int().min(1).max(1_000_000).optional(),
      testLimit: z.number().int().min(1).max(1_000_000).optional(),
      /** Held out for testing when the files have no test set of their own; default 0.2. */
      testFraction: z.number().min(0.05).max(0.9).optional(),
      /** An image folder's preprocessing; what it leaves out comes from the model (imagePreprocessingSchema). */
      preprocess: imagePreprocessingSchema.optional(),
      ...shared,
    })
    .strict(),
]);
export type TrainingDataset = z.infer<typeof trainingDatasetSchema>;

export const scheduleSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('constant') }).strict(),
  z
    .object({ kind: z.literal('step'), stepSize: z.number().int().min(1), gamma: z.number().gt(0).max(1) })
    .strict(),
  z.object({ kind: z.literal('cosine'), etaMin: z.number().min(0).optional() }).strict(),
]);

/** How the weights start (engine/initializers.ts InitSpec); absent means PyTorch's default. */
export const initSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('default') }).strict(),
  z.object({ kind: z.literal('zeros') }).strict(),
  z.object({ kind: z.literal('constant'), value: z.number().min(-10).max(10) }).strict(),
  z.object({ kind: z.literal('normal'), std: z.number().gt(0).max(10) }).strict(),
  z.object({ kind: z.literal('uniform'), a: z.number().gt(0).max(10) }).strict(),
  z.object({ kind: z.literal('xavier') }).strict(),
  z.object({ kind: z.literal('kaiming') }).strict(),
]);
export type TrainingInit = z.infer<typeof initSchema>;

/** Where onnxruntime trains: the CPU, the platform's GPU provider, or the GPU when it loads (auto). */
export const EXECUTION_PROVIDERS = ['auto', 'cpu', 'gpu'] as const;
export type ExecutionProviderChoice = (typeof EXECUTION_PROVIDERS)[number];

export const optimizerSchema = z
  .object({
    kind: z.enum(OPTIMIZERS),
    momentum: z.number().min(0).lt(1).optional(),
    beta1: z.number().min(0).lt(1).optional(),
    beta2: z.number().min(0).lt(1).optional(),
    weightDecay: z.number().min(0).max(1).optional(),
  })
  .strict();

export const trainingConfigSchema = z
  .object({
    epochs: z.number().int().min(1).max(500),
    batchSize: z.number().int().min(1).max(4096),
    loss: z.enum(LOSSES),
    optimizer: optimizerSchema,
    lr: z.number().gt(0).max(10),
    schedule: scheduleSchema.optional(),
    clipNorm: z.number().gt(0).optional(),
    init: initSchema.optional(),
    seed: seed.optional(),
    /** Batch order: a fresh seeded permutation per epoch (default), or the data set's own order. */
    shuffle: z.enum(['random', 'none']).optional(),
    /** Where the steps run (default cpu); a GPU that can't load falls back to the CPU, saying why. */
    provider: z.enum(EXECUTION_PROVIDERS).optional(),
    /**
     * Truncated BPTT at this many steps (recurrent models): the Input's window; each update is one
     * window of every stream, the recurrent state carried from the previous window, detached.
     */
    tbptt: z.number().int().min(1).max(10_000).optional(),
  })
  .strict();
export type TrainingConfig = z.infer<typeof trainingConfigSchema>;

export const runIdSchema = z.string().regex(/^run-[a-z0-9]{1,40}$/, 'a run id looks like run-1a2b3c');

export const startTrainingResultSchema = z.object({
  runId: runIdSchema,
  trainSamples: z.number().int().min(0),
  testSamples: z.number().int().min(0),
  stepsPerEpoch: z.number().int().min(1),
  classNames: z.array(z.string()).optional(),
});
export type StartTrainingResult = z.infer<typeof startTrainingResultSchema>;

/** Non-finite numbers become null in JSON, so per-node norms allow null. */
const perNode = z.record(z.string(), z.number().nullable());
const finiteOrNull = z.number().nullable();

/** A trajectory point has at most this many numbers (the host's sketch size is below it). */
export const MAX_TRAJECTORY_LENGTH = 4096;
const trajectoryPointSchema = z
  .string()
  .min(1)
  .max(Math.ceil((MAX_TRAJECTORY_LENGTH * 4) / 3) * 4)
  .regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, 'a trajectory point is base64')
  .refine((s) => {
    const bytes = (s.length / 4) * 3 - (s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0);
    return bytes % 4 === 0;
  }, 'a trajectory point holds whole float32 values');

/**
 * What a run pushes to the page, in order: start, step*, epoch*, then finished or failed; baseline
 * (the untrained network) comes once, before or among the first steps;
 * 2-D classification runs also send a boundary after each epoch (it may trail later steps); race
 * runs also send trajectory points.
 */
export const trainingEventSchema = z.discriminatedUnion('event', [
  /** The untrained network measured before the first step (epoch 0 on the curves). */
  z.object({
    event: z.literal('baseline'),
    trainLoss: finiteOrNull,
    trainAccuracy: finiteOrNull,
    testLoss: finiteOrNull,
    testAccuracy: finiteOrNull,
  }),
  z.object({
    event: z.literal('start'),
    steps: z.number().int().min(0),
    memoryBytes: z.number().min(0),
    parameters: z.number().int().min(0),
    /** Floating-point operations of one update (forward, backward; the train step's FLOPs x batch). */
    flopsPerUpdate: z.number().min(0).optional(),
    /** Train steps per onnxruntime call (several where the per-call cost matters, host/training/trainer.ts). */
    stepsPerCall: z.number().int().min(1).optional(),
    /** Threads the batch is split across, each computing a part's gradients (host/training/splitRunner.ts). */
    parts: z.number().int().min(2).max(64).optional(),
    /** The onnxruntime execution provider the steps actually run on ('cpu', 'cuda', 'dml', 'coreml'). */
    provider: z.string().max(20).optional(),
    /** Why that is the CPU although a GPU was asked for (one line), when it is. */
    providerFallback: z.string().max(500).optional(),
  }),
  z.object({
    event: z.literal('step'),
    epoch: z.number().int().min(0),
    step: z.number().int().min(0),
    loss: finiteOrNull,
    samplesPerSecond: z.number().nullable(),
    /** Training accuracy over the epoch so far (classification). */
    accuracy: finiteOrNull.optional(),
  }),
  z.object({
    event: z.literal('epoch'),
    epoch: z.number().int().min(1),
    trainLoss: finiteOrNull,
    trainAccuracy: finiteOrNull,
    testLoss: finiteOrNull,
    testAccuracy: finiteOrNull,
    samplesPerSecond: z.number().nullable(),
    /** Mean wall time of one update over the epoch, in milliseconds. */
    msPerUpdate: z.number().nullable().optional(),
    /** Mean L2 norm of each node's parameter gradients over the epoch. */
    gradNorms: perNode,
    /** L2 norm of each node's parameters after the epoch. */
    weightNorms: perNode,
    /**
     * How far the epoch moved each node's weights, relative to their size: |W_after - W_before| /
     * |W_after|, exact when the trainer hands out its state (else estimated; see host/training/runs.ts).
     */
    updateRatios: perNode,
    lr: z.number(),
  }),
  /**
   * 2-D classification sets: the model's predicted class on a size x size grid over the training
   * data's bounding box (plus a margin) after an epoch, row-major from the top (y1) row, with a
   * sample of the training points as [x, y, label], in the coordinates the model sees.
   */
  z.object({
    event: z.literal('boundary'),
    epoch: z.number().int().min(0),
    x0: z.number(),
    x1: z.number(),
    y0: z.number(),
    y1: z.number(),
    size: z.number().int().min(1).max(200),
    numClasses: z.number().int().min(1),
    classes: z.array(z.number().int().min(0)),
    points: z.array(z.tuple([z.number(), z.number(), z.number().int().min(0)])),
  }),
  /**
   * Race runs: where the parameters are, θ − θ₀ from the shared initial weights, as float32 in
   * base64; exact, or count-sketched to a fixed size when the model is bigger (host/training/
   * trajectory.ts). Taken at the start, at regular steps and at every epoch end.
   */
  z.object({
    event: z.literal('trajectory'),
    /** Epochs completed when the snapshot was taken. */
    epoch: z.number().int().min(0),
    step: z.number().int().min(0),
    point: trajectoryPointSchema,
    sketched: z.boolean(),
  }),
  /** The run waits before its next step (pauseTraining); nothing is lost. */
  z.object({ event: z.literal('paused'), epoch: z.number().int().min(0), step: z.number().int().min(0) }),
  /** It goes on from the same step (resumeTraining). */
  z.object({ event: z.literal('resumed'), epoch: z.number().int().min(0), step: z.number().int().min(0) }),
  z.object({
    event: z.literal('finished'),
    reason: z.enum(['completed', 'cancelled', 'diverged']),
    message: z.string(),
    seconds: z.number().min(0),
    /** Optimizer steps taken in all (step events are sampled, so the last one may lag behind). */
    steps: z.number().int().min(0).optional(),
  }),
  z.object({ event: z.literal('failed'), message: z.string() }),
]);
export type TrainingEvent = z.infer<typeof trainingEventSchema>;

/** One contestant of an optimizer race: its own optimizer and learning rate, everything else shared. */
export const raceEntrySchema = z
  .object({ label: z.string().min(1).max(40), optimizer: optimizerSchema, lr: z.number().gt(0).max(10) })
  .strict();
export type RaceEntry = z.infer<typeof raceEntrySchema>;
export const MAX_RACE_ENTRIES = 4;

export const startRaceResultSchema = startTrainingResultSchema.omit({ runId: true }).extend({
  runs: z.array(z.object({ runId: runIdSchema, label: z.string() })),
});
export type StartRaceResult = z.infer<typeof startRaceResultSchema>;

/** A reloaded page follows its run again from these: at most this many events are replayed. */
export const MAX_REPLAYED_EVENTS = 5000;

/**
 * A run as a page that was reloaded meets it again: how it was started, how long it has trained,
 * and what it reported so far (the newest boundary only; no race trajectories).
 */
export const attachedRunSchema = z
  .object({
    info: startTrainingResultSchema,
    config: trainingConfigSchema,
    secondsTraining: z.number().min(0),
    events: z.array(trainingEventSchema).max(MAX_REPLAYED_EVENTS),
  })
  .strict();
export type AttachedRun = z.infer<typeof attachedRunSchema>;

export const trainingEventMessageSchema = z.object({ runId: runIdSchema, event: trainingEventSchema });
export type TrainingEventMessage = z.infer<typeof trainingEventMessageSchema>;

/**
 * Progress that is gathered and sent a few times a second; the other events (start, pause, the
 * end) are what a user waits for, and go out at once.
 */
export const PROGRESS_EVENTS: ReadonlySet<TrainingEvent['event']> = new Set([
  'baseline',
  'step',
  'epoch',
  'boundary',
  'trajectory',
]);

/** A batch holds at most this many events (the host sends a full batch at once). */
export const MAX_BATCHED_EVENTS = 1000;

/**
 * What the host pushes: one run's events since its previous message, in order. The host sends a
 * run's progress a few times a second (host/training/eventBatches.ts) so drawing it never slows
 * the steps; every step point is in some batch, so the charts keep their resolution.
 */
export const trainingEventsMessageSchema = z.object({
  runId: runIdSchema,
  events: z.array(trainingEventSchema).min(1).max(MAX_BATCHED_EVENTS),
});
export type TrainingEventsMessage = z.infer<typeof trainingEventsMessageSchema>;

/** A sample for prediction: at most a 3x224x224 image's worth of numbers. */
export const MAX_INPUT_VALUES = 3 * 224 * 224;
export const predictInputSchema = z.object({
  data: z
    .array(z.number().refine(Number.isFinite, 'input values must be finite'))
    .min(1)
    .max(MAX_INPUT_VALUES),
});

export const predictionSchema = z.object({
  /** Empty when the network's output is a picture (see `picture`). */
  probabilities: z.array(z.number()),
  predicted: z.number().int().min(0),
  classNames: z.array(z.string()).optional(),
  /** Where the weights came from, in words ("run-…, trained 2 epochs", "untrained"). */
  weights: z.string(),
  /** A network whose output is C×H×W (a denoiser) answers with that picture, not classes. */
  picture: z
    .object({
      shape: z.tuple([z.number().int().min(1).max(4), z.number().int().min(1), z.number().int().min(1)]),
      values: z.array(z.number()).max(MAX_INPUT_VALUES),
    })
    .optional(),
});
export type Prediction = z.infer<typeof predictionSchema>;

export const previewSampleSchema = z.object({ values: z.array(z.number()), label: z.number() });
export const datasetPreviewSchema = z.object({
  name: z.string(),
  inputShape: z.array(z.number().int().min(1)),
  /**
   * The shape of each sample's values: inputShape, or a picture averaged down for display. Absent
   * from a host older than it, whose samples are whole.
   */
  sampleShape: z.array(z.number().int().min(1)).optional(),
  numClasses: z.number().int().min(0),
  classNames: z.array(z.string()).optional(),
  trainSize: z.number().int().min(0),
  samples: z.array(previewSampleSchema),
});
export type DatasetPreview = z.infer<typeof datasetPreviewSchema>;

export const MAX_PREVIEW_SAMPLES = 600;
