// "Try it": draw a digit with the mouse, or drop a picture file, see the picture the network
// gets, and its answer with a probability bar per class. Uses the finished (or paused) run's
// weights, else the project's own.
import { useEffect, useRef, useState } from 'react';
import type { Prediction } from '../../../protocol/training.ts';
import { selectAnalysis, useApp } from '../../state/appStore.ts';
import { useCurrentWeightsLabel, WeightsChoiceField } from '../WeightsChoiceField.tsx';
import { MNIST_SIZE, toMnistInput } from './digitInput.ts';
import { drawnDigit } from './drawnDigit.ts';
import { predict } from '../flows.ts';
import { DEFAULT_DENOISE_NOISE, withNoise } from '../../../engine/data/index.ts';
import type { PictureInput, RgbaImage } from './imageInput.ts';
import { notAPicture, pictureInput, pictureToInput } from './imageInput.ts';
import './tryIt.css';

const PAD = 196;
const BRUSH = 15;
/** Pictures are decoded at most this large; the input is far smaller anyway. */
const MAX_DECODE = 1024;
/** Try it adds a denoiser's noise with a fixed seed, so the same drawing gets the same noise. */
const NOISE_SEED = 1;

/** What kind of picture the network takes (MNIST digit, C x H x W image), if any. */
function usePictureInput(): PictureInput {
  const shape = useApp((s) => {
    const analysis = selectAnalysis(s);
    const input = s.doc.graph.nodes.filter((n) => n.type === 'Input');
    if (input.length !== 1) return null;
    const dims = analysis.nodes.get(input[0].id)?.outputShape?.slice(1);
    return dims && dims.every((d) => typeof d === 'number') ? dims.join('x') : null;
  });
  return shape === null ? null : pictureInput(shape.split('x').map(Number));
}

/** Decodes an image file in the page (no host involved) to RGBA pixels. */
async function decodePicture(file: File): Promise<RgbaImage> {
  const problem = notAPicture(file);
  if (problem) throw new Error(problem);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new Error(
      `Could not read “${file.name}” as a picture: the file may be damaged, or in a format this browser cannot decode. Try a PNG or JPEG.`,
    );
  }
  const scale = Math.min(1, MAX_DECODE / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  return ctx.getImageData(0, 0, width, height);
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

function Seen({
  input,
  shape,
  caption,
}: {
  input: Float32Array | null;
  shape: [number, number, number];
  /** What the picture is, when it is not the network's input. */
  caption?: string;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  const [channels, height, width] = shape;
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    const n = width * height;
    const img = ctx.createImageData(width, height);
    const at = (c: number, i: number) => Math.round(Math.min(1, Math.max(0, input?.[c * n + i] ?? 0)) * 255);
    for (let i = 0; i < n; i++)
      img.data.set(
        channels === 3 ? [at(0, i), at(1, i), at(2, i), 255] : [at(0, i), at(0, i), at(0, i), 255],
        i * 4,
      );
    ctx.putImageData(img, 0, 0);
  }, [input, channels, height, width]);
  return (
    <figure className="seen">
      <canvas
        ref={ref}
        width={width}
        height={height}
        aria-label={
          caption ? `${caption} (${height}×${width})` : `What the network sees (${height}×${width})`
        }
      />
      <figcaption>{caption ?? `${height}×${width} input`}</figcaption>
    </figure>
  );
}

/** Drop a picture anywhere on it, or choose one; `onPicture` gets the decoded pixels. */
function PictureDrop({
  onPicture,
  onProblem,
  children,
}: {
  onPicture(img: RgbaImage, name: string): void;
  onProblem(message: string): void;
  children: React.ReactNode;
}) {
  const [over, setOver] = useState(false);
  const chooser = useRef<HTMLInputElement>(null);
  const take = async (file: File | undefined) => {
    if (!file) return;
    try {
      onPicture(await decodePicture(file), file.name);
    } catch (e) {
      onProblem((e as Error).message);
    }
  };
  return (
    <div
      className="try-it__drop"
      data-over={over || undefined}
      data-testid="try-it-drop"
      onDragOver={(e) => {
        if (![...e.dataTransfer.types].includes('Files')) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        if (!e.dataTransfer.files.length) return;
        e.preventDefault();
        setOver(false);
        void take(e.dataTransfer.files[0]);
      }}
    >
      {children}
      <div className="try-it__choose">
        <button type="button" onClick={() => chooser.current?.click()}>
          Choose a picture…
        </button>
        <span className="muted">or drop one here</span>
        <input
          ref={chooser}
          type="file"
          accept="image/*"
          hidden
          aria-label="Picture to try"
          data-role="try-it-picture"
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = ''; // choosing the same file again must fire change again
            void take(file);
          }}
        />
      </div>
    </div>
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

/**
 * Asks the host about a picture and keeps its answer. A denoiser is shown what it was trained on:
 * the picture with the data set's noise (a fixed seed), which is kept to be shown too.
 */
function usePrediction() {
  const [prediction, setPrediction] = useState<Prediction | null>(null);
  const [noisy, setNoisy] = useState<Float32Array | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const denoiseNoise = useApp((s) => {
    const d = s.trainingSetup.dataset;
    return d.kind === 'mnist' && d.task === 'denoise' ? (d.noise ?? DEFAULT_DENOISE_NOISE) : null;
  });
  const ask = async (clean: Float32Array) => {
    const values = denoiseNoise === null ? clean : withNoise(clean, denoiseNoise, NOISE_SEED);
    setNoisy(denoiseNoise === null ? null : values);
    try {
      setPrediction(await predict(Array.from(values, (v) => Math.round(v * 1000) / 1000)));
      setProblem(null);
    } catch (e) {
      setProblem((e as Error).message);
    }
  };
  const reset = () => {
    setPrediction(null);
    setNoisy(null);
    setProblem(null);
  };
  return { prediction, noisy, problem, setProblem, ask, reset };
}

/** A network whose output is a picture: the noisy input it was shown (a denoiser) and what it made. */
function OutputPictures({
  noisy,
  prediction,
  shape,
}: {
  noisy: Float32Array | null;
  prediction: Prediction | null;
  shape: [number, number, number];
}) {
  if (!noisy && !prediction?.picture) return null;
  return (
    <div className="try-it__pictures" role="group" aria-label="What the network made of it">
      {noisy && <Seen input={noisy} shape={shape} caption="noisy: the input" />}
      {prediction?.picture && (
        <Seen
          input={Float32Array.from(prediction.picture.values)}
          shape={prediction.picture.shape}
          caption={noisy ? 'denoised: the output' : 'the output'}
        />
      )}
    </div>
  );
}

export function TryIt() {
  const picture = usePictureInput();
  const takesDigits = picture?.kind === 'digit';
  const shape: [number, number, number] =
    picture?.kind === 'image'
      ? [picture.channels, picture.height, picture.width]
      : [1, MNIST_SIZE, MNIST_SIZE];
  const weights = useCurrentWeightsLabel();
  const trained = weights.startsWith('the trained');
  const hasHost = useApp((s) => s.host !== null);
  const [input, setInput] = useState<Float32Array | null>(null);
  const [clearSignal, setClearSignal] = useState(0);
  const [source, setSource] = useState<string | null>(null);
  const { prediction, noisy, problem, setProblem, ask, reset } = usePrediction();

  const tryPicture = (img: RgbaImage, name: string) => {
    if (!picture) return;
    const x = pictureToInput(img, picture);
    if (typeof x === 'string') return setProblem(`${name}: ${x}`);
    setClearSignal((n) => n + 1); // the pad no longer shows what the network gets
    setInput(x);
    setSource(name);
    if (takesDigits) drawnDigit.setState({ pixels: x });
    setProblem(null);
    if (hasHost) void ask(x);
  };

  // Other current weights (a run finished, the user chose the initial ones): ask again.
  useEffect(() => {
    if (input) void ask(input);
  }, [weights]); // only when the weights change

  const top = prediction
    ? (prediction.classNames?.[prediction.predicted] ?? String(prediction.predicted))
    : null;
  const clear = () => {
    setClearSignal((n) => n + 1);
    setInput(null);
    setSource(null);
    drawnDigit.setState({ pixels: null });
    reset();
  };
  const what = takesDigits ? 'Draw a digit or drop a picture of one' : 'Drop a picture';
  return (
    <section className="try-it" role="group" aria-label="Try it">
      <h3>Try it</h3>
      {!picture ? (
        <p className="muted">
          Trying works for networks whose Input is a picture: 1×28×28 like the MNIST digits, or
          channels×height×width with 1 or 3 channels.
        </p>
      ) : (
        <>
          <p className="field-help">
            {trained ? `${what}; the trained network answers.` : `${what}. Untrained, the answer is a guess.`}
          </p>
          <p className="field-help try-it__weights" data-testid="try-it-weights">
            With {weights}. <WeightsChoiceField />
          </p>
          <PictureDrop onPicture={tryPicture} onProblem={setProblem}>
            <div className="try-it__row">
              {takesDigits && (
                <DrawPad
                  clearSignal={clearSignal}
                  onDrawn={(pixels) => {
                    const x = toMnistInput(pixels, PAD);
                    setInput(x);
                    setSource(null);
                    drawnDigit.setState({ pixels: x });
                    if (hasHost) void ask(x);
                  }}
                />
              )}
              <div className="try-it__side">
                <Seen input={input} shape={shape} caption={noisy ? 'clean (yours)' : undefined} />
                {prediction && !prediction.picture && top !== null && (
                  <p className="prediction__top" data-testid="prediction">
                    <strong className="prediction__class" data-testid="predicted-class">
                      {top}
                    </strong>
                    <span>{(prediction.probabilities[prediction.predicted] * 100).toFixed(0)}%</span>
                  </p>
                )}
                <button type="button" onClick={clear}>
                  Clear
                </button>
              </div>
            </div>
            <OutputPictures noisy={noisy} prediction={prediction} shape={shape} />
          </PictureDrop>
          {source && (
            <p className="field-help" data-testid="try-it-source">
              From the picture {source}
            </p>
          )}
          {problem && (
            <p className="danger" role="alert">
              {problem}
            </p>
          )}
          {prediction && (
            <>
              {!prediction.picture && <Bars prediction={prediction} />}
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
