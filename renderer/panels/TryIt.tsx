// "Try it": draw a digit with the mouse, see the 28x28 picture the network gets, and its answer
// with a probability bar per class. Uses the finished run's weights, else the project's own.
import { useEffect, useRef, useState } from 'react';
import { product } from '../../engine/index.ts';
import type { Prediction } from '../../protocol/training.ts';
import { selectAnalysis, useApp } from '../state/appStore.ts';
import { hasWeights } from '../state/training.ts';
import { MNIST_SIZE, toMnistInput } from '../training/digitInput.ts';
import { drawnDigit } from '../training/drawnDigit.ts';
import { predict } from '../training/flows.ts';

const PAD = 196;
const BRUSH = 15;

/** True when the network takes one 28x28 grayscale picture per sample. */
function useTakesDigits(): boolean {
  return useApp((s) => {
    const analysis = selectAnalysis(s);
    const input = s.doc.graph.nodes.filter((n) => n.type === 'Input');
    if (input.length !== 1) return false;
    const shape = analysis.nodes.get(input[0].id)?.outputShape?.slice(1);
    return !!shape && shape.every((d) => typeof d === 'number') && product(shape as number[]) === 784;
  });
}

function DrawPad({ onDrawn, clearSignal }: { onDrawn(pixels: Float32Array): void; clearSignal: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const last = useRef<{ x: number; y: number } | null>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, PAD, PAD);
  }, [clearSignal]);
  const at = (e: React.PointerEvent<HTMLCanvasElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    return { x: ((e.clientX - r.left) / r.width) * PAD, y: ((e.clientY - r.top) / r.height) * PAD };
  };
  const line = (to: { x: number; y: number }) => {
    const ctx = ref.current!.getContext('2d')!;
    const from = last.current ?? to;
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = BRUSH;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(from.x, from.y);
    ctx.lineTo(to.x + 0.01, to.y);
    ctx.stroke();
    last.current = to;
  };
  return (
    <canvas
      ref={ref}
      className="draw-pad"
      width={PAD}
      height={PAD}
      aria-label="Drawing pad: draw a digit with the mouse"
      onPointerDown={(e) => {
        e.currentTarget.setPointerCapture(e.pointerId);
        last.current = null;
        line(at(e));
      }}
      onPointerMove={(e) => last.current && line(at(e))}
      onPointerUp={() => {
        if (!last.current) return;
        last.current = null;
        const data = ref.current!.getContext('2d')!.getImageData(0, 0, PAD, PAD).data;
        const pixels = new Float32Array(PAD * PAD);
        for (let i = 0; i < pixels.length; i++) pixels[i] = data[i * 4] / 255;
        onDrawn(pixels);
      }}
    />
  );
}

function Seen({ input }: { input: Float32Array | null }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    const img = ctx.createImageData(MNIST_SIZE, MNIST_SIZE);
    for (let i = 0; i < MNIST_SIZE * MNIST_SIZE; i++) {
      const g = Math.round((input?.[i] ?? 0) * 255);
      img.data.set([g, g, g, 255], i * 4);
    }
    ctx.putImageData(img, 0, 0);
  }, [input]);
  return (
    <figure className="seen">
      <canvas ref={ref} width={MNIST_SIZE} height={MNIST_SIZE} aria-label="What the network sees (28×28)" />
      <figcaption>28×28 input</figcaption>
    </figure>
  );
}

function Bars({ prediction }: { prediction: Prediction }) {
  return (
    <ol className="prob-bars" aria-label="Class probabilities">
      {prediction.probabilities.map((p, i) => (
        <li
          key={i}
          data-top={i === prediction.predicted || undefined}
          aria-label={`${prediction.classNames?.[i] ?? i}: ${(p * 100).toFixed(1)}%`}
        >
          <span className="prob-bars__label">{prediction.classNames?.[i] ?? i}</span>
          <span className="prob-bars__track">
            <span className="prob-bars__fill" style={{ width: `${(p * 100).toFixed(1)}%` }} />
          </span>
          <span className="prob-bars__value">{(p * 100).toFixed(1)}%</span>
        </li>
      ))}
    </ol>
  );
}

export function TryIt() {
  const takesDigits = useTakesDigits();
  const trained = useApp((s) => hasWeights(s.training));
  const hasHost = useApp((s) => s.host !== null);
  const [input, setInput] = useState<Float32Array | null>(null);
  const [prediction, setPrediction] = useState<Prediction | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [clearSignal, setClearSignal] = useState(0);

  const ask = async (values: Float32Array) => {
    try {
      setPrediction(await predict(Array.from(values, (v) => Math.round(v * 1000) / 1000)));
      setProblem(null);
    } catch (e) {
      setProblem((e as Error).message);
    }
  };
  // A finished run changes the weights: ask again for the same drawing.
  useEffect(() => {
    if (input) void ask(input);
  }, [trained]); // only when a run finishes or a new one starts

  const top = prediction
    ? (prediction.classNames?.[prediction.predicted] ?? String(prediction.predicted))
    : null;
  return (
    <section className="try-it" role="group" aria-label="Try it">
      <h3>Try it</h3>
      {!takesDigits ? (
        <p className="muted">Drawing works for networks whose Input is 1×28×28, like the MNIST digits.</p>
      ) : (
        <>
          <p className="field-help">
            {trained
              ? 'Draw a digit; the trained network answers.'
              : 'Draw a digit. Untrained, the answer is a guess.'}
          </p>
          <div className="try-it__row">
            <DrawPad
              clearSignal={clearSignal}
              onDrawn={(pixels) => {
                const x = toMnistInput(pixels, PAD);
                setInput(x);
                drawnDigit.setState({ pixels: x });
                if (hasHost) void ask(x);
              }}
            />
            <div className="try-it__side">
              <Seen input={input} />
              {prediction && top !== null && (
                <p className="prediction__top" data-testid="prediction">
                  <strong className="prediction__class" data-testid="predicted-class">
                    {top}
                  </strong>
                  <span>{(prediction.probabilities[prediction.predicted] * 100).toFixed(0)}%</span>
                </p>
              )}
              <button
                type="button"
                onClick={() => {
                  setClearSignal((n) => n + 1);
                  setInput(null);
                  drawnDigit.setState({ pixels: null });
                  setPrediction(null);
                }}
              >
                Clear
              </button>
            </div>
          </div>
          {problem && <p className="danger">{problem}</p>}
          {prediction && (
            <>
              <Bars prediction={prediction} />
              <p className="field-help" data-testid="prediction-weights">
                Weights: {prediction.weights}
              </p>
            </>
          )}
        </>
      )}
    </section>
  );
}
