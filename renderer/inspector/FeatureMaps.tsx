// Feature maps: what the selected layer outputs for one sample, one heat map per channel on one
// shared colour range (so channels compare fairly), next to the sample itself. The sample is an
// MNIST digit, the digit drawn under Try it, or the built-in colour test image; the weights are
// the finished run's when there is one (like Try it), else the project's own.
import { FloatingPanel } from '../components/FloatingPanel.tsx';
import './featureMaps.css';
import { useEffect, useMemo, useState } from 'react';
import { useStore } from 'zustand';
import { formatShape, product } from '../../engine/index.ts';
import type { Activations } from '../../protocol/activations.ts';
import { HeatMap } from '../components/HeatMap.tsx';
import { appStore, selectAnalysis, useApp } from '../state/appStore.ts';
import type { HeatRange } from '../components/heatMap.ts';
import { diverging, heatRange } from '../components/heatMap.ts';
import { testImage } from './testImage.ts';
import { drawnDigit } from '../training/tryIt/drawnDigit.ts';
import { viridis } from '../components/gradientColor.ts';
import { documentSource, formatWeight } from './weightValues.ts';
import { currentWeights } from '../training/currentWeights.ts';
import { WeightsChoiceField } from '../training/WeightsChoiceField.tsx';

type SampleKind = 'digit' | 'drawing' | 'test-image';
const DIGITS = 24;
/** At most this many channel images are drawn; the rest are counted. */
const MAX_CHANNELS = 64;

const toNumbers = (values: readonly (number | null)[]) => Float32Array.from(values, (v) => v ?? NaN);

/** The Input's per-sample shape, when the network has exactly one Input of a fixed shape. */
function useInputShape(): number[] | null {
  const analysis = useApp(selectAnalysis);
  const graph = useApp((s) => s.doc.graph);
  return useMemo(() => {
    const inputs = graph.nodes.filter((n) => n.type === 'Input');
    const shape = inputs.length === 1 ? analysis.nodes.get(inputs[0].id)?.outputShape?.slice(1) : null;
    return shape && shape.every((d): d is number => typeof d === 'number') ? shape : null;
  }, [analysis, graph]);
}

function useDigits(enabled: boolean): { values: number[]; label: number }[] | null {
  const host = useApp((s) => s.host);
  const [digits, setDigits] = useState<{ values: number[]; label: number }[] | null>(null);
  useEffect(() => {
    if (!host || !enabled) return;
    let live = true;
    host.datasetPreview({ kind: 'mnist', limit: DIGITS, testLimit: 16, seed: 1 }, DIGITS).then(
      (p) => live && setDigits(p.samples),
      () => live && setDigits(null),
    );
    return () => {
      live = false;
    };
  }, [host, enabled]);
  return enabled ? digits : null;
}

function gradientCss(range: HeatRange): string {
  const stops = Array.from({ length: 11 }, (_, i) => {
    const t = i / 10;
    const [r, g, b] = range.scale === 'diverging' ? diverging(2 * t - 1) : viridis(t);
    return `rgb(${r}, ${g}, ${b}) ${t * 100}%`;
  });
  return `linear-gradient(to right, ${stops.join(', ')})`;
}

export function HeatLegend({ range, label }: { range: HeatRange; label: string }) {
  return (
    <figure className="heat-legend" aria-label={label}>
      <div className="heat-legend__strip" style={{ background: gradientCss(range) }} />
      <figcaption className="heat-legend__ticks">
        <span>{formatWeight(range.lo)}</span>
        {range.scale === 'diverging' && <span>0</span>}
        <span>{formatWeight(range.hi)}</span>
      </figcaption>
    </figure>
  );
}

/** A 3-channel sample as the colour picture it is (values 0..1, clipped). */
function RgbImage({ values, h, w, size }: { values: Float32Array; h: number; w: number; size: number }) {
  const ref = (canvas: HTMLCanvasElement | null) => {
    const ctx = canvas?.getContext('2d');
    if (!ctx) return;
    const img = ctx.createImageData(w, h);
    for (let i = 0; i < h * w; i++)
      for (let c = 0; c < 3; c++)
        img.data[i * 4 + c] = Math.round(Math.min(1, Math.max(0, values[c * h * w + i])) * 255);
    for (let i = 0; i < h * w; i++) img.data[i * 4 + 3] = 255;
    ctx.putImageData(img, 0, 0);
  };
  const scale = size / Math.max(h, w);
  return (
    <canvas
      ref={ref}
      className="heat-map"
      width={w}
      height={h}
      role="img"
      aria-label="Input image (RGB)"
      style={{ width: w * scale, height: h * scale, imageRendering: 'pixelated' }}
    />
  );
}

function InputView({ shape, values }: { shape: number[]; values: Float32Array }) {
  if (shape.length === 3 && shape[0] === 3)
    return <RgbImage values={values} h={shape[1]} w={shape[2]} size={140} />;
  const [h, w] = shape.length >= 2 ? shape.slice(-2) : [1, product(shape)];
  const range = heatRange(values, 'sequential');
  return (
    <HeatMap
      values={values.subarray(0, h * w)}
      width={w}
      height={h}
      size={140}
      range={range}
      label={shape.length === 3 && shape[0] > 1 ? 'Input, channel 0' : 'Input'}
    />
  );
}

function mapSize(channels: number): number {
  if (channels <= 2) return 210;
  if (channels <= 4) return 150;
  if (channels <= 9) return 116;
  if (channels <= 16) return 96;
  return 64;
}

function OutputView({ result }: { result: Activations }) {
  const values = useMemo(() => toNumbers(result.values), [result]);
  const range = useMemo(() => heatRange(values), [values]);
  /** The actual smallest and largest value (a diverging range is symmetric, so it can't tell). */
  const extent = useMemo(() => heatRange(values, 'sequential'), [values]);
  const shape = result.shape;
  let maps;
  if (shape.length >= 2) {
    // [C, H, W] -> C images; [C, L] -> C strips; anything deeper folds into the last two axes.
    const [h, w] = shape.length >= 3 ? shape.slice(-2) : [1, shape[1]];
    const channels = Math.min(Math.floor(values.length / (h * w)), product(shape) / (h * w));
    const shown = Math.min(channels, MAX_CHANNELS);
    const size = mapSize(shown);
    maps = (
      <>
        <ol className="feature-maps__grid" aria-label="Channels">
          {Array.from({ length: shown }, (_, c) => (
            <li key={c}>
              <HeatMap
                values={values.subarray(c * h * w, (c + 1) * h * w)}
                width={w}
                height={h}
                size={h === 1 ? Math.max(size, 200) : size}
                range={range}
                label={`channel ${c}`}
              />
              <span className="feature-maps__caption">channel {c}</span>
            </li>
          ))}
        </ol>
        {shown < product(shape) / (h * w) && (
          <p className="muted">
            The first {shown} of {product(shape) / (h * w)} channels are drawn.
          </p>
        )}
      </>
    );
  } else {
    const n = values.length;
    const width = Math.min(n, 32);
    const padded = new Float32Array(width * Math.ceil(n / width)).fill(NaN);
    padded.set(values);
    maps = (
      <HeatMap
        values={padded}
        width={width}
        height={padded.length / width}
        size={Math.min(520, width * 24)}
        range={range}
        label={`${n} values`}
      />
    );
  }
  return (
    <div className="feature-maps__output">
      {maps}
      <div className="feature-maps__legend">
        <HeatLegend range={range} label="Colour scale, shared by all channels" />
        <p data-testid="feature-maps-range">
          output {formatShape(shape)}: from {formatWeight(extent.lo)} to {formatWeight(extent.hi)}
        </p>
      </div>
      {result.truncated && (
        <p className="danger">
          Only the first {result.values.length.toLocaleString('en')} of {product(shape).toLocaleString('en')}{' '}
          values were sent; the later channels are missing.
        </p>
      )}
    </div>
  );
}

/**
 * The selected node's output for the sample, from the run's weights (fromRun) or the project's.
 * Asked again whenever the network, its weights or its untrained start change.
 */
function useActivations(nodeId: string, sample: Float32Array | null, runId: string | null, fromRun: boolean) {
  const host = useApp((s) => s.host);
  const analysis = useApp(selectAnalysis);
  const weights = useApp((s) => s.doc.weights);
  // An untrained network starts from the Training panel's seed and init: redraw when they change.
  const startSeed = useApp((s) => s.trainingSetup.config.seed);
  const startInit = useApp((s) => s.trainingSetup.config.init);
  const [result, setResult] = useState<Activations | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    if (!host || !sample) return;
    let live = true;
    // Typing a weight changes the document at every keystroke: ask once the typing pauses.
    const timer = setTimeout(() => {
      const source = fromRun ? { runId: runId! } : documentSource(appStore.getState());
      host.activations(source, { nodeId, data: Array.from(sample) }).then(
        (r) => {
          if (!live) return;
          setResult(r);
          setProblem(null);
        },
        (e: Error) => live && setProblem(e.message),
      );
    }, 120);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [host, sample, nodeId, fromRun, runId, analysis, weights, startSeed, startInit]);
  return { result, problem };
}

function DigitStrip({
  digits,
  digit,
  setDigit,
}: {
  digits: readonly { values: number[]; label: number }[];
  digit: number;
  setDigit(i: number): void;
}) {
  return (
    <ol className="feature-maps__digits" aria-label="MNIST digits">
      {digits.map((d, i) => (
        <li key={i}>
          <button
            type="button"
            aria-pressed={i === digit}
            aria-label={`Digit ${i + 1} (a ${d.label})`}
            onClick={() => setDigit(i)}
          >
            <HeatMap values={d.values} width={28} height={28} size={36} label={`a ${d.label}`} />
          </button>
        </li>
      ))}
    </ol>
  );
}

export function FeatureMaps({ nodeId, onClose }: { nodeId: string; onClose: () => void }) {
  const name = useApp((s) => s.doc.graph.nodes.find((n) => n.id === nodeId)?.name ?? nodeId);
  const runId = useApp((s) => {
    const current = currentWeights(s);
    return current.source === 'run' ? current.runId : null;
  });
  const inShape = useInputShape();
  const takesDigits = !!inShape && product(inShape) === 784 && inShape[inShape.length - 1] === 28;
  const drawing = useStore(drawnDigit, (s) => s.pixels);
  const digits = useDigits(takesDigits);
  const [kind, setKind] = useState<SampleKind>(takesDigits ? 'digit' : 'test-image');
  const [digit, setDigit] = useState(0);

  const effectiveKind: SampleKind = !takesDigits
    ? 'test-image'
    : kind === 'drawing' && !drawing
      ? 'digit'
      : kind;
  const sample = useMemo((): Float32Array | null => {
    if (!inShape) return null;
    if (effectiveKind === 'drawing') return drawing;
    if (effectiveKind === 'digit') return digits?.[digit] ? Float32Array.from(digits[digit].values) : null;
    if (inShape.length !== 3) return null;
    return testImage(inShape[0], inShape[1], inShape[2]);
  }, [inShape, effectiveKind, drawing, digits, digit]);
  const fromRun = runId !== null;
  const { result, problem } = useActivations(nodeId, sample, runId, fromRun);

  let body;
  if (!inShape) body = <p className="muted">Feature maps need one Input with a fixed shape.</p>;
  else if (!takesDigits && inShape.length !== 3)
    body = (
      <p className="muted">
        Built-in samples exist for 1×28×28 digits and C×H×W images; this network’s Input is{' '}
        {formatShape(inShape)}.
      </p>
    );
  else
    body = (
      <>
        <div className="feature-maps__sample" role="group" aria-label="Sample">
          {takesDigits && (
            <label>
              Sample{' '}
              <select value={effectiveKind} onChange={(e) => setKind(e.target.value as SampleKind)}>
                <option value="digit">An MNIST digit</option>
                <option value="drawing" disabled={!drawing}>
                  Your drawing (Try it){drawing ? '' : ' – draw one first'}
                </option>
                <option value="test-image">Test image</option>
              </select>
            </label>
          )}
          {!takesDigits && <span>Sample: the built-in test image (colour bars, a grey ramp, a disc)</span>}
          <WeightsChoiceField />
        </div>
        {effectiveKind === 'digit' && digits && (
          <DigitStrip digits={digits} digit={digit} setDigit={setDigit} />
        )}
        <div className="feature-maps__pictures">
          <figure className="feature-maps__input">
            {result ? (
              <InputView shape={result.input.shape} values={toNumbers(result.input.values)} />
            ) : sample ? (
              <InputView shape={inShape} values={sample} />
            ) : null}
            <figcaption>
              Input {formatShape(inShape)}
              {result && fromRun ? ', standardised as in training' : ''}
            </figcaption>
          </figure>
          {problem ? null : result && result.nodeId === nodeId ? (
            <OutputView result={result} />
          ) : (
            <p className="muted">Running…</p>
          )}
        </div>
        {problem && (
          <p className="danger" role="alert">
            {problem}
          </p>
        )}
        {result && !fromRun && !problem && (
          <p className="muted" data-testid="feature-maps-weights">
            Weights: {result.weights}. Edit them in the inspector and the maps follow.
          </p>
        )}
        {result && fromRun && !problem && (
          <p className="muted" data-testid="feature-maps-weights">
            Weights: {result.weights}. Inspector edits change this project’s weights, not the run’s.
          </p>
        )}
      </>
    );

  return (
    <FloatingPanel
      className="feature-maps"
      label="Feature maps"
      title={`Feature maps of ${name}`}
      onClose={onClose}
    >
      {body}
    </FloatingPanel>
  );
}
