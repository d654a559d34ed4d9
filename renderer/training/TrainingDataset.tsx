// The Training panel's data choice: bundled MNIST (with a subset size), a generated 2-D set or the
// user's own files (sent to the host, which keeps them under an id), the random-labels switch, and
// a preview of the first samples as the host loads them.
import { useEffect, useRef, useState } from 'react';
import { markerOf, traceMarker } from './markers.ts';
import type { UploadedDataset } from '../../protocol/datasets.ts';
import type { DatasetPreview, TrainingDataset } from '../../protocol/training.ts';
import { SYNTHETIC_SETS } from '../../protocol/training.ts';
import { DEFAULT_DENOISE_NOISE, SEQUENCE_KINDS } from '../../engine/data/index.ts';
import { isRegression, withDataset } from './lossForData.ts';
import { appStore, useApp } from '../state/appStore.ts';
import { QUALITATIVE } from '../components/palette.ts';
import { raceActive } from './race/race.ts';
import { isActive } from './trainingState.ts';
import { NumberField } from './TrainingFields.tsx';
import { ClassesField } from './ClassesField.tsx';
import { UserDataset } from '../data/UserDataset.tsx';
import { ImagePreprocessing } from '../transfer/ImagePreprocessing.tsx';
import { isCharacterSet, TextWindowsPreview } from '../data/TextWindowsPreview.tsx';

/**
 * What the host found in each upload of this page, by id: the store keeps only the id (all a run
 * needs), the panel also shows sizes and shapes. Lost on reload, like the host's copy on restart.
 */
const uploaded = new Map<string, UploadedDataset>();

/** How many samples an upload trains on at most: all but the held-out part, or all with a test set of its own. */
function trainPool(info: UploadedDataset | undefined, testFraction = 0.2): number | undefined {
  if (!info) return undefined;
  return info.testSamples !== undefined ? info.samples : Math.round(info.samples * (1 - testFraction));
}

/** Image previews are a dozen pictures; points and table rows are cheap, and a scatter needs many. */
function previewCount(d: TrainingDataset): number {
  if (d.kind === 'mnist') return 12;
  if (d.kind === 'synthetic') return 400;
  const info = uploaded.get(d.id);
  return info && info.inputShape.length === 1 ? 400 : 12;
}

/** The picker's value for MNIST as a denoising task (noisy digit in, clean digit out). */
const MNIST_DENOISE = 'mnist-denoise';

const SET_LABELS: Record<(typeof SYNTHETIC_SETS)[number], string> = {
  spiral: 'Spiral (2-D points)',
  circles: 'Circles (2-D points)',
  xor: 'XOR (2-D points)',
  blobs: 'Blobs (2-D points)',
  moons: 'Moons (2-D points)',
  chars: 'Next character (16-character text windows)',
  adding: 'Adding problem (20 steps, sum of 2 marked values)',
  copy: 'Copy (remember the first of 16 symbols)',
  parity: 'Parity (8 bits: odd or even)',
  sine: 'Noisy sine (forecast the next of 24 values)',
};

function datasetFor(choice: string, current: TrainingDataset): TrainingDataset {
  const mnist =
    current.kind === 'mnist' ? current : { kind: 'mnist' as const, limit: 5000, testLimit: 1000, seed: 1 };
  if (choice === 'mnist') return { ...mnist, task: undefined, noise: undefined };
  if (choice === MNIST_DENOISE)
    return { ...mnist, task: 'denoise', noise: mnist.noise ?? DEFAULT_DENOISE_NOISE };
  const generator = choice as (typeof SYNTHETIC_SETS)[number];
  const classes = generator === 'spiral' || generator === 'blobs' ? 3 : undefined;
  return { kind: 'synthetic', generator, n: 1000, seed: 1, ...(classes ? { classes } : {}) };
}

export const CLASS_COLORS = QUALITATIVE;

/** One C×H×W sample (pixels in 0..1): MNIST as dark ink on light paper, others as they are. */
function Digit({
  values,
  label,
  shape,
  ink,
}: {
  values: number[];
  label: string;
  shape: number[];
  ink: boolean;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  const [channels, height, width] = shape;
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    const img = ctx.createImageData(width, height);
    const plane = height * width;
    const byte = (v: number) => Math.round(Math.min(1, Math.max(0, v)) * 255);
    for (let i = 0; i < plane; i++) {
      const [r, g, b] =
        channels >= 3
          ? [values[i], values[plane + i], values[2 * plane + i]].map(byte)
          : [0, 0, 0].map(() => (ink ? 255 - byte(values[i]) : byte(values[i])));
      img.data.set([r, g, b, 255], i * 4);
    }
    ctx.putImageData(img, 0, 0);
  }, [values, channels, height, width, ink]);
  return (
    <figure className="digit">
      <canvas ref={ref} width={width} height={height} />
      <figcaption>{label}</figcaption>
    </figure>
  );
}

/** Samples that are neither pictures nor 2-D points: the first rows, as numbers. */
function SampleTable({ preview, className }: { preview: DatasetPreview; className(label: number): string }) {
  const features = preview.inputShape[0];
  const shown = Math.min(features, 8);
  const rows = preview.samples.slice(0, 6);
  return (
    <table className="sample-table" aria-label="First rows">
      <thead>
        <tr>
          {Array.from({ length: shown }, (_, i) => (
            <th key={i}>x{i + 1}</th>
          ))}
          {features > shown && <th>…</th>}
          <th>label</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((s, r) => (
          <tr key={r}>
            {s.values.slice(0, shown).map((v, i) => (
              <td key={i}>{v}</td>
            ))}
            {features > shown && <td>…</td>}
            <td>{className(s.label)}</td>
          </tr>
        ))}
      </tbody>
    </table>
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
      traceMarker(ctx, markerOf(s.label), at(s.values[0]), canvas.height - at(s.values[1]), 2.4);
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
      host.datasetPreview(spec, previewCount(spec)).then(
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
  const points = preview.inputShape.length === 1 && preview.inputShape[0] === 2;
  const className = (label: number) => preview.classNames?.[label] ?? String(label);
  return (
    <div className="dataset-preview" aria-label="Dataset preview" role="group">
      {images ? (
        <div className="digits">
          {preview.samples.map((s, i) => (
            <Digit
              key={i}
              values={s.values}
              label={preview.numClasses ? className(s.label) : ''}
              shape={preview.sampleShape ?? preview.inputShape}
              ink={dataset.kind === 'mnist'}
            />
          ))}
        </div>
      ) : points ? (
        <Scatter preview={preview} />
      ) : isCharacterSet(preview) ? (
        <TextWindowsPreview preview={preview} />
      ) : (
        <SampleTable preview={preview} className={className} />
      )}
      <p className="field-help">
        {preview.name}: samples of {preview.inputShape.join('×')}
        {preview.numClasses ? `, ${preview.numClasses} classes` : ''};{' '}
        {preview.trainSize.toLocaleString('en-US')} for training.
      </p>
    </div>
  );
}

/** How much of the chosen data to use: samples and test share for files and MNIST, points and noise for 2-D sets. */
function SizeFields({
  dataset,
  info,
  update,
}: {
  dataset: TrainingDataset;
  info: UploadedDataset | undefined;
  update(d: TrainingDataset): void;
}) {
  return dataset.kind === 'file' ? (
    <>
      <NumberField
        label="Training samples"
        value={dataset.limit ?? trainPool(info, dataset.testFraction) ?? 1000}
        min={1}
        max={1_000_000}
        help="A random subset of your samples: fewer train faster."
        onChange={(limit) => update({ ...dataset, limit })}
      />
      {info?.testSamples === undefined && (
        <NumberField
          label="Held out for testing"
          value={dataset.testFraction ?? 0.2}
          min={0.05}
          max={0.9}
          step={0.05}
          help="The fraction of your samples measured after every epoch, never trained on."
          onChange={(testFraction) => update({ ...dataset, testFraction })}
        />
      )}
    </>
  ) : dataset.kind === 'mnist' ? (
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
      {dataset.task === 'denoise' && (
        <NoiseField
          value={dataset.noise ?? DEFAULT_DENOISE_NOISE}
          help="Standard deviation of the Gaussian noise added to each pixel (pixels are 0 to 1, clipped after)."
          onChange={(noise) => update({ ...dataset, noise })}
        />
      )}
    </>
  ) : (
    <SyntheticSizeFields dataset={dataset} update={update} />
  );
}

/** The standard deviation of the noise a data set adds (MNIST denoising, 2-D points, the sine). */
function NoiseField(props: { value: number; help: string; onChange(noise: number): void }) {
  return <NumberField label="Noise" min={0} max={2} step={0.05} {...props} />;
}

/** A generated set's size, and its noise where the generator has any (2-D points, the noisy sine). */
function SyntheticSizeFields({
  dataset,
  update,
}: {
  dataset: Extract<TrainingDataset, { kind: 'synthetic' }>;
  update(d: TrainingDataset): void;
}) {
  const sequence = SEQUENCE_KINDS.includes(dataset.generator);
  const noisy = !sequence || dataset.generator === 'sine';
  return (
    <>
      <NumberField
        label={sequence ? (dataset.generator === 'chars' ? 'Windows' : 'Sequences') : 'Points'}
        value={dataset.n}
        min={20}
        max={20000}
        help="20% are held out for testing."
        onChange={(n) => update({ ...dataset, n })}
      />
      {noisy && (
        <NoiseField
          value={dataset.noise ?? 0.1}
          help={
            sequence
              ? 'Standard deviation of the noise on the sine’s samples.'
              : 'How far points stray from their class’s shape.'
          }
          onChange={(noise) => update({ ...dataset, noise })}
        />
      )}
    </>
  );
}

export function TrainingDataset() {
  const setup = useApp((s) => s.trainingSetup);
  const busy = useApp((s) => isActive(s.training.status) || raceActive(s.race));
  const { dataset } = setup;
  const update = (d: TrainingDataset) => {
    const regression = isRegression(d, d.kind === 'file' ? uploaded.get(d.id)?.numClasses : undefined);
    appStore.getState().actions.setTrainingSetup(withDataset(setup, d, regression));
  };
  const [wantFiles, setWantFiles] = useState(false);
  const choice =
    dataset.kind === 'file' || wantFiles
      ? 'file'
      : dataset.kind === 'mnist'
        ? dataset.task === 'denoise'
          ? MNIST_DENOISE
          : 'mnist'
        : dataset.generator;
  const info = dataset.kind === 'file' ? uploaded.get(dataset.id) : undefined;
  const onAdded = (added: UploadedDataset) => {
    uploaded.set(added.id, added);
    setWantFiles(false);
    update({ kind: 'file', id: added.id, seed: 1 });
  };

  return (
    <fieldset className="training-fieldset" disabled={busy}>
      <legend>Data</legend>
      <label className="training-field">
        <span>Dataset</span>
        <select
          value={choice}
          onChange={(e) => {
            setWantFiles(e.target.value === 'file');
            if (e.target.value !== 'file') update(datasetFor(e.target.value, dataset));
          }}
        >
          <option value="mnist">MNIST digits (bundled)</option>
          <option value={MNIST_DENOISE}>MNIST denoising (noisy digit in, clean digit out)</option>
          {SYNTHETIC_SETS.map((g) => (
            <option key={g} value={g}>
              {SET_LABELS[g]}
            </option>
          ))}
          <option value="file">Your files…</option>
        </select>
        <small className="field-help">
          MNIST: 28×28 handwritten digits, for networks whose Input is 1×28×28; denoising adds Gaussian noise
          to each pixel and asks for the clean digit (a 1×28×28 output, mean squared error). The 2-D sets are
          points to separate, for small networks whose Input is [2]. The sequence sets are for recurrent and
          attention networks (the templates’ Input shapes: chars and copy [16] ids, adding [20, 2], parity [8,
          1], sine [24, 1]). Your files: a CSV table, IDX or CIFAR-10 files, or a folder of pictures.
        </small>
      </label>
      {choice === 'file' && (
        <>
          {info && (
            <p className="upload-summary">
              <strong>{info.name}</strong>: {info.samples.toLocaleString('en-US')} samples of{' '}
              {info.inputShape.join('×')}, {info.numClasses} classes
              {info.testSamples !== undefined
                ? ` (+${info.testSamples.toLocaleString('en-US')} test)`
                : ''}. {info.notes.join(' ')}
            </p>
          )}
          {info?.format === 'images' && dataset.kind === 'file' && (
            <ImagePreprocessing
              value={dataset.preprocess}
              onChange={(preprocess) => update({ ...dataset, preprocess })}
            />
          )}
          <UserDataset onAdded={onAdded} />
          {dataset.kind !== 'file' && (
            <p className="muted">Until files are added, training uses the dataset chosen before.</p>
          )}
        </>
      )}
      <SizeFields dataset={dataset} info={info} update={update} />
      {dataset.kind !== 'synthetic' && (
        <ClassesField
          value={dataset.keepClasses}
          onChange={(keepClasses) => update({ ...dataset, keepClasses })}
        />
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
      {(choice !== 'file' || dataset.kind === 'file') && <Preview dataset={dataset} />}
    </fieldset>
  );
}
