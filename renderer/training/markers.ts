// Point markers for class-coloured scatter plots: each class also gets its own shape, so the
// classes stay apart for colour-blind students and on washed-out projectors.

export const MARKER_SHAPES = ['circle', 'square', 'triangle', 'diamond', 'triangle-down', 'plus'] as const;
export type MarkerShape = (typeof MARKER_SHAPES)[number];

export const markerOf = (label: number): MarkerShape => MARKER_SHAPES[label % MARKER_SHAPES.length];

/** The outline of a marker of about the same visual weight as a circle of radius r, as polygon points. */
export function markerPolygon(shape: MarkerShape, x: number, y: number, r: number): [number, number][] {
  switch (shape) {
    case 'square': {
      const h = r * 0.89; // same area as the circle
      return [
        [x - h, y - h],
        [x + h, y - h],
        [x + h, y + h],
        [x - h, y + h],
      ];
    }
    case 'triangle':
    case 'triangle-down': {
      const s = shape === 'triangle' ? 1 : -1;
      const h = r * 1.55; // equilateral, about the circle's area
      return [
        [x, y - s * h],
        [x + h * 0.87, y + s * h * 0.5],
        [x - h * 0.87, y + s * h * 0.5],
      ];
    }
    case 'diamond': {
      const h = r * 1.25;
      return [
        [x, y - h],
        [x + h, y],
        [x, y + h],
        [x - h, y],
      ];
    }
    case 'plus': {
      const a = r * 1.2;
      const b = r * 0.4;
      return [
        [x - b, y - a],
        [x + b, y - a],
        [x + b, y - b],
        [x + a, y - b],
        [x + a, y + b],
        [x + b, y + b],
        [x + b, y + a],
        [x - b, y + a],
        [x - b, y + b],
        [x - a, y + b],
        [x - a, y - b],
        [x - b, y - b],
      ];
    }
    default:
      return [];
  }
}

/** Adds the marker's path to ctx (call fill/stroke after). */
export function traceMarker(
  ctx: CanvasRenderingContext2D,
  shape: MarkerShape,
  x: number,
  y: number,
  r: number,
): void {
  ctx.beginPath();
  if (shape === 'circle') {
    ctx.arc(x, y, r, 0, 2 * Math.PI);
    return;
  }
  const points = markerPolygon(shape, x, y, r);
  points.forEach(([px, py], i) => (i ? ctx.lineTo(px, py) : ctx.moveTo(px, py)));
  ctx.closePath();
}
