// The Training panel's hyperparameters, each with a sentence on what it does, and the memory the
// run will need (engine estimateMemory: weights, gradients, optimizer state, activations).
import type { LossKind, OptimizerKind } from '../../engine/index.ts';
import { estimateMemory, stateSlots } from '../../engine/index.ts';
import type { ExecutionProviderChoice, TrainingConfig } from '../../protocol/training.ts';
import { formatBytes } from '../components/format.ts';
import { appStore, selectAnalysis, useApp } from '../state/appStore.ts';
import { raceActive } from './race/race.ts';
import { isActive } from './trainingState.ts';
import { InitFields, RegularisationFields, ScheduleFields } from './TrainingAdvanced.tsx';
import { NumberField, SelectField } from './TrainingFields.tsx';
import { lossNote } from './lossForData.ts';
import { TruncationField } from './TruncationField.tsx';

const LOSS_OPTIONS: { value: LossKind; label: string; help: string }[] = [
  {
    value: 'cross-entropy',
    label: 'Cross-entropy',
    help: 'Softmax of the raw scores, then −log of the right class’s probability (PyTorch CrossEntropyLoss). The usual loss for classes.',
  },
  {
    value: 'mse',
    label: 'Mean squared error',
    help: 'Squared distance to the target (the one-hot row for classes, the numbers of a regression set), averaged.',
  },
  {
    value: 'bce-with-logits',
    label: 'Binary cross-entropy',
    help: 'A sigmoid per output against the one-hot target, each class a yes/no question.',
  },
  {
    value: 'nll',
    label: 'Negative log-likelihood',
    help: 'For networks that end in LogSoftmax: −(score of the right class).',
  },
];

const OPTIMIZER_OPTIONS: { value: OptimizerKind; label: string; help: string }[] = [
  { value: 'sgd', label: 'SGD', help: 'Each step moves the weights by −lr × gradient.' },
  {
    value: 'momentum',
    label: 'SGD + momentum',
    help: 'Keeps a velocity: a running sum of past gradients, so steady directions speed up (PyTorch SGD momentum).',
  },
  {
    value: 'nesterov',
    label: 'Nesterov momentum',
    help: 'Momentum that looks one step ahead before taking the gradient; often a little steadier.',
  },
  {
    value: 'heavy-ball',
    label: 'Heavy ball',
    help: 'θ ← θ − lr·g + β(θ − θ_prev): Polyak’s form, the same steps as SGD + momentum.',
  },
  {
    value: 'rmsprop',
    label: 'RMSProp',
    help: 'Divides each weight’s step by a running RMS of its gradients, so every weight moves at a similar pace.',
  },
  {
    value: 'adam',
    label: 'Adam',
    help: 'Momentum plus RMSProp’s per-weight scaling, bias-corrected. Forgiving; lr ≈ 0.001 is a good start.',
  },
  { value: 'adamw', label: 'AdamW', help: 'Adam with weight decay applied to the weights directly (0.01).' },
  {
    value: 'adagrad',
    label: 'AdaGrad',
    help: 'Scales each step by all past squared gradients: steps shrink over time.',
  },
];

const PROVIDER_OPTIONS: { value: ExecutionProviderChoice; label: string; help: string }[] = [
  { value: 'cpu', label: 'CPU', help: 'Trains on this computer’s processor, which always works.' },
  {
    value: 'gpu',
    label: 'GPU',
    help: 'Trains on the graphics card (CUDA, DirectML or CoreML); if its provider can’t load, on the CPU, saying why.',
  },
  { value: 'auto', label: 'Auto', help: 'The GPU when its provider loads, else the CPU.' },
];

const MOMENTUM: readonly OptimizerKind[] = ['momentum', 'nesterov', 'heavy-ball'];

export function TrainingSettings() {
  const setup = useApp((s) => s.trainingSetup);
  const busy = useApp((s) => isActive(s.training.status) || raceActive(s.race));
  const racing = useApp((s) => s.trainingMode === 'race');
  const analysis = useApp(selectAnalysis);
  const { config } = setup;
  const update = (c: Partial<TrainingConfig>) =>
    appStore.getState().actions.setTrainingSetup({ ...setup, config: { ...config, ...c } });
  const note = lossNote(setup);
  const memory = estimateMemory(analysis, config.batchSize, stateSlots(config.optimizer.kind).length);

  return (
    <fieldset className="training-fieldset" disabled={busy}>
      <legend>Training</legend>
      <SelectField
        label="Loss"
        value={config.loss}
        options={LOSS_OPTIONS}
        onChange={(loss) =>
          appStore
            .getState()
            .actions.setTrainingSetup({ ...setup, config: { ...config, loss }, lossSource: 'user' })
        }
      />
      {note && (
        <p className="field-help" data-testid="loss-note">
          {note}
        </p>
      )}
      {racing && <p className="field-help">In the race each optimizer brings its own learning rate.</p>}
      {!racing && (
        <>
          <SelectField
            label="Optimizer"
            value={config.optimizer.kind}
            options={OPTIMIZER_OPTIONS}
            onChange={(kind) =>
              update({
                optimizer: {
                  kind,
                  ...(MOMENTUM.includes(kind) ? { momentum: config.optimizer.momentum ?? 0.9 } : {}),
                  // Weight decay is a setting of its own, kept across optimizers.
                  ...(config.optimizer.weightDecay !== undefined
                    ? { weightDecay: config.optimizer.weightDecay }
                    : {}),
                },
              })
            }
          />
          <NumberField
            label="Learning rate"
            value={config.lr}
            min={1e-6}
            max={10}
            step="any"
            help="How far each step moves the weights. Too high: the loss jumps or becomes NaN; too low: it barely falls. SGD ≈ 0.01–0.1, Adam ≈ 0.001."
            onChange={(lr) => update({ lr })}
          />
        </>
      )}
      {!racing && MOMENTUM.includes(config.optimizer.kind) && (
        <NumberField
          label="Momentum"
          value={config.optimizer.momentum ?? 0.9}
          min={0}
          max={0.999}
          step={0.01}
          help="How much of the previous step carries over (β). 0.9 is usual; 0 is plain SGD."
          onChange={(momentum) => update({ optimizer: { ...config.optimizer, momentum } })}
        />
      )}
      <NumberField
        label="Batch size"
        value={config.batchSize}
        min={1}
        max={4096}
        help="Samples per step. Bigger batches give smoother but fewer steps per epoch."
        onChange={(batchSize) => update({ batchSize })}
      />
      <NumberField
        label="Epochs"
        value={config.epochs}
        min={1}
        max={500}
        help="Passes over the training set; the test set is measured after each."
        onChange={(epochs) => update({ epochs })}
      />
      <SelectField
        label="Runs on"
        value={config.provider ?? 'cpu'}
        options={PROVIDER_OPTIONS}
        onChange={(provider) => update({ provider })}
      />
      <TruncationField config={config} update={update} />
      <ScheduleFields config={config} update={update} />
      <RegularisationFields config={config} update={update} />
      <InitFields config={config} update={update} />
      <NumberField
        label="Seed"
        value={config.seed ?? 0}
        min={0}
        max={2 ** 31 - 1}
        help="Fixes the initial weights and the batch order: the same seed gives the same run."
        onChange={(seed) => update({ seed })}
      />
      <p className="training-memory" data-testid="memory-estimate">
        Memory to train: <strong>{formatBytes(memory.trainingBytes)}</strong>
        <small className="field-help">
          Weights {formatBytes(memory.parameterBytes)}, their gradients and optimizer state, and the
          activations of a batch of {config.batchSize} ({formatBytes(memory.activationBytes)}) kept for the
          backward pass.
        </small>
      </p>
    </fieldset>
  );
}
