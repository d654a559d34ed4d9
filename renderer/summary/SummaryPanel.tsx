// The torchinfo / Keras model.summary() view: one row per layer in execution order, totals,
// parameter and MAC shares as bars, a memory estimate, and CSV/Markdown export.
import type { CSSProperties } from 'react';
import { useMemo, useState } from 'react';
import { estimateMemory } from '../../engine/index.ts';
import { downloadText, fileSlug } from '../components/files.ts';
import { formatBytes, formatCompact, formatCount } from '../components/format.ts';
import { selectAnalysis, useApp } from '../state/appStore.ts';
import { useHidden } from '../lessons/GuessField.tsx';
import { nodeShown, totalShown } from '../lessons/predict.ts';
import { useRevealed } from '../lessons/reveals.ts';
import { summaryCsv, summaryMarkdown, summaryRows } from './summaryTable.ts';

const HIDDEN = '?';
const HIDDEN_TITLE = 'Hidden by the lesson: reveal it in the inspector first.';

const OPTIMIZERS = [
  { label: 'SGD', slots: 0 },
  { label: 'SGD + momentum', slots: 1 },
  { label: 'Adam / AdamW', slots: 2 },
];

function Bar({ value, max, label }: { value: number; max: number; label: string }) {
  const share = max > 0 ? value / max : 0;
  return (
    <div className="bar" title={label}>
      <div className="bar__track" aria-hidden="true">
        <div className="bar__fill" style={{ '--share': `${(share * 100).toFixed(1)}%` } as CSSProperties} />
      </div>
      <span className="bar__value">{label}</span>
    </div>
  );
}

type Analysis = ReturnType<typeof selectAnalysis>;
type Row = ReturnType<typeof summaryRows>[number];

const secret = (shown: boolean, text: string) => (shown ? text : <span title={HIDDEN_TITLE}>{HIDDEN}</span>);

/** Which numbers the lesson still hides: per layer and column, and the totals. */
function useLessonVisibility(analysis: Analysis, rows: readonly Row[]) {
  const hidden = useHidden();
  const revealed = useRevealed();
  const cell = (q: 'shape' | 'params' | 'macs' | 'rf', id: string) => nodeShown(q, hidden, revealed, id);
  const paramsShown = totalShown('params', hidden, revealed, analysis.nodes);
  const macsShown = totalShown('macs', hidden, revealed, analysis.nodes);
  const hiding = !paramsShown || !macsShown || rows.some((r) => !cell('shape', r.id) || !cell('rf', r.id));
  return { cell, paramsShown, macsShown, hiding };
}
type Visibility = ReturnType<typeof useLessonVisibility>;

function SummaryTable({ rows, shown }: { rows: readonly Row[]; shown: Visibility }) {
  const { cell, paramsShown, macsShown } = shown;
  const maxParams = Math.max(0, ...rows.map((r) => r.params));
  const maxMacs = Math.max(0, ...rows.map((r) => r.macs));
  return (
    <div className="summary__table-wrap">
      <table className="summary__table">
        <thead>
          <tr>
            <th scope="col">Layer</th>
            <th scope="col">Type</th>
            <th scope="col">Output shape</th>
            <th scope="col" className="num">
              Params
            </th>
            <th scope="col" className="num">
              MACs
            </th>
            <th scope="col">Receptive field</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id} data-status={r.status}>
              <td>{r.name}</td>
              <td>{r.type}</td>
              <td className="mono">{secret(cell('shape', r.id), r.outputShape)}</td>
              <td className="num">
                {cell('params', r.id) && paramsShown ? (
                  <Bar value={r.params} max={maxParams} label={formatCount(r.params)} />
                ) : (
                  secret(cell('params', r.id), formatCount(r.params))
                )}
              </td>
              <td className="num">
                {cell('macs', r.id) && macsShown ? (
                  <Bar value={r.macs} max={maxMacs} label={formatCount(r.macs)} />
                ) : (
                  secret(cell('macs', r.id), formatCount(r.macs))
                )}
              </td>
              <td className="mono">{secret(cell('rf', r.id), r.receptiveField)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function SummaryTotals({ analysis, shown }: { analysis: Analysis; shown: Visibility }) {
  const { totals } = analysis;
  const { paramsShown, macsShown } = shown;
  const errors = analysis.diagnostics.filter((d) => d.severity === 'error').length;
  return (
    <dl className="summary__totals" aria-label="Totals">
      <dt>Total params</dt>
      <dd data-testid="total-params">{secret(paramsShown, formatCount(totals.params))}</dd>
      <dt>Trainable params</dt>
      <dd>{secret(paramsShown, formatCount(totals.trainableParams))}</dd>
      <dt>Buffers</dt>
      <dd>{formatCount(totals.buffers)}</dd>
      <dt>MACs / sample</dt>
      <dd data-testid="total-macs" title={macsShown ? formatCount(totals.macs) : undefined}>
        {secret(macsShown, formatCompact(totals.macs))}
      </dd>
      <dt>FLOPs / sample</dt>
      <dd title="2 × MACs">{secret(macsShown, formatCompact(totals.flops))}</dd>
      {errors > 0 && (
        <>
          <dt>Problems</dt>
          <dd className="danger">{errors}</dd>
        </>
      )}
    </dl>
  );
}

/** Training memory for a batch size and optimizer the user picks. */
function MemoryEstimate({ analysis, paramsShown }: { analysis: Analysis; paramsShown: boolean }) {
  const [batch, setBatch] = useState(32);
  const [slots, setSlots] = useState(1);
  const memory = estimateMemory(analysis, batch, slots);
  return (
    <fieldset className="summary__memory">
      <legend>Training memory</legend>
      <label>
        batch
        <input
          type="number"
          min={1}
          value={batch}
          onChange={(e) => setBatch(Math.max(1, Math.floor(Number(e.target.value)) || 1))}
        />
      </label>
      <label>
        optimizer
        <select value={slots} onChange={(e) => setSlots(Number(e.target.value))}>
          {OPTIMIZERS.map((o) => (
            <option key={o.label} value={o.slots}>
              {o.label}
            </option>
          ))}
        </select>
      </label>
      <dl>
        <dt>weights</dt>
        <dd>{secret(paramsShown, formatBytes(memory.parameterBytes))}</dd>
        <dt>activations</dt>
        <dd>{formatBytes(memory.activationBytes)}</dd>
        <dt>training total</dt>
        <dd>{secret(paramsShown, formatBytes(memory.trainingBytes))}</dd>
      </dl>
    </fieldset>
  );
}

function SummaryExports({ analysis, rows, hiding }: { analysis: Analysis; rows: Row[]; hiding: boolean }) {
  const name = useApp((s) => s.doc.name);
  const { totals } = analysis;
  const title = hiding ? 'The lesson hides some of these numbers until you reveal them.' : undefined;
  return (
    <div className="button-row">
      <button
        type="button"
        disabled={hiding}
        title={title}
        onClick={() => downloadText(`${fileSlug(name)}-summary.csv`, summaryCsv(rows, totals), 'text/csv')}
      >
        Export CSV
      </button>
      <button
        type="button"
        disabled={hiding}
        title={title}
        onClick={() =>
          downloadText(`${fileSlug(name)}-summary.md`, summaryMarkdown(name, rows, totals), 'text/markdown')
        }
      >
        Export Markdown
      </button>
    </div>
  );
}

export function SummaryPanel() {
  const graph = useApp((s) => s.doc.graph);
  const analysis = useApp(selectAnalysis);
  const rows = useMemo(() => summaryRows(graph, analysis), [graph, analysis]);
  const shown = useLessonVisibility(analysis, rows);
  return (
    <section className="summary" role="region" aria-label="Summary">
      <SummaryTable rows={rows} shown={shown} />
      <aside className="summary__side">
        <SummaryTotals analysis={analysis} shown={shown} />
        <MemoryEstimate analysis={analysis} paramsShown={shown.paramsShown} />
        <SummaryExports analysis={analysis} rows={rows} hiding={shown.hiding} />
      </aside>
    </section>
  );
}
