// The inspector's "Weights" section: every parameter of the selected layer with its shape and
// where its values come from. Small tensors (a few 3x3 kernels, a bias) are grids of number
// fields a teacher types into, with presets for the classic 2-D filters; larger ones are a
// read-only heat map with their statistics. Each typed value is one undo step.
import './weights.css';
import { useEffect, useMemo, useRef, useState } from 'react';
import { formatShape, product } from '../../engine/index.ts';
import { HeatMap } from '../components/HeatMap.tsx';
import { formatCount } from '../components/format.ts';
import { appStore, selectAnalysis, useApp } from '../state/appStore.ts';
import { heatRange } from '../components/heatMap.ts';
import { weightStats } from '../../engine/index.ts';
import { useHeldParams } from './heldTensors.ts';
import { WeightHistogram } from './WeightHistogram.tsx';
import type { ParamValues, UntrainedStart } from './weightValues.ts';
import {
  clearStoredWeights,
  editParam,
  formatWeight,
  gridsOf,
  isEditable,
  KERNEL_PRESETS,
  nodeParams,
  untrainedStart,
  parseWeight,
  setWeight,
} from './weightValues.ts';

function WeightCell({
  value,
  label,
  compact,
  onValue,
  onError,
}: {
  value: number;
  label: string;
  /** Narrow cells (kernels four or more wide) show at most six characters. */
  compact: boolean;
  onValue(v: number): void;
  onError(message: string | null): void;
}) {
  const [text, setText] = useState(() => formatWeight(value, compact));
  const [invalid, setInvalid] = useState(false);
  const applied = useRef(value);
  // A preset, undo or another edit changed the value: show it, unless it is what was just typed.
  useEffect(() => {
    if (value === applied.current) return;
    applied.current = value;
    setText(formatWeight(value, compact));
    setInvalid(false);
    onError(null);
  }, [value]);
  return (
    <input
      className={compact ? 'weight-cell weight-cell--compact' : 'weight-cell'}
      type="text"
      inputMode="decimal"
      spellCheck={false}
      autoComplete="off"
      aria-label={label}
      aria-invalid={invalid || undefined}
      title={invalid ? undefined : `${label} = ${value}`}
      value={text}
      onChange={(e) => {
        const t = e.target.value;
        setText(t);
        const parsed = parseWeight(t);
        if ('error' in parsed) {
          setInvalid(true);
          return onError(`${label} ${parsed.error}`);
        }
        setInvalid(false);
        onError(null);
        applied.current = Math.fround(parsed.value);
        if (applied.current !== value) onValue(parsed.value);
      }}
      onBlur={() => {
        // Leaving a valid cell tidies what was typed ("1/9" -> 0.1111); an invalid one keeps its text.
        if (!invalid) setText(formatWeight(value, compact));
      }}
    />
  );
}

function KernelGrid({
  nodeId,
  param,
  values,
  offset,
  rows,
  cols,
  title,
  presets,
}: {
  nodeId: string;
  param: string;
  values: Float32Array;
  offset: number;
  rows: number;
  cols: number;
  title: string;
  presets: boolean;
}) {
  const [errors, setErrors] = useState<Record<number, string>>({});
  const setError = (i: number, message: string | null) =>
    setErrors((e) => {
      if ((e[i] ?? null) === message) return e;
      const next = { ...e };
      if (message) next[i] = message;
      else delete next[i];
      return next;
    });
  const available = presets ? KERNEL_PRESETS.filter((p) => p.make(rows, cols)) : [];
  return (
    <div className="weight-grid" role="group" aria-label={title}>
      <div className="weight-grid__head">
        <span className="weight-grid__title">{title}</span>
        {available.length > 0 && (
          <select
            aria-label={`Preset for ${title}`}
            value=""
            onChange={(e) => {
              const preset = KERNEL_PRESETS.find((p) => p.id === e.target.value);
              const kernel = preset?.make(rows, cols);
              if (kernel) editParam(appStore, nodeId, param, (v) => v.set(kernel, offset));
            }}
          >
            <option value="">Preset…</option>
            {available.map((p) => (
              <option key={p.id} value={p.id}>
                {p.label}
              </option>
            ))}
          </select>
        )}
      </div>
      <div
        className="weight-grid__cells"
        style={{
          // A long vector (a bias) wraps; a kernel keeps its rows and columns.
          gridTemplateColumns:
            rows === 1 && cols > 4
              ? 'repeat(auto-fill, minmax(5.2em, 1fr))'
              : `repeat(${cols}, minmax(3.6em, 1fr))`,
        }}
      >
        {Array.from({ length: rows * cols }, (_, k) => {
          const i = offset + k;
          const where = rows > 1 ? `[${Math.floor(k / cols)}, ${k % cols}]` : `[${k}]`;
          return (
            <WeightCell
              key={k}
              value={values[i]}
              compact={cols >= 4 && rows > 1}
              label={`${title} ${where}`}
              onError={(m) => setError(k, m)}
              onValue={(v) => setWeight(appStore, nodeId, param, i, v)}
            />
          );
        })}
      </div>
      {Object.keys(errors).length > 0 && (
        <div className="weight-grid__problem" role="alert">
          {Object.values(errors).map((m) => (
            <p key={m}>{m}; nothing was stored.</p>
          ))}
        </div>
      )}
    </div>
  );
}

/** How many of a large tensor's first values are written out (its heat map shows the rest). */
const FIRST_VALUES = 8;

/** A tensor too big to type into: one heat map (first axis down, the rest across) and its statistics. */
function ParamOverview({ p }: { p: ParamValues }) {
  const values = p.values ?? p.held?.preview ?? null;
  if (!values)
    return <p className="muted">{formatCount(product(p.spec.shape))} values: too many to draw here.</p>;
  const rows = p.spec.shape.length > 1 ? p.spec.shape[0] : 1;
  const cols = product(p.spec.shape) / rows;
  // What the page has: all values, or the host's first slice of a held tensor.
  const shown = Math.min(rows, Math.floor(Math.min(262_144, values.length) / cols));
  const s = p.held?.stats ?? weightStats(values);
  const name = `${p.spec.name} ${formatShape(p.spec.shape)}`;
  return (
    <div className="weight-overview">
      {shown > 0 && (
        <HeatMap
          values={shown < rows ? values.subarray(0, shown * cols) : values}
          width={cols}
          height={shown}
          size={260}
          range={heatRange(values)}
          label={name}
        />
      )}
      <p className="weight-overview__stats" aria-label={`Statistics of ${p.spec.name}`}>
        min {formatWeight(s.min ?? NaN)} · max {formatWeight(s.max ?? NaN)} · mean{' '}
        {formatWeight(s.mean ?? NaN)} · std {formatWeight(s.std ?? NaN)}
        {s.nonFinite > 0 ? ` · ${formatCount(s.nonFinite)} NaN or infinite` : ''}
      </p>
      <WeightHistogram stats={s} label={p.spec.name} />
      <p className="weight-overview__first" aria-label={`First values of ${p.spec.name}`}>
        first values:{' '}
        {Array.from(values.subarray(0, FIRST_VALUES), (v, i) => (
          <span key={i} title={String(v)}>
            {formatWeight(v)}
            {i < Math.min(FIRST_VALUES, values.length) - 1 ? ', ' : ''}
          </span>
        ))}
        {values.length > FIRST_VALUES ? ', …' : ''}
      </p>
      <p className="muted">
        {rows > 1 ? `${p.spec.shape[0]} rows (first axis), ${cols} values across` : `${cols} values`}
        {shown < rows ? `; the first ${shown} rows are drawn` : ''}. Too many values to type in here.
      </p>
    </div>
  );
}

/** Where the shown values come from, in the words a teacher can repeat to the class. */
function originNote(p: ParamValues, start: UntrainedStart): string {
  const where = `the random start of seed ${start.seed ?? 0} (init ${start.init?.kind ?? 'default'}), as training will use`;
  if (p.replaced)
    return `Shown: ${where}. Init ${p.replaced} replaces any stored values when training starts, so they can’t be typed here; choose init “default” in the Training panel to type your own.`;
  if (p.held) return 'Stored in the project (the Netwright host holds these weights).';
  if (p.origin === 'stored') return 'Stored in the project.';
  return `Not stored${p.spec.init ? ` (${p.spec.init})` : ''}. Shown: ${where}.`;
}

function ParamSection({ nodeId, p, start }: { nodeId: string; p: ParamValues; start: UntrainedStart }) {
  const { count, rows, cols } = gridsOf(p.spec.shape);
  const editable = p.values !== null && !p.replaced && isEditable(p.spec);
  const [outs, ins] = p.spec.shape;
  const gridTitle = (g: number) =>
    p.spec.shape.length >= 3 ? `${p.spec.name} out ${Math.floor(g / ins)} · in ${g % ins}` : p.spec.name;
  return (
    <section className="weight-param" aria-label={`${p.spec.name} ${formatShape(p.spec.shape)}`}>
      <h4>
        {p.spec.name} <span className="muted">{formatShape(p.spec.shape)}</span>
        {p.spec.role === 'buffer' && <span className="muted"> (buffer, not trained)</span>}
      </h4>
      <p className="weight-param__origin" data-origin={p.origin}>
        {originNote(p, start)}
      </p>
      {editable && p.values ? (
        Array.from({ length: count }, (_, g) => (
          <KernelGrid
            key={g}
            nodeId={nodeId}
            param={p.spec.name}
            values={p.values!}
            offset={g * rows * cols}
            rows={rows}
            cols={cols}
            title={gridTitle(g)}
            presets={p.spec.shape.length >= 4 && rows > 1 && cols > 1}
          />
        ))
      ) : (
        <ParamOverview p={p} />
      )}
      {outs !== undefined && editable && count > 1 && (
        <p className="muted">
          One {rows}×{cols} grid per (output, input) channel pair: {outs}·{ins} = {count} grids.
        </p>
      )}
    </section>
  );
}

export function WeightEditor({ nodeId }: { nodeId: string }) {
  const analysis = useApp(selectAnalysis);
  const stored = useApp((s) => s.doc.weights);
  const weightsRef = useApp((s) => s.doc.weightsRef);
  const host = useApp((s) => s.host);
  const seed = useApp((s) => s.trainingSetup.config.seed);
  const init = useApp((s) => s.trainingSetup.config.init);
  const start = useMemo(() => untrainedStart({ trainingSetup: { config: { seed, init } } }), [seed, init]);
  const specs = useMemo(() => analysis.nodes.get(nodeId)?.parameters ?? [], [analysis, nodeId]);
  const { held, loading, error } = useHeldParams(host, weightsRef, nodeId, specs);
  const params = useMemo(
    () => nodeParams(analysis, stored, nodeId, start, held),
    [analysis, stored, nodeId, start, held],
  );
  if (!params.length) return null;
  const hasStored = !!stored?.[nodeId] || !!held?.size;
  const stale = params.filter((p) => p.stale);
  return (
    <section className="weights" role="region" aria-label="Weights">
      <header className="weights__header">
        <h3>Weights</h3>
        <button type="button" disabled={!hasStored} onClick={() => clearStoredWeights(appStore, nodeId)}>
          Clear stored weights
        </button>
      </header>
      {error && (
        <div className="weights__stale" role="alert">
          <p>Could not fetch this layer’s weights from the Netwright host: {error}</p>
        </div>
      )}
      {stale.length > 0 && (
        <div className="weights__stale" role="alert">
          {stale.map((p) => (
            <p key={p.spec.name}>
              Out of date: {p.stale}. Training and feature maps can’t use them: clear them (back to a random
              start) or undo the change that reshaped the layer.
            </p>
          ))}
        </div>
      )}
      {loading ? (
        <p className="muted" role="status">
          Fetching this layer’s weights from the Netwright host…
        </p>
      ) : (
        params.map((p) => <ParamSection key={p.spec.name} nodeId={nodeId} p={p} start={start} />)
      )}
    </section>
  );
}
