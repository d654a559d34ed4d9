// The Training panel's charts as one PNG: each chart's canvas side by side on the panel colour,
// with its title and a legend drawn in (uPlot's own legend is HTML, not part of the canvas).
export interface ChartPicture {
  title: string;
  canvas: HTMLCanvasElement;
  legend: { label: string; color: string }[];
}

export function composeCharts(
  charts: readonly ChartPicture[],
  colors: { bg: string; text: string },
): HTMLCanvasElement {
  const scale = window.devicePixelRatio || 1;
  const pad = 12 * scale;
  const titleH = 22 * scale;
  const legendH = 18 * scale;
  const width = charts.reduce((w, c) => w + c.canvas.width + pad, pad);
  const height = pad + titleH + Math.max(0, ...charts.map((c) => c.canvas.height)) + legendH + pad;
  const out = document.createElement('canvas');
  out.width = width;
  out.height = height;
  const ctx = out.getContext('2d')!;
  ctx.fillStyle = colors.bg;
  ctx.fillRect(0, 0, width, height);
  let x = pad;
  for (const c of charts) {
    ctx.fillStyle = colors.text;
    ctx.font = `600 ${13 * scale}px system-ui, sans-serif`;
    ctx.fillText(c.title, x, pad + 14 * scale);
    ctx.drawImage(c.canvas, x, pad + titleH);
    let lx = x;
    const ly = pad + titleH + c.canvas.height + 13 * scale;
    ctx.font = `${11 * scale}px system-ui, sans-serif`;
    for (const item of c.legend.slice(0, 8)) {
      ctx.fillStyle = item.color;
      ctx.fillRect(lx, ly - 8 * scale, 10 * scale, 3 * scale);
      ctx.fillStyle = colors.text;
      ctx.fillText(item.label, lx + 14 * scale, ly);
      lx += ctx.measureText(item.label).width + 26 * scale;
    }
    x += c.canvas.width + pad;
  }
  return out;
}
