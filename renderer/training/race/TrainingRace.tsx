// The optimizer race: two to four optimizers train copies of the network side by side, from the
// same initial weights, on the same batches in the same order; only the optimizer and its
// learning rate differ. Their loss and accuracy curves share one chart each.
import { useEffect, useMemo, useRef, useState } from 'react';
import type { OptimizerKind } from '../../../engine/index.ts';
import type { RaceEntry } from '../../../protocol/training.ts';
import { MAX_RACE_ENTRIES } from '../../../protocol/training.ts';
import { lessonOf } from '../../../protocol/lesson.ts';
import { UPlotChart } from '../UPlotChart.tsx';
import type { ChartSeries } from '../UPlotChart.tsx';
import { useApp } from '../../state/appStore.ts';
import { QUALITATIVE } from '../../components/palette.ts';
import { raceActive } from './race.ts';
import type { RaceLane, RaceState } from './race.ts';
import { progressOf } from '../trainingState.ts';
import { downloadUrl } from '../../components/download.ts';
import { downloadText, fileSlug } from '../../components/files.ts';
import { composeCharts } from '../chartImage.ts';
import { ends, lastEpoch, raceAccuracyCurves, raceCsv, raceLossCurves } from '../curves.ts';
import { setRacePaused, startRace, stopRace } from '../flows.ts';
import { RaceTrajectory } from './RaceTrajectory.tsx';

interface Candidate {
  label: string;
  kind: OptimizerKind;
  lr: number;
  color: string;
  on: boolean;
  /** The whole optimizer setting when a lesson gives one (its momentum, weight decay ...). */
  optimizer?: RaceEntry['optimizer'];
}

const CANDIDATES: Candidate[] = [
  { label: 'SGD', kind: 'sgd', lr: 0.1, color: QUALITATIVE[0], on: true },
  { label: 'Momentum', kind: 'momentum', lr: 0.05, color: QUALITATIVE[1], on: true },
  { label: 'Nesterov', kind: 'nesterov', lr: 0.05, color: QUALITATIVE[4], on: true },
  { label: 'RMSProp', kind: 'rmsprop', lr: 0.001, color: QUALITATIVE[3], on: false },
  { label: 'Adam', kind: 'adam', lr: 0.001, color: QUALITATIVE[2], on: true },
];
const LANE_DASHES: (number[] | undefined)[] = [undefined, [9, 5], [2, 3], [12, 3, 3, 3]];
const colorIn = (candidates: readonly Candidate[], label: string) =>
  candidates.find((c) => c.label === label)?.color ?? '#888';

/** The race's loss and accuracy charts side by side in one PNG, with the contestants as legend. */
function exportRacePng(
  box: HTMLElement | null,
  lanes: readonly RaceLane[],
  candidates: readonly Candidate[],
  name: string,
) {
  const legend = lanes.map((l) => ({ label: l.entry.label, color: colorIn(candidates, l.entry.label) }));
  const charts = [...(box?.querySelectorAll<HTMLElement>('.chart-figure') ?? [])].flatMap((f) => {
    const canvas = f.querySelector('canvas');
    return canvas ? [{ title: f.querySelector('figcaption')?.textContent ?? '', canvas, legend }] : [];
  });
  if (!charts.length) return;
  const css = (v: string) => getComputedStyle(document.documentElement).getPropertyValue(v).trim();
  const image = composeCharts(charts, { bg: css('--panel') || '#fff', text: css('--text') || '#000' });
  downloadUrl(`${fileSlug(name)}-race.png`, image.toDataURL('image/png'));
}

function toEntry(c: Candidate): RaceEntry {
  const momentum = c.kind === 'momentum' || c.kind === 'nesterov' ? { momentum: 0.9 } : {};
  return { label: c.label, optimizer: c.optimizer ?? { kind: c.kind, ...momentum }, lr: c.lr };
}

/** A lesson's contestants, coloured in the default contestants' order. */
function fromLesson(entries: readonly RaceEntry[]): Candidate[] {
  return entries.map((e, i) => ({
    label: e.label,
    kind: e.optimizer.kind,
    lr: e.lr,
    color: CANDIDATES[i % CANDIDATES.length].color,
    on: true,
    optimizer: e.optimizer,
  }));
}

const pct = (v: number | null | undefined) =>
  v === null || v === undefined ? '–' : `${(v * 100).toFixed(1)}%`;

/** A lane's progress for the results table: percent while it runs, else how it ended. */
function laneStatus({ run }: RaceLane): string {
  if (run.status === 'running' || run.status === 'starting' || run.status === 'paused')
    return `${Math.round(progressOf(run, Date.now()).fraction * 100)}%${run.status === 'paused' ? ' (paused)' : ''}`;
  if (run.status === 'completed') return 'done';
  return run.status === 'idle' ? '' : run.status;
}

function Results({ lanes, colorOf }: { lanes: RaceLane[]; colorOf(label: string): string }) {
  return (
    <table className="race-results" aria-label="Race results">
      <thead>
        <tr>
          <th scope="col">Optimizer</th>
          <th scope="col" className="num">
            lr
          </th>
          <th scope="col" className="num" title="Training loss over the last epoch">
            loss
          </th>
          <th scope="col" className="num" title="Test accuracy after the last epoch">
            test
          </th>
          <th scope="col">
            <span className="visually-hidden">Progress</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {lanes.map((l) => {
          const last = lastEpoch(l.run);
          const step = ends(l.run.steps.map((s) => s.loss))?.[1];
          return (
            <tr key={l.entry.label} data-testid={`race-${l.entry.label}`}>
              <th scope="row">
                <span className="race-swatch" style={{ background: colorOf(l.entry.label) }} />
                {l.entry.label}
              </th>
              <td className="num">{l.entry.lr}</td>
              <td className="num">{(last?.trainLoss ?? step)?.toFixed(3) ?? '–'}</td>
              <td className="num" data-testid="race-accuracy">
                {pct(last?.testAccuracy)}
              </td>
              <td>{laneStatus(l)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** Why the chosen contestants cannot race, or null when they can. */
function raceProblem(chosen: readonly Candidate[]): string | null {
  if (chosen.length < 2) return 'Pick at least two optimizers.';
  if (chosen.length > MAX_RACE_ENTRIES) return `At most ${MAX_RACE_ENTRIES} optimizers race at once.`;
  return null;
}

/** The contestants on offer: the lesson's when it gives a race, else the defaults; edits are local. */
function useCandidates() {
  const rawLesson = useApp((s) => s.doc.lesson);
  const preset = useMemo(() => lessonOf(rawLesson)?.race, [rawLesson]);
  const [candidates, setCandidates] = useState(() => (preset ? fromLesson(preset) : CANDIDATES));
  useEffect(() => setCandidates(preset ? fromLesson(preset) : CANDIDATES), [preset]);
  const update = (i: number, c: Partial<Candidate>) =>
    setCandidates((all) => all.map((x, j) => (j === i ? { ...x, ...c } : x)));
  return { candidates, update };
}

function ContestantPicker({
  candidates,
  update,
  disabled,
}: {
  candidates: readonly Candidate[];
  update(i: number, c: Partial<Candidate>): void;
  disabled: boolean;
}) {
  return (
    <fieldset
      className="race-entries"
      disabled={disabled}
      aria-label="Contestants"
      title="Every contestant starts from the same weights and sees the same batches in the same order; only the optimizer and its learning rate differ."
    >
      {candidates.map((c, i) => (
        <label key={c.label} className="race-entry">
          <input
            type="checkbox"
            checked={c.on}
            onChange={(e) => update(i, { on: e.target.checked })}
            aria-label={`Race ${c.label}`}
          />
          <span className="race-swatch" style={{ background: c.color }} />
          <span className="race-entry__name">{c.label}</span>
          <input
            type="number"
            step="any"
            min={0}
            value={c.lr}
            aria-label={`${c.label} learning rate`}
            onChange={(e) => Number(e.target.value) > 0 && update(i, { lr: Number(e.target.value) })}
          />
        </label>
      ))}
    </fieldset>
  );
}

function RaceControls({ race, chosen }: { race: RaceState | null; chosen: readonly Candidate[] }) {
  const hasHost = useApp((s) => s.host !== null);
  const singleBusy = useApp((s) => ['starting', 'running', 'paused', 'stopping'].includes(s.training.status));
  const active = raceActive(race);
  // The host pauses a race's runs together; any lane's state stands for all.
  const racePaused = !!race?.lanes.some((l) => l.run.status === 'paused');
  const raceRunning = !!race?.lanes.some((l) => l.run.status === 'running');
  const problem = raceProblem(chosen);
  return (
    <div className="training-run__controls">
      {active ? (
        <>
          <button
            type="button"
            disabled={!racePaused && !raceRunning}
            onClick={() => void setRacePaused(!racePaused)}
          >
            {racePaused ? 'Resume race' : 'Pause race'}
          </button>
          <button type="button" className="danger-button" onClick={() => void stopRace()}>
            Stop race
          </button>
        </>
      ) : (
        <button
          type="button"
          className="primary"
          disabled={!hasHost || problem !== null || singleBusy}
          onClick={() => void startRace(chosen.map(toEntry))}
        >
          Start race
        </button>
      )}
      <span className="muted">
        {problem ??
          race?.message ??
          (active
            ? 'Racing: same initial weights, same batches, only the optimizer differs.'
            : 'Same start and batches for all; only the optimizer differs (momentum β = 0.9).')}
      </span>
    </div>
  );
}

/** One chart line per contestant, in its colour and with its own dash. */
function useLaneSeries(lanes: readonly RaceLane[], candidates: readonly Candidate[]) {
  const series = useMemo<ChartSeries[]>(
    () =>
      lanes.map((l, i) => ({
        label: l.entry.label,
        color: colorIn(candidates, l.entry.label),
        // A dash per contestant, so the lines are told apart without colour too.
        dash: LANE_DASHES[i % LANE_DASHES.length],
        width: 1.5,
        points: false,
      })),
    [lanes, candidates],
  );
  const accSeries = useMemo(() => series.map((s) => ({ ...s, points: true })), [series]);
  return { series, accSeries };
}

/** The charts' text alternative: each contestant's latest value. */
function describeLanes(lanes: readonly RaceLane[], what: string, values: (number | null)[][], unit: string) {
  return (
    `${what}: ` +
    lanes
      .map((l, i) => {
        const e = ends(values[i] ?? []);
        return e ? `${l.entry.label} ${e[1].toFixed(unit ? 1 : 3)}${unit}` : `${l.entry.label} –`;
      })
      .join(', ')
  );
}

function RaceCharts({ race, candidates }: { race: RaceState; candidates: readonly Candidate[] }) {
  const theme = useApp((s) => s.theme);
  const docName = useApp((s) => s.doc.name);
  const epochs = useApp((s) => s.trainingSetup.config.epochs);
  const charts = useRef<HTMLDivElement>(null);
  const raceEpochs = race.lanes[0]?.run.config?.epochs ?? epochs;
  const xRange = useMemo<[number, number]>(() => [0, raceEpochs], [raceEpochs]);
  const lanes = race.lanes;
  const loss = useMemo(() => raceLossCurves(lanes), [lanes]);
  const accuracy = useMemo(() => raceAccuracyCurves(lanes), [lanes]);
  const { series, accSeries } = useLaneSeries(lanes, candidates);
  const hasPoints = lanes.some((l) => l.run.epochs.length + l.run.steps.length > 0);
  return (
    <>
      <div className="training-charts" ref={charts}>
        <figure className="chart-figure">
          <figcaption>Training loss (smoothed)</figcaption>
          <UPlotChart
            curves={loss}
            series={series}
            xLabel="epoch"
            yLabel="loss"
            xRange={xRange}
            theme={theme}
            testId="race-loss-chart"
            empty="Each optimizer’s loss appears here as it trains."
            description={describeLanes(lanes, 'Training loss', loss.series, '')}
          />
        </figure>
        <figure className="chart-figure">
          <figcaption>Test accuracy</figcaption>
          <UPlotChart
            curves={accuracy}
            series={accSeries}
            xLabel="epoch"
            yLabel="%"
            yRange={[0, 100]}
            xRange={xRange}
            integerX
            theme={theme}
            testId="race-accuracy-chart"
            empty="Measured after every epoch; epoch 0 is the shared start."
            description={describeLanes(lanes, 'Test accuracy', accuracy.series, '%')}
          />
        </figure>
        <figure className="chart-figure">
          <figcaption>Results</figcaption>
          <Results lanes={lanes} colorOf={(label) => colorIn(candidates, label)} />
        </figure>
        <RaceTrajectory
          race={race}
          colorOf={(label) => colorIn(candidates, label)}
          theme={theme}
          name={docName}
        />
      </div>
      <div className="button-row">
        <button
          type="button"
          disabled={!hasPoints}
          onClick={() => downloadText(`${fileSlug(docName)}-race.csv`, raceCsv(lanes), 'text/csv')}
        >
          Race CSV
        </button>
        <button
          type="button"
          disabled={!hasPoints}
          onClick={() => exportRacePng(charts.current, lanes, candidates, docName)}
        >
          Charts PNG
        </button>
      </div>
    </>
  );
}

export function TrainingRace() {
  const race = useApp((s) => s.race);
  const { candidates, update } = useCandidates();
  return (
    <div className="training-race">
      <ContestantPicker candidates={candidates} update={update} disabled={raceActive(race)} />
      <RaceControls race={race} chosen={candidates.filter((c) => c.on)} />
      {race && <RaceCharts race={race} candidates={candidates} />}
    </div>
  );
}
