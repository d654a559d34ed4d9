// A 2-D slice of a tensor drawn as a heat map, one canvas pixel per value, scaled up with
// crisp (pixelated) edges so a 5x5 kernel reads as 25 squares on a projector. Hovering shows the
// value under the pointer in the tooltip.
import { useEffect, useRef, useState } from 'react';
import type { HeatRange } from './heatMap.ts';
import { heatPixels, heatRange } from './heatMap.ts';

export interface HeatMapProps {
  values: ArrayLike<number>;
  width: number;
  height: number;
  /** Shared range (so a grid of channels compares fairly); by default this slice's own. */
  range?: HeatRange;
  /** Displayed size of the longer side, in CSS pixels. */
  size?: number;
  label: string;
  onPick?: (x: number, y: number) => void;
}

export function HeatMap({ values, width, height, range, size = 96, label, onPick }: HeatMapProps) {
  const ref = useRef<HTMLCanvasElement>(null);
  const [hover, setHover] = useState<string | null>(null);
  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    const pixels = heatPixels(values, width, height, range ?? heatRange(values));
    ctx.putImageData(new ImageData(pixels, width, height), 0, 0);
  }, [values, width, height, range]);
  const scale = size / Math.max(width, height);
  const at = (e: React.MouseEvent<HTMLCanvasElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    const x = Math.min(width - 1, Math.floor(((e.clientX - r.left) / r.width) * width));
    const y = Math.min(height - 1, Math.floor(((e.clientY - r.top) / r.height) * height));
    return [Math.max(0, x), Math.max(0, y)] as const;
  };
  return (
    <canvas
      ref={ref}
      className="heat-map"
      width={width}
      height={height}
      role="img"
      aria-label={label}
      title={hover ?? label}
      style={{ width: width * scale, height: height * scale, imageRendering: 'pixelated' }}
      onMouseMove={(e) => {
        const [x, y] = at(e);
        setHover(`${label} [${y}, ${x}] = ${Number(values[y * width + x]).toPrecision(4)}`);
      }}
      onMouseLeave={() => setHover(null)}
      onClick={onPick ? (e) => onPick(...at(e)) : undefined}
    />
  );
}
