// The Training panel's settings beyond the basics, each with a sentence on what it does: the
// learning-rate schedule, weight decay, gradient clipping and how the weights start.
import type { TrainingConfig, TrainingInit } from '../../protocol/training.ts';
import { NumberField, SelectField } from './TrainingFields.tsx';

type Schedule = NonNullable<TrainingConfig['schedule']>;
interface Props {
  config: TrainingConfig;
  update(c: Partial<TrainingConfig>): void;
}

const SCHEDULE_OPTIONS: { value: Schedule['kind']; label: string; help: string }[] = [
  { value: 'constant', label: 'Constant', help: 'The same learning rate for every step.' },
  {
    value: 'step',
    label: 'Step decay',
    help: 'Multiplies the rate by γ every few epochs (PyTorch StepLR): big steps first, finer ones later.',
  },
  {
    value: 'cosine',
    label: 'Cosine',
    help: 'Glides from the learning rate down to 0 along half a cosine over the whole run (CosineAnnealingLR).',
  },
];

export function ScheduleFields({ config, update }: Props) {
  const schedule: Schedule = config.schedule ?? { kind: 'constant' };
  return (
    <>
      <SelectField
        label="Schedule"
        value={schedule.kind}
        options={SCHEDULE_OPTIONS}
        onChange={(kind) =>
          update({
            schedule:
              kind === 'step' ? { kind, stepSize: 1, gamma: 0.1 } : kind === 'cosine' ? { kind } : undefined,
          })
        }
      />
      {schedule.kind === 'step' && (
        <>
          <NumberField
            label="Every (epochs)"
            value={schedule.stepSize}
            min={1}
            max={500}
            help="How many epochs each rate lasts."
            onChange={(stepSize) => update({ schedule: { ...schedule, stepSize } })}
          />
          <NumberField
            label="Multiply by γ"
            value={schedule.gamma}
            min={0.001}
            max={1}
            step="any"
            help="0.1 divides the rate by ten at each step."
            onChange={(gamma) => update({ schedule: { ...schedule, gamma } })}
          />
        </>
      )}
    </>
  );
}

export function RegularisationFields({ config, update }: Props) {
  const decoupled = config.optimizer.kind === 'adamw';
  return (
    <>
      <NumberField
        label="Weight decay"
        value={config.optimizer.weightDecay ?? (decoupled ? 0.01 : 0)}
        min={0}
        max={1}
        step="any"
        help={
          decoupled
            ? 'AdamW shrinks every weight by lr × λ each step, apart from the gradient. 0 is off.'
            : 'Adds λ·w to every gradient (an L2 penalty λ/2·‖w‖²), pulling the weights towards zero. 1e-4 to 1e-2 is usual; 0 is off.'
        }
        onChange={(weightDecay) =>
          update({ optimizer: { ...config.optimizer, weightDecay: weightDecay || undefined } })
        }
      />
      <NumberField
        label="Clip gradient norm"
        value={config.clipNorm ?? 0}
        min={0}
        max={1e6}
        step="any"
        help="When the whole gradient’s length (L2 norm) is above this, it is scaled down to it, so one bad batch cannot throw the weights far. 0 is off; 1–5 is common."
        onChange={(clip) => update({ clipNorm: clip > 0 ? clip : undefined })}
      />
    </>
  );
}

const INIT_OPTIONS: { value: TrainingInit['kind']; label: string; help: string }[] = [
  {
    value: 'default',
    label: 'PyTorch default',
    help: 'Uniform in ±1/√fan_in for weights and biases, as nn.Linear and nn.Conv2d start. Weights stored in the project are kept.',
  },
  {
    value: 'zeros',
    label: 'All zeros',
    help: 'Every weight and bias 0: every unit of a layer computes the same thing, so they can never become different.',
  },
  {
    value: 'constant',
    label: 'One constant',
    help: 'Every weight and bias the same value: as symmetric as zeros, but the signal flows.',
  },
  { value: 'normal', label: 'Normal', help: 'Weights and biases drawn from N(0, std²).' },
  { value: 'uniform', label: 'Uniform', help: 'Weights and biases drawn from U(−a, a).' },
  {
    value: 'xavier',
    label: 'Xavier (Glorot)',
    help: 'U(±√(6 / (fan_in + fan_out))), biases 0: keeps the signal’s variance through tanh or sigmoid layers.',
  },
  {
    value: 'kaiming',
    label: 'Kaiming (He)',
    help: 'N(0, 2 / fan_in), biases 0: keeps the signal’s variance through ReLU layers, which zero half of it.',
  },
];

/** The number an initializer takes, if any: its label, range and default. */
function initParameter(init: TrainingInit) {
  switch (init.kind) {
    case 'constant':
      return {
        label: 'Value',
        value: init.value,
        min: -10,
        help: 'The value of every weight and bias.',
        set: (v: number): TrainingInit => ({ ...init, value: v }),
      };
    case 'normal':
      return {
        label: 'Standard deviation',
        value: init.std,
        min: 1e-6,
        help: 'How widely the values spread around 0.',
        set: (v: number): TrainingInit => ({ ...init, std: v }),
      };
    case 'uniform':
      return {
        label: 'Bound a',
        value: init.a,
        min: 1e-6,
        help: 'Values fall between −a and a.',
        set: (v: number): TrainingInit => ({ ...init, a: v }),
      };
    default:
      return null;
  }
}

function withKind(kind: TrainingInit['kind']): TrainingInit {
  switch (kind) {
    case 'constant':
      return { kind, value: 0.01 };
    case 'normal':
      return { kind, std: 0.01 };
    case 'uniform':
      return { kind, a: 0.05 };
    default:
      return { kind };
  }
}

export function InitFields({ config, update }: Props) {
  const init: TrainingInit = config.init ?? { kind: 'default' };
  const parameter = initParameter(init);
  return (
    <>
      <SelectField
        label="Initial weights"
        value={init.kind}
        options={INIT_OPTIONS}
        onChange={(kind) => update({ init: kind === 'default' ? undefined : withKind(kind) })}
      />
      {parameter && (
        <NumberField
          label={parameter.label}
          value={parameter.value}
          min={parameter.min}
          max={10}
          step="any"
          help={parameter.help}
          onChange={(v) => update({ init: parameter.set(v) })}
        />
      )}
    </>
  );
}
