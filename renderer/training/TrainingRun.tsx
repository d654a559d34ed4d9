// Start and stop, the progress bar with the time left, the headline numbers, the charts, and the
// exports: the trained ONNX model, the weights into the project, the curves as CSV, the charts as PNG.
import { useEffect, useRef, useState } from 'react';
import { downloadText, fileSlug } from '../components/files.ts';
import { downloadUrl } from '../components/download.ts';
import { useApp } from '../state/appStore.ts';
import type { EpochPoint, TrainingRun as Run } from './trainingState.ts';
import { activeSeconds, hasWeights, isActive, progressOf } from './trainingState.ts';
import type { ChartPicture } from './chartImage.ts';
import { composeCharts } from './chartImage.ts';
import { curvesCsv, lastEpoch } from './curves.ts';
import { useRunEvaluation } from './evaluation.ts';
import {
  exportTrainedOnnx,
  keepTrainedWeights,
  setTrainingPaused,
  startTraining,
  stopTraining,
} from './flows.ts';
import { ConfusionMatrix } from './ConfusionMatrix.tsx';
import { DecisionBoundary } from './DecisionBoundary.tsx';
import { CHART_LEGENDS, layerColor, TrainingCharts, useTrainableLayers } from './TrainingCharts.tsx';

const pct = (v: number | null | undefined) =>
  v === null || v === undefined ? '–' : `${(v * 100).toFixed(1)}%`;
const num = (v: number | null | undefined) => (v === null || v === undefined ? '–' : v.toFixed(3));

function duration(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  const m = Math.floor(seconds / 60);
  return `${m} min ${Math.round(seconds - m * 60)} s`;
}

function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, [active]);
  return active ? now : Date.now();
}

const STATUS_TEXT: Record<Run['status'], string> = {
  idle: 'Not trained yet.',
  starting: 'Loading the data and measuring the untrained network…',
  running: 'Training…',
  paused: 'Paused.',
  stopping: 'Stopping after this step…',
  completed: 'Finished.',
  cancelled: 'Stopped.',
  diverged: 'Stopped: the loss became NaN.',
  failed: 'Could not train.',
};

function ProgressLine({ run }: { run: Run }) {
  const active = isActive(run.status);
  const now = useNow(active && run.status !== 'paused');
  const p = progressOf(run, now);
  const epochs = run.config?.epochs ?? 0;
  const parts = [
    run.status === 'paused' ? 'Paused' : null,
    run.totalSteps ? `epoch ${p.epoch} of ${epochs}` : null,
    run.totalSteps ? `step ${run.step} of ${run.totalSteps}` : null,
    p.secondsLeft !== null ? `about ${duration(p.secondsLeft)} left` : null,
    run.samplesPerSecond ? `${Math.round(run.samplesPerSecond).toLocaleString('en-US')} samples/s` : null,
    !active && run.startedAt && run.finishedAt ? `took ${duration(activeSeconds(run, now))}` : null,
  ].filter(Boolean);
  return (
    <div className="training-progress">
      <div
        className="progress"
        role="progressbar"
        aria-label="Training progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(p.fraction * 100)}
      >
        <div className="progress__fill" style={{ width: `${(p.fraction * 100).toFixed(1)}%` }} />
      </div>
      <span className="training-progress__text" data-testid="training-progress">
        {parts.join(' · ') || STATUS_TEXT[run.status]}
      </span>
    </div>
  );
}

/**
 * Whether the run ended between epochs: its last epoch's test figure then describes weights that
 * kept training afterwards, so the headline reports the measurement of the final weights instead.
 */
export function stoppedBetweenEpochs(run: Run): boolean {
  const perEpoch = run.info?.stepsPerEpoch ?? 0;
  const epochsDone = lastEpoch(run)?.epoch ?? 0;
  return (run.status === 'cancelled' || run.status === 'diverged') && run.step > epochsDone * perEpoch;
}

function Headline({ run }: { run: Run }) {
  const start = run.epochs.find((e) => e.epoch === 0);
  const evaluation = useRunEvaluation();
  // Only an answer for these very weights (not one from an earlier epoch still on screen).
  const measured = evaluation.waiting ? null : evaluation.current;
  const atStop = stoppedBetweenEpochs(run);
  const last = atStop ? undefined : lastEpoch(run);
  if (!start) return null;
  // Regression targets have no accuracy: the test loss is the measure.
  const regression = start.trainAccuracy === null && start.testAccuracy === null;
  const measure = (e: EpochPoint) => (regression ? num(e.testLoss) : pct(e.testAccuracy));
  const id = regression ? 'loss' : 'accuracy';
  const final = measured && 'e' in measured ? measured.e : null;
  return (
    <p className="training-headline" data-testid="training-headline">
      Test {regression ? 'loss' : 'accuracy'} <strong data-testid={`${id}-before`}>{measure(start)}</strong>{' '}
      <span className="muted">untrained</span>
      {last && (
        <>
          {' '}
          → <strong data-testid={`${id}-after`}>{measure(last)}</strong>{' '}
          <span className="muted">after epoch {last.epoch}</span>
        </>
      )}
      {atStop && (
        <>
          {' '}
          →{' '}
          <strong data-testid={`${id}-after`}>
            {final && !regression ? pct(final.accuracy) : measured || regression ? '–' : '…'}
          </strong>{' '}
          <span className="muted">at the stop, step {run.step}</span>
        </>
      )}
      <span className="muted">
        {regression ? (
          <>{last && <> · train loss {num(last.trainLoss)}</>} · numeric targets, so no accuracy</>
        ) : (
          <>
            {' '}
            · test loss {num(start.testLoss)}
            {last && <> → {num(last.testLoss)}</>}
            {last && <> · train accuracy {pct(last.trainAccuracy)}</>}
          </>
        )}
      </span>
    </p>
  );
}

const PROVIDER_NAMES: Record<string, string> = {
  cpu: 'CPU',
  cuda: 'CUDA GPU',
  dml: 'DirectML GPU',
  coreml: 'CoreML',
};

/** Where the host trains this run, and in one line why not on the GPU the user asked for. */
function ProviderLine({ run }: { run: Run }) {
  if (!run.provider) return null;
  const fallback = run.providerFallback?.replace(/^Training on the CPU: /, '');
  return (
    <p className="training-provider" data-testid="training-provider">
      Runs on <strong>{PROVIDER_NAMES[run.provider] ?? run.provider}</strong>
      {run.parts > 1 && (
        <span
          className="muted"
          title="Each thread computes the gradients of its part of the batch at the same time; one update averages them."
        >
          {' '}
          · batch split across {run.parts} threads
        </span>
      )}
      {fallback && <span className="muted"> — {fallback}</span>}
    </p>
  );
}

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

export function TrainingRun() {
  const run = useApp((s) => s.training);
  const name = useApp((s) => s.doc.name);
  const hasHost = useApp((s) => s.host !== null);
  const layers = useTrainableLayers();
  const box = useRef<HTMLDivElement>(null);
  const active = isActive(run.status);
  const done = hasWeights(run);

  const exportPng = () => {
    const figures = [...(box.current?.querySelectorAll<HTMLElement>('.chart-figure') ?? [])];
    const charts: ChartPicture[] = figures.flatMap((f) => {
      const canvas = f.querySelector('canvas');
      const kind = f.dataset.chart ?? '';
      const legend =
        CHART_LEGENDS[kind]?.map((s) => ({ label: s.label, color: s.color })) ??
        layers.map((l, i) => ({ label: l.name, color: layerColor(i) }));
      return canvas ? [{ title: f.querySelector('figcaption')?.textContent ?? '', canvas, legend }] : [];
    });
    const image = composeCharts(charts, {
      bg: cssVar('--panel') || '#fff',
      text: cssVar('--text') || '#000',
    });
    downloadUrl(`${fileSlug(name)}-training.png`, image.toDataURL('image/png'));
  };

  return (
    <div className="training-run" ref={box}>
      <div className="training-run__controls">
        {active ? (
          <>
            <button
              type="button"
              onClick={() => void setTrainingPaused(run.status === 'running')}
              disabled={run.status !== 'running' && run.status !== 'paused'}
              title="Waits before the next step; the weights so far can be tried and exported meanwhile"
            >
              {run.status === 'paused' ? 'Resume' : 'Pause'}
            </button>
            <button
              type="button"
              className="danger-button"
              onClick={() => void stopTraining()}
              disabled={run.status !== 'running' && run.status !== 'paused'}
            >
              Stop
            </button>
          </>
        ) : (
          <button type="button" className="primary" onClick={() => void startTraining()} disabled={!hasHost}>
            {run.status === 'idle' ? 'Train' : 'Train again'}
          </button>
        )}
        <ProgressLine run={run} />
      </div>
      <ProviderLine run={run} />
      {run.message && run.status !== 'completed' && (
        <p
          className={
            run.status === 'failed' || run.status === 'diverged'
              ? 'training-message danger'
              : 'training-message'
          }
          role={run.status === 'failed' ? 'alert' : undefined}
        >
          {run.message}
        </p>
      )}
      {run.gone && (
        <p className="training-message danger" role="alert" data-testid="run-gone">
          The host no longer holds this run (it was restarted, or released the run): its curves stay, but
          exporting it, keeping its weights, trying it and stepping through it need a new run. Press Train
          again.
        </p>
      )}
      <Headline run={run} />
      <TrainingCharts />
      <DecisionBoundary />
      <ConfusionMatrix />
      <div className="button-row">
        <button
          type="button"
          disabled={!done}
          onClick={() => void exportTrainedOnnx()}
          title="The trained network as an inference model (IR 8, opset 17)"
        >
          Export trained ONNX
        </button>
        <button
          type="button"
          disabled={!done}
          onClick={() => void keepTrainedWeights()}
          title="Store the trained weights in the project file (undoable)"
        >
          Keep weights in project
        </button>
        <button
          type="button"
          disabled={run.epochs.length + run.steps.length === 0}
          onClick={() => downloadText(`${fileSlug(name)}-curves.csv`, curvesCsv(run, layers), 'text/csv')}
        >
          Curves CSV
        </button>
        <button type="button" disabled={run.epochs.length + run.steps.length === 0} onClick={exportPng}>
          Charts PNG
        </button>
      </div>
    </div>
  );
}
