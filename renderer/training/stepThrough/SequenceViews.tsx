// Step through inside sequence layers, for the chosen sample: a MultiheadAttention's weights for
// a chosen head (query step × key step), and an LSTM's or GRU's hidden state over time (step ×
// unit) with its gates at a chosen step (gate × unit). The numbers come from the host
// (protocol LayerInternalsView); this draws them.
import { useMemo, useState } from 'react';
import { HeatMap } from '../../components/HeatMap.tsx';
import { heatRange } from '../../components/heatMap.ts';
import type { LayerInternalsView, TensorValues } from '../../../protocol/stepThrough.ts';

const probabilities = { scale: 'sequential' as const, lo: 0, hi: 1 };

/** A numbered picker (head, step, layer): a select from 0 to count - 1. */
function Picker({
  label,
  count,
  value,
  onChange,
}: {
  label: string;
  count: number;
  value: number;
  onChange(v: number): void;
}) {
  if (count <= 1) return null;
  return (
    <label className="step-seq__picker">
      <span>{label}</span>
      <select value={value} onChange={(e) => onChange(Number(e.target.value))}>
        {Array.from({ length: count }, (_, i) => (
          <option key={i} value={i}>
            {i}
          </option>
        ))}
      </select>
    </label>
  );
}

/** A heat map's side in pixels: `perCell` per row or column, between 160 and `max`. */
const side = (cells: number, perCell: number, max: number) => Math.min(max, Math.max(160, cells * perCell));

/** A heat map with its axes named and their first and last index. */
function AxesHeatMap({
  rows,
  cols,
  ...map
}: { rows: string; cols: string } & React.ComponentProps<typeof HeatMap>) {
  return (
    <div className="step-seq__axes">
      <span className="step-seq__rows">
        {rows} 0–{map.height - 1} ↓
      </span>
      <div>
        <HeatMap {...map} />
        <span className="step-seq__cols">
          {cols} 0–{map.width - 1} →
        </span>
      </div>
    </div>
  );
}

function AttentionView({ view }: { view: Extract<LayerInternalsView, { kind: 'attention' }> }) {
  const [head, setHead] = useState(0);
  const S = view.steps;
  const h = Math.min(head, view.heads - 1);
  const map = useMemo(() => Float32Array.from(view.weights.slice(h * S * S, (h + 1) * S * S)), [view, h, S]);
  return (
    <figure className="step-tensor step-seq" data-testid="attention-map">
      <figcaption>
        <b>Attention weights</b>{' '}
        <span className="muted">
          head {h} of {view.heads}: each row is a query step’s softmax over the key steps (0 to 1)
        </span>
        <Picker label="Head" count={view.heads} value={h} onChange={setHead} />
      </figcaption>
      <AxesHeatMap
        rows="query step"
        cols="key step"
        values={map}
        width={S}
        height={S}
        range={probabilities}
        size={side(S, 10, 320)}
        label={`Attention weights of head ${h}: query step × key step`}
      />
      {view.totalSteps > S && (
        <p className="muted">
          Showing the first {S} of {view.totalSteps} steps.
        </p>
      )}
    </figure>
  );
}

function GatesView({
  view,
  hidden,
}: {
  view: Extract<LayerInternalsView, { kind: 'gates' }>;
  hidden: TensorValues;
}) {
  const [step, setStep] = useState(view.steps - 1);
  const [stack, setStack] = useState(0);
  const t = Math.min(step, view.steps - 1);
  const ld = Math.min(stack, view.layers * view.directions - 1);
  const per = view.gates.length * view.units;
  const gates = useMemo(
    () => Float32Array.from(view.values.slice((ld * view.steps + t) * per, (ld * view.steps + t + 1) * per)),
    [view, ld, t, per],
  );
  const states = useMemo(() => Float32Array.from(hidden.data, (v) => (v === null ? NaN : v)), [hidden]);
  const [steps, units] = hidden.shape;
  const where =
    view.layers * view.directions > 1
      ? `layer ${Math.floor(ld / view.directions)}${view.directions > 1 ? (ld % view.directions ? ', backward' : ', forward') : ''}`
      : '';
  return (
    <>
      <figure className="step-tensor step-seq" data-testid="hidden-map">
        <figcaption>
          <b>Hidden state over time</b> <span className="muted">the layer’s output: step × unit</span>
        </figcaption>
        <AxesHeatMap
          rows="step"
          cols="unit"
          values={states}
          width={units}
          height={steps}
          range={heatRange(states)}
          size={side(units, 5, 420)}
          label="Hidden state over time: step × unit"
        />
      </figure>
      <figure className="step-tensor step-seq" data-testid="gates-map">
        <figcaption>
          <b>Gates at step {t}</b>{' '}
          <span className="muted">
            {view.gates.join(', ')} (rows, 0 to 1
            {view.gates.includes('g') || view.gates.includes('n') ? '; g and n are tanh, −1 to 1' : ''}) ×
            unit{where ? ` · ${where}` : ''}
          </span>
          <Picker label="Step" count={view.steps} value={t} onChange={setStep} />
          <Picker
            label={view.directions > 1 ? 'Layer · direction' : 'Layer'}
            count={view.layers * view.directions}
            value={ld}
            onChange={setStack}
          />
        </figcaption>
        <div className="step-seq__gates">
          <span className="step-seq__gate-names">
            {view.gates.map((g) => (
              <span key={g}>{g}</span>
            ))}
          </span>
          <HeatMap
            values={gates}
            width={view.units}
            height={view.gates.length}
            range={{ scale: 'diverging', lo: -1, hi: 1 }}
            size={side(view.units, 5, 420)}
            label={`Gates ${view.gates.join(', ')} at step ${t}: gate × unit`}
          />
        </div>
        {view.totalSteps > view.steps && (
          <p className="muted">
            Showing the first {view.steps} of {view.totalSteps} steps.
          </p>
        )}
      </figure>
    </>
  );
}

export function InternalsView({ view, output }: { view: LayerInternalsView; output: TensorValues }) {
  if (view.kind === 'none') return <p className="muted">{view.reason}</p>;
  if (view.kind === 'attention') return <AttentionView view={view} />;
  return <GatesView view={view} hidden={output} />;
}
