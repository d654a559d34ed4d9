// The confusion matrix of the followed run on its test set, and the mistakes behind it: by default
// the ones the network was surest of, or those of a clicked cell ("true 4 → predicted 9").
// Measured by the host (evaluateRun) when the run ends and after every epoch while it trains.
import { useEffect, useRef, useState } from 'react';
import type { Evaluation, Misclassified } from '../../protocol/evaluation.ts';
import { downloadText, fileSlug } from '../components/files.ts';
import { useApp } from '../state/appStore.ts';
import { EVALUATION_EXAMPLES, useRunEvaluation } from './evaluation.ts';
import { confusionCsv, shareColor, shareGradient } from './confusion.ts';
import './confusion.css';

const pct = (v: number) => (v < 0.005 ? '<1%' : `${Math.round(v * 100)}%`);
const ratePct = (v: number | null) => (v === null ? '–' : `${Math.round(v * 100)}%`);

interface Cell {
  trueClass: number;
  predicted: number;
}

/** A sample as the user knows it: an image (grey or RGB, C×H×W) or a 2-D point. */
function SampleImage({ values, shape }: { values: number[]; shape: number[] }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const [c, h, w] = shape;
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx || shape.length !== 3) return;
    const img = ctx.createImageData(w, h);
    const byte = (v: number) => Math.round(Math.min(1, Math.max(0, v)) * 255);
    for (let i = 0; i < w * h; i++) {
      // One channel: dark ink on light paper, as in the dataset preview.
      const rgb = c >= 3 ? [0, 1, 2].map((k) => byte(values[k * w * h + i])) : [255 - byte(values[i])];
      img.data.set(rgb.length === 3 ? [...rgb, 255] : [rgb[0], rgb[0], rgb[0], 255], i * 4);
    }
    ctx.putImageData(img, 0, 0);
  }, [values, shape.length, c, h, w]);
  if (shape.length !== 3)
    return <span className="mistake__point">({values.map((v) => v.toFixed(2)).join(', ')})</span>;
  return <canvas ref={ref} width={w} height={h} className="mistake__image" />;
}

function Mistake({ m, names, shape }: { m: Misclassified; names: string[]; shape: number[] }) {
  const text = `true ${names[m.trueClass]} → predicted ${names[m.predicted]} (${pct(m.pPredicted)})`;
  return (
    <figure
      className="mistake"
      data-testid="mistake"
      data-true={m.trueClass}
      data-predicted={m.predicted}
      aria-label={text}
    >
      <SampleImage values={m.values} shape={shape} />
      <figcaption>
        <span>
          true <strong>{names[m.trueClass]}</strong> →
        </span>
        <span>
          predicted <strong>{names[m.predicted]}</strong> ({pct(m.pPredicted)})
        </span>
        <span
          className="muted"
          title={`The network gave the right class, ${names[m.trueClass]}, ${pct(m.pTrue)}; test sample #${m.index}`}
        >
          p({names[m.trueClass]}) {pct(m.pTrue)} · #{m.index}
        </span>
      </figcaption>
    </figure>
  );
}

function MatrixTable({
  e,
  cell,
  onPick,
}: {
  e: Evaluation;
  cell: Cell | null;
  onPick: (c: Cell | null) => void;
}) {
  const names = e.classNames;
  const rowSums = e.matrix.map((row) => row.reduce((a, b) => a + b, 0));
  return (
    <table className="confusion" aria-label="Confusion matrix" data-testid="confusion-matrix">
      <thead>
        <tr>
          <th className="confusion__corner" scope="col">
            true ↓ predicted →
          </th>
          {names.map((n, p) => (
            <th key={p} scope="col" className="confusion__label" title={`predicted ${n}`}>
              {n}
            </th>
          ))}
          <th scope="col" className="confusion__rate" title="Recall: the share of each true class found">
            recall
          </th>
        </tr>
      </thead>
      <tbody>
        {e.matrix.map((row, t) => (
          <tr key={t}>
            <th scope="row" className="confusion__label" title={`true ${names[t]}`}>
              {names[t]}
            </th>
            {row.map((count, p) => {
              const share = rowSums[t] ? count / rowSums[t] : 0;
              const color = shareColor(share);
              const diagonal = t === p;
              const picked = cell?.trueClass === t && cell.predicted === p;
              const label = `true ${names[t]}, predicted ${names[p]}: ${count} of ${rowSums[t]}`;
              const classes = [
                'confusion__cell',
                diagonal && 'confusion__cell--diagonal',
                picked && 'is-picked',
              ];
              return (
                <td
                  key={p}
                  className={classes.filter(Boolean).join(' ')}
                  style={color ?? undefined}
                  data-true={t}
                  data-predicted={p}
                  data-count={count}
                >
                  {!diagonal && count > 0 ? (
                    <button
                      type="button"
                      aria-label={`${label}; show these mistakes`}
                      aria-pressed={picked}
                      title={`${label} (${pct(share)} of the ${names[t]}s); click for the examples`}
                      onClick={() => onPick(picked ? null : { trueClass: t, predicted: p })}
                    >
                      {count}
                    </button>
                  ) : (
                    <span title={label}>{count > 0 ? count : ''}</span>
                  )}
                </td>
              );
            })}
            <td className="confusion__rate">{ratePct(e.recall[t])}</td>
          </tr>
        ))}
        <tr>
          <th scope="row" className="confusion__rate" title="Precision: how often each prediction was right">
            precision
          </th>
          {e.precision.map((v, p) => (
            <td key={p} className="confusion__rate">
              {ratePct(v)}
            </td>
          ))}
          <td />
        </tr>
      </tbody>
    </table>
  );
}

/** The mistakes of one clicked cell, asked for the weights the matrix shows. */
function useCellExamples(key: string | null, cell: Cell | null) {
  const host = useApp((s) => s.host);
  const runId = useApp((s) => s.training.runId);
  const [examples, setExamples] = useState<{ key: string; e: Evaluation } | null>(null);
  const cellKey = key && cell ? `${key}|${cell.trueClass}|${cell.predicted}` : null;
  useEffect(() => {
    if (!host || !cellKey || !cell || !runId) return;
    let live = true;
    host.evaluateRun(runId, { examples: EVALUATION_EXAMPLES, cell }).then(
      (e) => live && setExamples({ key: cellKey, e }),
      () => undefined,
    );
    return () => {
      live = false;
    };
    // cellKey names the cell; the cell object itself is new on every click.
  }, [host, cellKey, runId]);
  return examples && cellKey && examples.key === cellKey ? examples.e : null;
}

export function ConfusionMatrix() {
  const name = useApp((s) => s.doc.name);
  const runId = useApp((s) => s.training.runId);
  const [cell, setCell] = useState<Cell | null>(null);
  useEffect(() => setCell(null), [runId]);
  const { current, key, waiting } = useRunEvaluation();
  const cellAnswer = useCellExamples(key, cell);
  if (!current) return null;
  if ('error' in current)
    return /classification/.test(current.error) ? null : <p className="muted">{current.error}</p>;
  const e = current.e;
  const names = e.classNames;
  const shown = cell ? cellAnswer : e;
  const heading = cell
    ? `True ${names[cell.trueClass]} predicted as ${names[cell.predicted]}`
    : 'The surest mistakes';
  return (
    <section className="confusion-view" aria-label="Confusion matrix and mistakes" data-epoch={e.epoch}>
      <figure className="chart-figure confusion-figure">
        <figcaption>
          Confusion matrix · test set, {e.weights} · accuracy {(e.accuracy * 100).toFixed(1)}%
          {waiting && <span className="muted"> · updating…</span>}
        </figcaption>
        <MatrixTable e={e} cell={cell} onPick={setCell} />
        <div className="confusion-legend">
          <span>share of the true class:</span>
          <span className="confusion-legend__strip" style={{ background: shareGradient() }} />
          <span className="confusion-legend__ticks">
            {[0, 0.1, 0.25, 0.5, 1].map((v) => (
              <span key={v} style={{ left: `${Math.sqrt(v) * 100}%` }}>
                {`${v * 100}%`}
              </span>
            ))}
          </span>
        </div>
        <button
          type="button"
          onClick={() => downloadText(`${fileSlug(name)}-confusion.csv`, confusionCsv(e), 'text/csv')}
        >
          Confusion CSV
        </button>
      </figure>
      <div className="mistakes" aria-label="Misclassified examples" role="group">
        <h3>
          {heading}
          <span className="muted">
            {' '}
            · {shown ? `${Math.min(shown.examples.length, shown.mistakes)} of ${shown.mistakes}` : '…'}
          </span>
          {cell && (
            <button type="button" className="link-button" onClick={() => setCell(null)}>
              show the surest overall
            </button>
          )}
        </h3>
        {shown && shown.mistakes === 0 && <p className="muted">No mistakes on the test set.</p>}
        <div className="mistakes__grid">
          {shown?.examples.map((m) => (
            <Mistake key={m.index} m={m} names={names} shape={e.sampleShape} />
          ))}
        </div>
      </div>
    </section>
  );
}
