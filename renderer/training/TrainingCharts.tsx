// Live charts of the followed run: loss and accuracy (per step while an epoch runs, per epoch for
// train and test, epoch 0 being the untrained network) and each layer's gradient norm per epoch on
// a log scale. Each chart also says in words what it shows.
import { useMemo, useState } from 'react';
import { UPlotChart } from './UPlotChart.tsx';
import type { ChartSeries } from './UPlotChart.tsx';
import { selectAnalysis, useApp } from '../state/appStore.ts';
import type { Curves } from './curves.ts';
import { accuracyCurves, ends, gradientByLayer, gradientCurves, lossCurves } from './curves.ts';
import { formatSci } from '../components/gradientColor.ts';
import { cycleDash, QUALITATIVE, qualitative } from '../components/palette.ts';

// Train and test also differ by dots and dashes, not by colour alone.
const TRAIN = QUALITATIVE[0];
const TEST = QUALITATIVE[4];
const LOSS_SERIES: ChartSeries[] = [
  { label: 'train (per step)', color: TRAIN, width: 1 },
  { label: 'train (epoch)', color: TRAIN, points: true, dash: [4, 3], width: 1.5 },
  { label: 'test', color: TEST, points: true, width: 2 },
];
const ACCURACY_SERIES: ChartSeries[] = [
  { label: 'train (running)', color: TRAIN, width: 1 },
  { label: 'train (epoch)', color: TRAIN, points: true, dash: [4, 3], width: 1.5 },
  { label: 'test', color: TEST, points: true, width: 2 },
];
/** Per-layer lines: colour-blind-safe colours, dashed once the colours run out. */
export const layerColor = qualitative;

const fmt = (v: number, digits = 3) => v.toFixed(digits);

function describe(what: string, curves: Curves, labels: string[], unit = ''): string {
  const parts = labels.flatMap((label, i) => {
    const e = ends(curves.series[i]);
    return e ? [`${label} ${fmt(e[0], unit ? 1 : 3)}${unit} → ${fmt(e[1], unit ? 1 : 3)}${unit}`] : [];
  });
  return parts.length ? `${what}: ${parts.join('; ')}` : `${what}: no data yet`;
}

/** Layers with parameters, in execution order, as the gradient chart and CSV list them. */
export function useTrainableLayers(): { id: string; name: string }[] {
  const graph = useApp((s) => s.doc.graph);
  const analysis = useApp(selectAnalysis);
  return useMemo(
    () =>
      analysis.order
        .filter((id) => (analysis.nodes.get(id)?.trainableParams ?? 0) > 0)
        .map((id) => ({ id, name: graph.nodes.find((n) => n.id === id)?.name ?? id })),
    [graph, analysis],
  );
}

/** Epoch lines from light (early) to dark (latest). */
const epochColor = (i: number, n: number) => `hsl(220, 75%, ${n <= 1 ? 45 : 72 - (i / (n - 1)) * 34}%)`;

function GradientChart({ theme }: { theme: string }) {
  const run = useApp((s) => s.training);
  const layers = useTrainableLayers();
  const [byLayer, setByLayer] = useState(true);
  const ids = useMemo(() => layers.map((l) => l.id), [layers]);
  const overEpochs = useMemo(() => gradientCurves(run, ids), [run, ids]);
  const perLayer = useMemo(() => gradientByLayer(run, ids), [run, ids]);
  const epochKey = perLayer.epochs.join(',');
  const layerSeries = useMemo<ChartSeries[]>(
    () =>
      layers.map((l, i) => ({
        label: l.name,
        color: layerColor(i),
        dash: cycleDash(i),
        points: true,
        width: 1.5,
      })),
    [layers],
  );
  const epochSeries = useMemo<ChartSeries[]>(
    () =>
      epochKey
        .split(',')
        .filter(Boolean)
        .map((e, i, all) => ({
          label: `epoch ${e}`,
          color: epochColor(i, all.length),
          points: true,
          width: i === all.length - 1 ? 2 : 1.2,
        })),
    [epochKey],
  );
  const latest = overEpochs.x.length ? overEpochs.x.at(-1) : null;
  const words = layers.map((l, i) => `${l.name} ${formatSci(overEpochs.series[i].at(-1))}`).join(', ');
  return (
    <figure className="chart-figure" data-chart="gradients">
      <figcaption>
        Gradient norms
        <span className="chart-switch" role="group" aria-label="Gradient chart view">
          <button type="button" className="toggle" aria-pressed={byLayer} onClick={() => setByLayer(true)}>
            by layer
          </button>
          <button type="button" className="toggle" aria-pressed={!byLayer} onClick={() => setByLayer(false)}>
            by epoch
          </button>
        </span>
      </figcaption>
      <UPlotChart
        curves={byLayer ? perLayer.curves : overEpochs}
        series={byLayer ? epochSeries : layerSeries}
        xLabel={byLayer ? 'layer (1 = next to the input)' : 'epoch'}
        yLabel="‖∇W‖ (log)"
        log
        integerX
        theme={theme}
        testId="gradient-chart"
        empty="Each layer’s gradient norm appears after the first epoch."
        description={
          latest === null
            ? 'Gradient norms: no epoch yet'
            : `Gradient norm per layer after epoch ${latest}: ${words}`
        }
      />
    </figure>
  );
}

export function TrainingCharts() {
  const run = useApp((s) => s.training);
  const theme = useApp((s) => s.theme);
  const loss = useMemo(() => lossCurves(run), [run]);
  const accuracy = useMemo(() => accuracyCurves(run), [run]);
  const epochs = run.config?.epochs ?? 1;
  const xRange = useMemo<[number, number]>(() => [0, epochs], [epochs]);
  // The untrained baseline has no accuracy when the targets are numbers (regression).
  const regression = run.epochs.some(
    (e) => e.epoch === 0 && e.trainAccuracy === null && e.testAccuracy === null,
  );

  return (
    <div className="training-charts">
      <figure className="chart-figure" data-chart="loss">
        <figcaption>Loss</figcaption>
        <UPlotChart
          curves={loss}
          series={LOSS_SERIES}
          xLabel="epoch"
          yLabel="loss"
          xRange={xRange}
          theme={theme}
          testId="loss-chart"
          empty="The loss of every batch appears here while training."
          description={describe('Loss', loss, ['train per step', 'train per epoch', 'test'])}
        />
      </figure>
      <figure className="chart-figure" data-chart="accuracy">
        <figcaption>Accuracy</figcaption>
        {regression ? (
          <p className="muted chart-note">
            This data set’s targets are numbers, so there is no accuracy: the test loss is the measure.
          </p>
        ) : (
          <UPlotChart
            curves={accuracy}
            series={ACCURACY_SERIES}
            xLabel="epoch"
            yLabel="%"
            yRange={[0, 100]}
            xRange={xRange}
            theme={theme}
            testId="accuracy-chart"
            empty="Train and test accuracy; epoch 0 is the untrained network."
            description={describe('Accuracy', accuracy, ['train running', 'train per epoch', 'test'], '%')}
          />
        )}
      </figure>
      <GradientChart theme={theme} />
    </div>
  );
}

export const CHART_LEGENDS: Record<string, ChartSeries[]> = { loss: LOSS_SERIES, accuracy: ACCURACY_SERIES };
