// A uPlot line chart as a React component: created once per configuration (series, scale, theme),
// fed new data with setData, and resized with its container. The canvas is described in words
// through `description` (aria-label), since a screen reader cannot read a plot.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Curves } from './curves.ts';
import { logTick } from '../components/gradientColor.ts';
import { useApp } from '../state/appStore.ts';

export interface ChartSeries {
  label: string;
  color: string;
  /** Dots for sparse series (one value per epoch); a line only for dense ones. */
  points?: boolean;
  dash?: number[];
  width?: number;
}

interface Props {
  curves: Curves;
  series: readonly ChartSeries[];
  xLabel: string;
  yLabel: string;
  log?: boolean;
  /** Fixed y range (accuracy 0..100). */
  yRange?: [number, number];
  /** Fixed x range (0 .. epochs, so a run fills the chart as it goes). */
  xRange?: [number, number];
  /** Whole-number x ticks (layer positions, epochs). */
  integerX?: boolean;
  /** Text shown over the chart while there is nothing to plot. */
  empty?: string;
  height?: number;
  theme: string;
  description: string;
  testId?: string;
}

/** A theme colour as the chart's own element sees it (the app's theme attribute is set on render,
 *  before effects run; the document root's is set later, by the App's effect). */
function cssVar(el: Element, name: string): string {
  return getComputedStyle(el).getPropertyValue(name).trim() || '#888';
}

/** The app's small type size in px: a canvas cannot use rem, so axis text follows the root size
 *  (larger in presentation mode) through this. 0.9231rem is --fs-small in styles.css. */
function smallFontPx(): number {
  const root = parseFloat(getComputedStyle(document.documentElement).fontSize) || 13;
  return Math.max(12, Math.round(root * 0.9231));
}

function toAligned(c: Curves): uPlot.AlignedData {
  return [c.x, ...c.series] as uPlot.AlignedData;
}

/** What the chart looks like, apart from its data: a change to any of these rebuilds the chart. */
type ChartLook = Omit<Props, 'curves' | 'empty' | 'description' | 'testId'>;

/** uPlot's options for a chart in `el`, in the theme's colours and the app's type size. */
function chartOptions(el: HTMLElement, look: ChartLook, presentation: boolean): uPlot.Options {
  const { series, xLabel, yLabel, log, yRange, xRange, integerX, height = 150 } = look;
  const text = cssVar(el, '--muted');
  const grid = cssVar(el, '--border');
  const fontPx = smallFontPx();
  const font = `${fontPx}px system-ui, sans-serif`;
  // Thicker lines and larger plots for a projector; the scale is the root size's growth.
  const scale = presentation ? 1.5 : 1;
  const axis = (label: string, more: Partial<uPlot.Axis> = {}): uPlot.Axis => ({
    label,
    stroke: text,
    grid: { stroke: grid, width: 1 },
    ticks: { stroke: grid, width: 1, size: 4 },
    labelSize: fontPx + 6,
    size: Math.round(fontPx * 3.6),
    font,
    labelFont: font,
    ...more,
  });
  return {
    width: Math.max(120, el.clientWidth),
    height: Math.round(height * (presentation ? 1.25 : 1)),
    scales: {
      x: xRange ? { time: false, range: xRange } : { time: false },
      y: log ? { distr: 3 } : yRange ? { range: yRange } : {},
    },
    axes: [
      axis(xLabel, integerX ? { incrs: [1, 2, 5, 10, 20, 50, 100] } : {}),
      // uPlot writes 1e-5 as "0" on a log axis; say it in powers of ten.
      axis(
        yLabel,
        log
          ? { values: (_u, ticks) => ticks.map((t) => (t === null || t === undefined ? '' : logTick(t))) }
          : {},
      ),
    ],
    series: [
      { label: xLabel },
      ...series.map((s) => ({
        label: s.label,
        stroke: s.color,
        width: (s.width ?? 1.5) * scale,
        dash: s.dash,
        spanGaps: true,
        points: { show: s.points ?? false, size: 6 * scale, fill: s.color },
      })),
    ],
    legend: { show: true, live: false },
    cursor: { drag: { x: false, y: false } },
  };
}

export function UPlotChart({ curves, empty, description, testId, ...look }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef(curves);
  latest.current = curves;
  const presentation = useApp((s) => s.presentation);
  const config = JSON.stringify({ ...look, presentation });

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const opts = chartOptions(el, look, presentation);
    const plotHeight = opts.height;
    const chart = new uPlot(opts, toAligned(latest.current), el);
    plot.current = chart;
    const resize = new ResizeObserver(() =>
      chart.setSize({ width: Math.max(120, el.clientWidth), height: plotHeight }),
    );
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = null;
    };
    // `config` stands for every option above; data changes go through setData below.
  }, [config]);

  useEffect(() => {
    plot.current?.setData(toAligned(curves));
  }, [curves]);

  return (
    <div className="chart-box">
      <div
        className="chart"
        ref={box}
        role="img"
        aria-label={description}
        data-testid={testId}
        data-points={curves.x.length}
      />
      {empty && curves.series.every((v) => v.every((y) => y === null)) && (
        <p className="chart-empty">{empty}</p>
      )}
    </div>
  );
}
