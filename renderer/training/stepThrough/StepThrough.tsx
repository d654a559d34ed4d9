// The Training panel's "Step through" mode: one batch forward node by node, the loss, then backward
// node by node. The current node is highlighted on the canvas (clicking another node jumps to it);
// its output (forward) or dLoss/d(output) and parameter gradients (backward) are shown for one
// sample as heat maps, with statistics, and a layer's gradients can be checked against finite
// differences on this very batch.
import './stepThrough.css';
import { useEffect, useMemo, useRef, type KeyboardEvent } from 'react';
import { HeatMap } from '../../components/HeatMap.tsx';
import type { HeatRange } from '../../components/heatMap.ts';
import { diverging, heatRange } from '../../components/heatMap.ts';
import { viridis } from '../../components/gradientColor.ts';
import type { StepNode, TensorStats, TensorValues } from '../../../protocol/stepThrough.ts';
import { LAYER_CHECK_TOLERANCE, MAX_STEP_BATCH } from '../../../protocol/stepThrough.ts';
import { appStore, useApp } from '../../state/appStore.ts';
import { groupOfNode } from '../../state/groups.ts';
import { showNode } from '../../canvas/viewport.ts';
import type { Stop } from './stepThrough.ts';
import {
  checkGradient,
  currentStop,
  jumpToNode,
  runOneBatch,
  setSample,
  step,
  stopLabel,
  stopsOf,
  useStepStale,
  useStepThrough,
} from './stepThrough.ts';
import { useCurrentWeightsLabel, WeightsChoiceField } from '../WeightsChoiceField.tsx';
import { InternalsView } from './SequenceViews.tsx';

/** Channels (or kernels) drawn per tensor; the rest are counted, not drawn. */
const MAX_MAPS = 32;
/** Tensors this small are also printed as numbers. */
const MAX_NUMBERS = 64;

const fmt = (v: number | null | undefined) =>
  v === null || v === undefined
    ? '–'
    : v === 0
      ? '0'
      : Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3
        ? v.toExponential(2)
        : v.toPrecision(4);
const shapeText = (shape: readonly number[]) => `[${shape.join(', ')}]`;

function rgb([r, g, b]: [number, number, number]) {
  return `rgb(${r}, ${g}, ${b})`;
}

function Legend({ range }: { range: HeatRange }) {
  const stops = Array.from({ length: 9 }, (_, i) => i / 8);
  const colors = stops.map((t) => rgb(range.scale === 'diverging' ? diverging(2 * t - 1) : viridis(t)));
  return (
    <span className="step-legend" aria-label={`Colour scale from ${fmt(range.lo)} to ${fmt(range.hi)}`}>
      <span>{fmt(range.lo)}</span>
      <span
        className="step-legend__strip"
        style={{ background: `linear-gradient(to right, ${colors.join(', ')})` }}
      />
      <span>{fmt(range.hi)}</span>
      {range.scale === 'diverging' && <span className="muted">(white = 0)</span>}
    </span>
  );
}

/** The slices a tensor is drawn as: a map per channel for [C,H,W] and conv kernels, a bar for vectors. */
function slicesOf(shape: readonly number[]): { width: number; height: number; count: number; name: string } {
  const n = shape.reduce((a, b) => a * b, 1);
  if (shape.length === 3) return { width: shape[2], height: shape[1], count: shape[0], name: 'channel' };
  if (shape.length === 4)
    return { width: shape[3], height: shape[2], count: shape[0] * shape[1], name: 'kernel' };
  if (shape.length === 2) return { width: shape[1], height: shape[0], count: 1, name: '' };
  return { width: n, height: 1, count: 1, name: '' };
}

function TensorView({ title, t, testId }: { title: string; t: TensorValues; testId: string }) {
  const values = useMemo(() => Float32Array.from(t.data, (v) => (v === null ? NaN : v)), [t]);
  const range = useMemo(() => heatRange(values), [values]);
  const s = slicesOf(t.shape);
  const per = s.width * s.height;
  const drawn = Math.min(s.count, MAX_MAPS, Math.floor(values.length / Math.max(1, per)));
  const kernelName = (i: number) =>
    t.shape.length === 4 ? `out ${Math.floor(i / t.shape[1])}, in ${i % t.shape[1]}` : `${s.name} ${i}`;
  // Long thin bars and single maps get more room than a grid of small channels.
  const size =
    s.count > 1 ? (per <= 64 ? 56 : 88) : s.height === 1 ? Math.min(420, Math.max(120, s.width * 8)) : 200;
  return (
    <figure className="step-tensor" data-testid={testId}>
      <figcaption>
        <b>{title}</b> <span className="muted">{shapeText(t.shape)}</span> <Legend range={range} />
      </figcaption>
      <div className="step-tensor__maps">
        {Array.from({ length: drawn }, (_, i) => (
          <div key={i} className="step-tensor__map">
            <HeatMap
              values={values.subarray(i * per, (i + 1) * per)}
              width={s.width}
              height={s.height}
              range={range}
              size={size}
              label={s.count > 1 ? `${title}, ${kernelName(i)}` : title}
            />
            {s.count > 1 && <span className="step-tensor__index">{i}</span>}
          </div>
        ))}
      </div>
      {(s.count > drawn || t.truncated) && (
        <p className="muted">
          {s.count > drawn && `Showing ${drawn} of ${s.count} ${s.name}s. `}
          {t.truncated && `Only the first ${t.data.length.toLocaleString('en-US')} values were sent.`}
        </p>
      )}
      {t.data.length <= MAX_NUMBERS && (
        <p className="step-tensor__numbers" aria-label={`${title} values`}>
          {t.data.map((v, i) => (
            <span key={i}>{fmt(v)}</span>
          ))}
        </p>
      )}
    </figure>
  );
}

function StatsRow({ label, s }: { label: string; s: TensorStats | null }) {
  return (
    <tr>
      <th scope="row">{label}</th>
      {s ? (
        <>
          <td>{fmt(s.min)}</td>
          <td>{fmt(s.max)}</td>
          <td>{fmt(s.mean)}</td>
          <td>{fmt(s.std)}</td>
          <td>{fmt(s.norm)}</td>
          <td>{s.nonFinite ? <span className="danger">{s.nonFinite}</span> : 0}</td>
        </>
      ) : (
        <td colSpan={6} className="muted">
          nothing flows back here
        </td>
      )}
    </tr>
  );
}

function StatsTable({ node, phase }: { node: StepNode; phase: 'forward' | 'backward' }) {
  return (
    <table className="step-stats" aria-label={`${node.name} statistics over the batch`}>
      <thead>
        <tr>
          <th scope="col">over the batch</th>
          <th scope="col">min</th>
          <th scope="col">max</th>
          <th scope="col">mean</th>
          <th scope="col">std</th>
          <th scope="col">L2 norm</th>
          <th scope="col">NaN/Inf</th>
        </tr>
      </thead>
      <tbody>
        <StatsRow label="output" s={node.forward} />
        {phase === 'backward' && <StatsRow label="dLoss/d output" s={node.backward} />}
        {node.params.map((p) => (
          <StatsRow key={p.param} label={`${p.param} ${shapeText(p.shape)}`} s={p.value} />
        ))}
        {phase === 'backward' &&
          node.params
            .filter((p) => p.grad)
            .map((p) => <StatsRow key={`d${p.param}`} label={`dLoss/d ${p.param}`} s={p.grad} />)}
      </tbody>
    </table>
  );
}

function GradientCheck({ node }: { node: StepNode }) {
  const check = useStepThrough((s) => (s.check?.nodeId === node.id ? s.check : null));
  const checkable = node.params.some((p) => p.grad);
  if (!checkable) return null;
  const r = check?.result;
  return (
    <div className="step-check" aria-label="Gradient check">
      <button
        type="button"
        onClick={() => void checkGradient(node.id)}
        disabled={check?.status === 'running'}
      >
        {check?.status === 'running' ? 'Checking…' : 'Check gradient'}
      </button>
      <span className="muted">
        analytic dLoss/dW of {node.name} vs central differences (L(w+h) − L(w−h)) / 2h on this batch; passes
        below {LAYER_CHECK_TOLERANCE.toExponential(0)}
      </span>
      {check?.status === 'failed' && (
        <p className="danger" role="alert">
          {check.message}
        </p>
      )}
      {r && (
        <ul className="step-check__results" data-testid="gradcheck-results">
          {r.params.map((p) => (
            <li key={p.param} data-pass={p.pass} data-rel-error={p.maxRelError ?? 'NaN'}>
              <b>{p.pass ? '✓ passes' : '✗ fails'}</b> {p.param}: max relative error {fmt(p.maxRelError)} over{' '}
              {p.sampled} sampled elements
              {!p.pass && (
                <>
                  {' '}
                  — worst element {p.worst.index}: analytic {fmt(p.worst.analytic)}, numeric{' '}
                  {fmt(p.worst.numeric)}
                </>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function NodeTensorsView({ stop }: { stop: Stop }) {
  const node = stop.node!;
  const key = useStepThrough((s) => `${node.id}/${s.sample}`);
  const t = useStepThrough((s) => s.tensors[key]);
  const error = useStepThrough((s) => s.tensorError);
  if (error) return <p className="danger">{error}</p>;
  if (!t) return <p className="muted">Fetching the tensors…</p>;
  if (stop.phase === 'forward')
    return (
      <div className="step-tensors">
        <TensorView title="output (activation)" t={t.forward} testId="forward-tensor" />
        {t.internals && <InternalsView view={t.internals} output={t.forward} />}
        {t.params.map((p) => (
          <TensorView key={p.param} title={p.param} t={p.value} testId={`param-${p.param}`} />
        ))}
      </div>
    );
  return (
    <div className="step-tensors">
      {t.backward && <TensorView title="dLoss/d output" t={t.backward} testId="backward-tensor" />}
      {t.params.map((p) => (
        <div key={p.param} className="step-pair">
          <TensorView title={p.param} t={p.value} testId={`param-${p.param}`} />
          {p.grad && <TensorView title={`dLoss/d ${p.param}`} t={p.grad} testId={`grad-${p.param}`} />}
        </div>
      ))}
    </div>
  );
}

function SamplePicker() {
  const summary = useStepThrough((s) => s.summary)!;
  const sample = useStepThrough((s) => s.sample);
  const label = summary.labels[sample];
  const predicted = summary.predicted[sample];
  const name = (c: number) => summary.classNames?.[c] ?? String(c);
  return (
    <div className="step-sample">
      <label>
        Sample{' '}
        <input
          type="number"
          min={0}
          max={summary.batchSize - 1}
          value={sample}
          onChange={(e) => setSample(Number(e.target.value))}
          aria-label="Sample of the batch"
        />{' '}
        of {summary.batchSize} (0–{summary.batchSize - 1})
      </label>
      {label !== undefined && (
        <span>
          label <b>{name(label)}</b>, predicted{' '}
          <b className={predicted === label ? undefined : 'danger'}>{name(predicted)}</b>
        </span>
      )}
    </div>
  );
}

function Stepper() {
  const summary = useStepThrough((s) => s.summary)!;
  const position = useStepThrough((s) => s.position);
  const stop = useStepThrough(currentStop)!;
  const total = stopsOf(summary).length;
  // A fresh batch puts the focus on ▶, so the arrow keys step at once without a click first.
  const next = useRef<HTMLButtonElement>(null);
  useEffect(() => next.current?.focus(), [summary]);
  // Keep the node being stepped through in view, at a readable zoom (or closer, if the user zoomed
  // in); inside a collapsed block, the block's card.
  const nodeId = stop.node?.id;
  useEffect(() => {
    if (!nodeId) return;
    const group = groupOfNode(appStore.getState().doc, nodeId);
    void showNode(group?.collapsed ? group.id : nodeId);
  }, [nodeId]);
  const onKey = (e: KeyboardEvent) => {
    if ((e.target as HTMLElement).tagName === 'INPUT') return;
    if (e.key === 'ArrowRight' || e.key === 'ArrowDown') step(1);
    else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') step(-1);
    else if (e.key === 'Home') step(-total);
    else if (e.key === 'End') step(total);
    else return;
    e.preventDefault();
  };
  return (
    <div className="step-stepper" onKeyDown={onKey} role="group" aria-label="Step through the batch">
      <button type="button" onClick={() => step(-1)} disabled={position === 0} aria-label="Previous step">
        ◀
      </button>
      <span
        className="step-stepper__label"
        data-phase={stop.phase}
        data-testid="step-label"
        aria-live="polite"
      >
        {stopLabel(stop, summary)}
      </span>
      <button
        ref={next}
        type="button"
        onClick={() => step(1)}
        disabled={position === total - 1}
        aria-label="Next step"
      >
        ▶
      </button>
      <span className="muted">
        step {position + 1} of {total} · ← → keys
      </span>
    </div>
  );
}

function LossStop() {
  const summary = useStepThrough((s) => s.summary)!;
  const correct = summary.predicted.filter((p, i) => p === summary.labels[i]).length;
  return (
    <div className="step-loss" data-testid="step-loss">
      <p>
        <b>Loss = {summary.loss === null ? 'not a number' : summary.loss.toFixed(4)}</b> ({summary.lossKind},
        the mean over the {summary.batchSize} samples of the batch)
        {summary.labels.length > 0 && (
          <>
            {' '}
            · {correct} of {summary.batchSize} predicted right
          </>
        )}
      </p>
      <p className="muted">
        Next, the backward pass: from dLoss/d output of the last layer back towards the input, each layer
        turning the gradient of its output into the gradients of its input and its parameters.
      </p>
    </div>
  );
}

/** Follows canvas clicks: selecting a node jumps to its stop. */
function useCanvasJumps() {
  useEffect(
    () =>
      appStore.subscribe((s, prev) => {
        if (s.selection === prev.selection || s.selection.nodes.length !== 1) return;
        jumpToNode(s.selection.nodes[0]);
      }),
    [],
  );
}

export function StepThrough() {
  const status = useStepThrough((s) => s.status);
  const message = useStepThrough((s) => s.message);
  const summary = useStepThrough((s) => s.summary);
  const stop = useStepThrough(currentStop);
  const hasHost = useApp((s) => s.host !== null);
  const batchSize = useApp((s) => s.trainingSetup.config.batchSize);
  const stale = useStepStale();
  useCanvasJumps();
  const source = useCurrentWeightsLabel();
  return (
    <div className="step-through" role="region" aria-label="Step through">
      <div className="step-through__controls">
        <button
          type="button"
          className="primary"
          onClick={() => void runOneBatch()}
          disabled={!hasHost || status === 'running'}
        >
          {status === 'running' ? 'Running…' : summary ? 'Run one batch again' : 'Run one batch'}
        </button>
        <span className="muted">
          One batch of {Math.min(batchSize, MAX_STEP_BATCH)}
          {batchSize > MAX_STEP_BATCH
            ? ` (the batch size ${batchSize} is capped at ${MAX_STEP_BATCH})`
            : ''}{' '}
          of the data set on the left, with {source}, forward and backward; nothing is updated.{' '}
          <WeightsChoiceField />
        </span>
      </div>
      {status === 'failed' && (
        <p className="training-message danger" role="alert">
          {message}
        </p>
      )}
      {summary && stale && (
        <p className="training-message" role="status" data-testid="step-stale">
          The network has changed since this batch ran, so its numbers no longer describe it; run one batch
          again.
        </p>
      )}
      {summary && stop && !stale && (
        <>
          <p className="step-through__about" data-testid="step-about">
            {summary.batch}; {summary.weights}. Took {(summary.seconds * 1000).toFixed(0)} ms.
          </p>
          <Stepper />
          <SamplePicker />
          {stop.phase === 'loss' ? (
            <LossStop />
          ) : (
            <div className="step-node" data-testid="step-node">
              <StatsTable node={stop.node!} phase={stop.phase} />
              {stop.phase === 'backward' && <GradientCheck node={stop.node!} />}
              <NodeTensorsView stop={stop} />
            </div>
          )}
        </>
      )}
    </div>
  );
}
