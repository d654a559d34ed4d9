// The optimizer race's paths through weight space, projected on the two directions that explain
// most of their movement (trajectory.ts). Drawn as SVG in screen pixels (so the
// text stays 13px whatever the width), one line per contestant in its loss-curve colour, with a
// different end marker for each (colour is not the only cue), dots at epoch ends, and the shared
// start θ₀ at the origin. Exports as CSV (the projected points) and PNG.
import { useEffect, useMemo, useRef, useState } from 'react';
import { downloadUrl } from '../../components/download.ts';
import { downloadText, fileSlug } from '../../components/files.ts';
import type { RaceState } from './race.ts';
import type { Gram, TrajectoryPlot } from './trajectory.ts';
import { axisLabel, extendGram, niceTicks, projectTrajectories, trajectoryCsv } from './trajectory.ts';
import './raceTrajectory.css';

const HEIGHT = 300;
const MARGIN = { left: 58, right: 16, top: 14, bottom: 46 };
const FONT = '13px system-ui, sans-serif';

type Shape = 'circle' | 'square' | 'triangle' | 'diamond';
const SHAPES: Shape[] = ['circle', 'square', 'triangle', 'diamond'];
// Contestants often share a stretch of path (Momentum and Heavy ball, until the rate changes):
// each later line is thinner or dashed, so the one beneath still shows.
const STROKES = [
  { width: 5, dash: undefined },
  { width: 3, dash: '9 5' },
  { width: 2.5, dash: undefined },
  { width: 2, dash: '3 3' },
];

function Marker({
  shape,
  x,
  y,
  r,
  color,
  outline,
}: {
  shape: Shape;
  x: number;
  y: number;
  r: number;
  color: string;
  outline: string;
}) {
  const common = { fill: color, stroke: outline, strokeWidth: 1.5 };
  switch (shape) {
    case 'circle':
      return <circle cx={x} cy={y} r={r} {...common} />;
    case 'square':
      return <rect x={x - r * 0.9} y={y - r * 0.9} width={r * 1.8} height={r * 1.8} {...common} />;
    case 'triangle':
      return (
        <polygon
          points={`${x},${y - r * 1.15} ${x + r},${y + r * 0.75} ${x - r},${y + r * 0.75}`}
          {...common}
        />
      );
    case 'diamond':
      return (
        <polygon
          points={`${x},${y - r * 1.2} ${x + r * 1.2},${y} ${x},${y + r * 1.2} ${x - r * 1.2},${y}`}
          {...common}
        />
      );
  }
}

/** Tick text short enough for the axis: 3 significant digits, no trailing zeros. */
const tickText = (t: number) => (t === 0 ? '0' : Number(t.toPrecision(3)).toString());

function useWidth(): [React.RefObject<HTMLDivElement | null>, number] {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(400);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setWidth(Math.max(200, Math.floor(el.clientWidth))));
    observer.observe(el);
    setWidth(Math.max(200, Math.floor(el.clientWidth)));
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}

function themeColors(el: Element | null): Colors {
  const style = el ? getComputedStyle(el) : null;
  const pick = (name: string, fallback: string) => style?.getPropertyValue(name).trim() || fallback;
  return {
    text: pick('--text', '#222'),
    muted: pick('--muted', '#666'),
    grid: pick('--border', '#ccc'),
    bg: pick('--panel', '#fff'),
  };
}

function describe(plot: TrajectoryPlot, labels: readonly string[]): string {
  const [a, b] = plot.explained.map((s) => Math.round(s * 100));
  const ends = plot.lines
    .filter((l) => l.x.length > 0)
    .map((l) => {
      const i = l.x.length - 1;
      return `${labels[l.lane]} ${l.x.length} points, now at (${tickText(l.x[i])}, ${tickText(l.y[i])})`;
    });
  return `Parameter trajectories from the shared start at the origin; PC1 explains ${a}% and PC2 ${b}% of the movement. ${ends.join('; ')}.`;
}

interface Colors {
  text: string;
  muted: string;
  grid: string;
  bg: string;
}

/** Screen coordinates of the plot: both axes span the points and the origin, with a margin. */
function plotScales(plot: TrajectoryPlot, width: number) {
  const all = plot.lines.flatMap((l) => l.x.map((x, i) => [x, l.y[i]] as const));
  const span = (v: number[]) => {
    const lo = Math.min(0, ...v);
    const hi = Math.max(0, ...v);
    const pad = (hi - lo || 1) * 0.06;
    return [lo - pad, hi + pad] as const;
  };
  const [x0, x1] = span(all.map(([x]) => x));
  const [y0, y1] = span(all.map(([, y]) => y));
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  return {
    plotW,
    plotH,
    sx: (x: number) => MARGIN.left + ((x - x0) / (x1 - x0)) * plotW,
    sy: (y: number) => MARGIN.top + (1 - (y - y0) / (y1 - y0)) * plotH,
    xTicks: niceTicks(x0, x1, Math.max(3, Math.round(plotW / 90))),
    yTicks: niceTicks(y0, y1, 5),
  };
}
type Scales = ReturnType<typeof plotScales>;

interface PngExport {
  svg: SVGSVGElement;
  width: number;
  colors: Colors;
  name: string;
  plot: TrajectoryPlot;
  labels: readonly string[];
  colorOf(label: string): string;
}

/** Draws the legend's line samples and names into the exported picture, left to right. */
function drawLegend(ctx: CanvasRenderingContext2D, y: number, { plot, labels, colorOf, colors }: PngExport) {
  let x = MARGIN.left;
  for (const l of plot.lines) {
    const stroke = STROKES[l.lane % STROKES.length];
    ctx.strokeStyle = colorOf(labels[l.lane]);
    ctx.lineWidth = Math.min(4, stroke.width);
    ctx.setLineDash(stroke.dash ? stroke.dash.split(' ').map(Number) : []);
    ctx.beginPath();
    ctx.moveTo(x, y - 5);
    ctx.lineTo(x + 26, y - 5);
    ctx.stroke();
    ctx.fillStyle = colors.text;
    ctx.fillText(labels[l.lane], x + 32, y);
    x += 32 + ctx.measureText(labels[l.lane]).width + 20;
  }
}

function exportPng(png: PngExport): void {
  const { width, colors, name } = png;
  const scale = window.devicePixelRatio || 1;
  const text = new XMLSerializer().serializeToString(png.svg);
  const url = URL.createObjectURL(new Blob([text], { type: 'image/svg+xml' }));
  const image = new Image();
  // The title and the legend (HTML on the page) are drawn in, so the picture stands alone.
  const TITLE = 26;
  const LEGEND = 30;
  image.onload = () => {
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round((TITLE + HEIGHT + LEGEND) * scale);
    const ctx = canvas.getContext('2d')!;
    ctx.scale(scale, scale);
    ctx.fillStyle = colors.bg;
    ctx.fillRect(0, 0, width, TITLE + HEIGHT + LEGEND);
    ctx.fillStyle = colors.text;
    ctx.font = `600 ${FONT}`;
    ctx.fillText(`Parameter trajectory (PCA): ${name}`, 8, 18);
    ctx.drawImage(image, 0, TITLE, width, HEIGHT);
    ctx.font = FONT;
    drawLegend(ctx, TITLE + HEIGHT + 18, png);
    URL.revokeObjectURL(url);
    downloadUrl(`${fileSlug(name)}-race-trajectory.png`, canvas.toDataURL('image/png'));
  };
  image.src = url;
}

/** The projected paths, extended incrementally as points arrive. */
function useTrajectoryPlot(race: RaceState) {
  const gram = useRef<Gram | null>(null);
  const labels = useMemo(() => race.lanes.map((l) => l.entry.label), [race.lanes]);
  const plot = useMemo(() => {
    // Only the rows of points that arrived since the last picture are computed.
    gram.current = extendGram(
      gram.current,
      race.trajectory.map((p) => p.values),
    );
    return projectTrajectories(race.trajectory, race.lanes.length, gram.current);
  }, [race.trajectory, race.lanes.length]);
  return { labels, plot };
}

function TrajectoryAxes({
  scales,
  plot,
  width,
  colors,
}: {
  scales: Scales;
  plot: TrajectoryPlot;
  width: number;
  colors: Colors;
}) {
  const { sx, sy, plotW, plotH } = scales;
  return (
    <>
      <rect x={0} y={0} width={width} height={HEIGHT} fill={colors.bg} />
      {scales.xTicks.map((t) => (
        <g key={`x${t}`}>
          <line x1={sx(t)} x2={sx(t)} y1={MARGIN.top} y2={MARGIN.top + plotH} stroke={colors.grid} />
          <text x={sx(t)} y={MARGIN.top + plotH + 16} fill={colors.muted} textAnchor="middle">
            {tickText(t)}
          </text>
        </g>
      ))}
      {scales.yTicks.map((t) => (
        <g key={`y${t}`}>
          <line x1={MARGIN.left} x2={MARGIN.left + plotW} y1={sy(t)} y2={sy(t)} stroke={colors.grid} />
          <text x={MARGIN.left - 6} y={sy(t) + 4} fill={colors.muted} textAnchor="end">
            {tickText(t)}
          </text>
        </g>
      ))}
      <text x={MARGIN.left + plotW / 2} y={HEIGHT - 8} fill={colors.text} textAnchor="middle">
        {axisLabel(1, plot.explained[0])}
      </text>
      <text
        transform={`translate(14 ${MARGIN.top + plotH / 2}) rotate(-90)`}
        fill={colors.text}
        textAnchor="middle"
      >
        {axisLabel(2, plot.explained[1])}
      </text>
    </>
  );
}

function TrajectoryLines({
  scales,
  plot,
  labels,
  colorOf,
  colors,
  stepsPerEpoch,
  empty,
}: {
  scales: Scales;
  plot: TrajectoryPlot;
  labels: readonly string[];
  colorOf(label: string): string;
  colors: Colors;
  stepsPerEpoch: number;
  empty: boolean;
}) {
  const { sx, sy } = scales;
  return (
    <>
      {plot.lines.map((l) => {
        const color = colorOf(labels[l.lane]);
        return (
          <g key={l.lane} data-lane={labels[l.lane]}>
            <polyline
              points={l.x.map((x, i) => `${sx(x).toFixed(1)},${sy(l.y[i]).toFixed(1)}`).join(' ')}
              fill="none"
              stroke={color}
              strokeWidth={STROKES[l.lane % STROKES.length].width}
              strokeDasharray={STROKES[l.lane % STROKES.length].dash}
              strokeLinejoin="round"
            />
            {l.step.map((st, i) =>
              stepsPerEpoch > 0 && st > 0 && st % stepsPerEpoch === 0 && i < l.x.length - 1 ? (
                <circle key={st} cx={sx(l.x[i])} cy={sy(l.y[i])} r={3.5} fill={color} />
              ) : null,
            )}
          </g>
        );
      })}
      {/* End markers over every line, so a later line never hides an earlier one's end. */}
      {plot.lines.map((l) =>
        l.x.length > 1 ? (
          <Marker
            key={l.lane}
            shape={SHAPES[l.lane % SHAPES.length]}
            x={sx(l.x.at(-1)!)}
            y={sy(l.y.at(-1)!)}
            r={6}
            color={colorOf(labels[l.lane])}
            outline={colors.bg}
          />
        ) : null,
      )}
      {!empty && (
        <g>
          <circle cx={sx(0)} cy={sy(0)} r={6} fill={colors.bg} stroke={colors.text} strokeWidth={2} />
          <text x={sx(0) + 10} y={sy(0) + 20} fill={colors.text}>
            start θ₀
          </text>
        </g>
      )}
    </>
  );
}

function TrajectoryLegend({
  race,
  plot,
  labels,
  colorOf,
  colors,
}: {
  race: RaceState;
  plot: TrajectoryPlot;
  labels: readonly string[];
  colorOf(label: string): string;
  colors: Colors;
}) {
  return (
    <ul className="race-trajectory__legend" aria-label="Trajectory legend">
      {plot.lines.map((l) => (
        <li key={l.lane}>
          <svg width={34} height={16} aria-hidden="true">
            <line
              x1={1}
              x2={26}
              y1={8}
              y2={8}
              stroke={colorOf(labels[l.lane])}
              strokeWidth={Math.min(4, STROKES[l.lane % STROKES.length].width)}
              strokeDasharray={STROKES[l.lane % STROKES.length].dash}
            />
            <Marker
              shape={SHAPES[l.lane % SHAPES.length]}
              x={26}
              y={8}
              r={5}
              color={colorOf(labels[l.lane])}
              outline={colors.bg}
            />
          </svg>
          {labels[l.lane]}
        </li>
      ))}
      <li className="race-trajectory__note">
        dots: epoch ends ·{' '}
        {race.sketched
          ? `count-sketched to ${race.trajectory[0]?.values.length ?? 0} numbers`
          : 'exact weights'}
      </li>
    </ul>
  );
}

export function RaceTrajectory({
  race,
  colorOf,
  theme,
  name,
}: {
  race: RaceState;
  colorOf(label: string): string;
  theme: string;
  /** The model's name, for the exported files. */
  name: string;
}) {
  const [box, width] = useWidth();
  const svg = useRef<SVGSVGElement>(null);
  const { labels, plot } = useTrajectoryPlot(race);
  // Theme colours are read from the page once per theme, so the SVG is self-contained for export.
  const [colors, setColors] = useState(() => themeColors(null));
  useEffect(() => setColors(themeColors(box.current)), [theme, box]);

  const stepsPerEpoch = race.lanes[0]?.run.info?.stepsPerEpoch ?? 0;
  const scales = plotScales(plot, width);
  // Until a contestant has moved, there is only the shared start to show.
  const empty = plot.lines.every((l) => l.x.length < 2);

  const exportCsv = () =>
    downloadText(`${fileSlug(name)}-race-trajectory.csv`, trajectoryCsv(plot, labels), 'text/csv');
  const onExportPng = () => {
    if (svg.current) exportPng({ svg: svg.current, width, colors, name, plot, labels, colorOf });
  };

  return (
    <figure className="chart-figure race-trajectory" data-chart="trajectory">
      <figcaption>
        <span>Parameter trajectory (PCA)</span>
        <span className="race-trajectory__exports">
          <button type="button" disabled={empty} onClick={exportCsv}>
            CSV
          </button>
          <button type="button" disabled={empty} onClick={onExportPng}>
            PNG
          </button>
        </span>
      </figcaption>
      <div className="race-trajectory__box" ref={box}>
        <svg
          ref={svg}
          xmlns="http://www.w3.org/2000/svg"
          width={width}
          height={HEIGHT}
          viewBox={`0 0 ${width} ${HEIGHT}`}
          role="img"
          aria-label={empty ? 'Parameter trajectories: none yet.' : describe(plot, labels)}
          data-testid="race-trajectory-chart"
          data-points={plot.lines.map((l) => `${labels[l.lane]}:${l.x.length}`).join(';')}
          data-explained={plot.explained.map((s) => s.toFixed(4)).join(',')}
          // Type follows the app's scale, so the chart grows with Presentation mode like the rest.
          style={{ font: 'var(--fs-body) system-ui, sans-serif' }}
        >
          <TrajectoryAxes scales={scales} plot={plot} width={width} colors={colors} />
          <TrajectoryLines
            scales={scales}
            plot={plot}
            labels={labels}
            colorOf={colorOf}
            colors={colors}
            stepsPerEpoch={stepsPerEpoch}
            empty={empty}
          />
        </svg>
        {empty && (
          <p className="race-trajectory__empty">
            Each optimizer’s path through weight space appears here as it trains.
          </p>
        )}
      </div>
      <TrajectoryLegend race={race} plot={plot} labels={labels} colorOf={colorOf} colors={colors} />
    </figure>
  );
}
