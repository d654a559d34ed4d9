// The Training panel's data choice: bundled MNIST (with a subset size) or a generated 2-D set,
// the random-labels switch, and a preview of the first samples as the host loads them.
import { useEffect, useRef, useState } from 'react';
import type { DatasetPreview, TrainingDataset } from '../../protocol/training.ts';
import { SYNTHETIC_SETS } from '../../protocol/training.ts';
import { appStore, useApp } from '../state/appStore.ts';
import { raceActive } from '../state/race.ts';
import { NumberField } from './TrainingFields.tsx';

const SET_LABELS: Record<(typeof SYNTHETIC_SETS)[number], string> = {
  spiral: 'Spiral (2-D points)',
  circles: 'Circles (2-D points)',
  xor: 'XOR (2-D points)',
  blobs: 'Blobs (2-D points)',
  moons: 'Moons (2-D points)',
};

function datasetFor(choice: string, current: TrainingDataset): TrainingDataset {
  if (choice === 'mnist')
    return current.kind === 'mnist' ? current : { kind: 'mnist', limit: 5000, testLimit: 1000, seed: 1 };
  const generator = choice as (typeof SYNTHETIC_SETS)[number];
  const classes = generator === 'spiral' || generator === 'blobs' ? 3 : undefined;
  return { kind: 'synthetic', generator, n: 1000, seed: 1, ...(classes ? { classes } : {}) };
}

export const CLASS_COLORS = [
  '#e6194b',
  '#3cb44b',
  '#4363d8',
  '#f58231',
  '#911eb4',
  '#42d4f4',
  '#f032e6',
  '#9a6324',
];

function Digit({ values, label }: { values: number[]; label: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    const img = ctx.createImageData(28, 28);
    values.forEach((v, i) => {
      const g = 255 - Math.round(v * 255); // dark ink on light paper
      img.data.set([g, g, g, 255], i * 4);
    });
    ctx.putImageData(img, 0, 0);
  }, [values]);
  return (
    <figure className="digit">
      <canvas ref={ref} width={28} height={28} />
      <figcaption>{label}</figcaption>
    </figure>
  );
}

function Scatter({ preview }: { preview: DatasetPreview }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    const xs = preview.samples.map((s) => s.values[0]);
    const ys = preview.samples.map((s) => s.values[1]);
    const lo = Math.min(...xs, ...ys);
    const hi = Math.max(...xs, ...ys);
    const at = (v: number) => 6 + ((v - lo) / (hi - lo || 1)) * (canvas.width - 12);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    for (const s of preview.samples) {
      ctx.fillStyle = CLASS_COLORS[s.label % CLASS_COLORS.length];
      ctx.beginPath();
      ctx.arc(at(s.values[0]), canvas.height - at(s.values[1]), 2.2, 0, 2 * Math.PI);
      ctx.fill();
    }
  }, [preview]);
  return <canvas ref={ref} className="scatter" width={150} height={150} />;
}

function Preview({ dataset }: { dataset: TrainingDataset }) {
  const host = useApp((s) => s.host);
  const [preview, setPreview] = useState<DatasetPreview | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const key = JSON.stringify(dataset);
  useEffect(() => {
    if (!host) return;
    let live = true;
    const timer = setTimeout(() => {
      const spec = JSON.parse(key) as TrainingDataset;
      host.datasetPreview(spec, spec.kind === 'mnist' ? 12 : 400).then(
        (p) => live && (setPreview(p), setProblem(null)),
        (e: Error) => live && setProblem(e.message),
      );
    }, 250);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [host, key]);
  if (problem) return <p className="danger">{problem}</p>;
  if (!preview) return <p className="muted">Loading a preview…</p>;
  const images = preview.inputShape.length === 3;
  return (
    <div className="dataset-preview" aria-label="Dataset preview" role="group">
      {images ? (
        <div className="digits">
          {preview.samples.map((s, i) => (
            <Digit key={i} values={s.values} label={s.label} />
          ))}
        </div>
      ) : (
        <Scatter preview={preview} />
      )}
      <p className="field-help">
        {preview.name}: samples of {preview.inputShape.join('×')}
        {preview.numClasses ? `, ${preview.numClasses} classes` : ''};{' '}
        {preview.trainSize.toLocaleString('en-US')} for training.
      </p>
    </div>
  );
}

export function TrainingDataset() {
  const setup = useApp((s) => s.trainingSetup);
  const busy = useApp(
    (s) => ['starting', 'running', 'stopping'].includes(s.training.status) || raceActive(s.race),
  );
  const { dataset } = setup;
  const update = (d: TrainingDataset) =>
    appStore.getState().actions.setTrainingSetup({ ...setup, dataset: d });
  const choice = dataset.kind === 'mnist' ? 'mnist' : dataset.generator;

  return (
    <fieldset className="training-fieldset" disabled={busy}>
      <legend>Data</legend>
      <label className="training-field">
        <span>Dataset</span>
        <select value={choice} onChange={(e) => update(datasetFor(e.target.value, dataset))}>
          <option value="mnist">MNIST digits (bundled)</option>
          {SYNTHETIC_SETS.map((g) => (
            <option key={g} value={g}>
              {SET_LABELS[g]}
            </option>
          ))}
        </select>
        <small className="field-help">
          MNIST: 28×28 handwritten digits, for networks whose Input is 1×28×28. The 2-D sets are points to
          separate, for small networks whose Input is [2].
        </small>
      </label>
      {dataset.kind === 'mnist' ? (
        <>
          <NumberField
            label="Training images"
            value={dataset.limit}
            min={1}
            max={60000}
            help="A random subset of the 60,000: fewer train faster."
            onChange={(limit) => update({ ...dataset, limit })}
          />
          <NumberField
            label="Test images"
            value={dataset.testLimit ?? 10000}
            min={1}
            max={10000}
            help="Measured after every epoch, never trained on."
            onChange={(testLimit) => update({ ...dataset, testLimit })}
          />
        </>
      ) : (
        <>
          <NumberField
            label="Points"
            value={dataset.n}
            min={20}
            max={20000}
            help="20% are held out for testing."
            onChange={(n) => update({ ...dataset, n })}
          />
          <NumberField
            label="Noise"
            value={dataset.noise ?? 0.1}
            min={0}
            max={2}
            step={0.05}
            help="How far points stray from their class's shape."
            onChange={(noise) => update({ ...dataset, noise })}
          />
        </>
      )}
      <label className="training-check">
        <input
          type="checkbox"
          checked={dataset.randomLabels ?? false}
          onChange={(e) => update({ ...dataset, randomLabels: e.target.checked || undefined })}
        />
        <span>Random labels</span>
        <small className="field-help">
          Every training label replaced by a random class: there is nothing to learn, only to memorize.
        </small>
      </label>
      <Preview dataset={dataset} />
    </fieldset>
  );
}
