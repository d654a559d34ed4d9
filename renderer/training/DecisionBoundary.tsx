// The live decision boundary of a 2-D classification run: the class the current model predicts
// over the data's bounding box, coloured by class, with the training points on top; redrawn after
// every epoch from the host's 'boundary' events.
import { useEffect, useRef } from 'react';
import { markerOf, traceMarker } from './markers.ts';
import { useApp } from '../state/appStore.ts';
import type { Boundary } from './trainingState.ts';
import { CLASS_COLORS } from './TrainingDataset.tsx';

const SIZE = 240;
const color = (label: number) => CLASS_COLORS[label % CLASS_COLORS.length];

/** A class colour mixed with white: the regions stay light enough for the points to show. */
function tint(label: number): [number, number, number] {
  const hex = color(label);
  return [1, 3, 5].map((i) => Math.round(255 * 0.65 + parseInt(hex.slice(i, i + 2), 16) * 0.35)) as [
    number,
    number,
    number,
  ];
}

function draw(canvas: HTMLCanvasElement, b: Boundary): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  // One pixel per cell, scaled up without smoothing: sharp cells, no seams between them.
  const cells = new ImageData(b.size, b.size);
  for (let i = 0; i < b.size * b.size; i++) {
    const [r, g, bl] = tint(b.classes[i] ?? 0);
    cells.data.set([r, g, bl, 255], 4 * i);
  }
  const small = document.createElement('canvas');
  small.width = b.size;
  small.height = b.size;
  small.getContext('2d')?.putImageData(cells, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(small, 0, 0, SIZE, SIZE);
  ctx.lineWidth = 0.75;
  ctx.strokeStyle = '#ffffff';
  for (const [x, y, label] of b.points) {
    const px = ((x - b.x0) / (b.x1 - b.x0)) * SIZE;
    const py = ((b.y1 - y) / (b.y1 - b.y0)) * SIZE;
    traceMarker(ctx, markerOf(label), px, py, 3);
    ctx.fillStyle = color(label);
    ctx.fill();
    ctx.stroke();
  }
}

export function DecisionBoundary() {
  const boundary = useApp((s) => s.training.boundary);
  const epochs = useApp((s) => s.training.epochs);
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (ref.current && boundary) draw(ref.current, boundary);
  }, [boundary]);
  if (!boundary) return null;
  const accuracy = epochs.find((p) => p.epoch === boundary.epoch)?.trainAccuracy ?? null;
  const accuracyText = accuracy === null ? 'not measured' : accuracy.toFixed(3);
  const label = `Decision boundary after epoch ${boundary.epoch}, training accuracy ${accuracyText}`;
  return (
    <figure className="chart-figure decision-boundary">
      <figcaption>Decision boundary</figcaption>
      <canvas
        ref={ref}
        role="img"
        aria-label={label}
        data-epoch={boundary.epoch}
        width={SIZE}
        height={SIZE}
        className="decision-boundary__canvas"
      />
      <p className="decision-boundary__caption">
        Epoch {boundary.epoch} · training accuracy {accuracyText}
      </p>
    </figure>
  );
}
