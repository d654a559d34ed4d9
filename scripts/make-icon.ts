// Draws assets/icon.png (512x512): three layers of nodes wired together, the app's mark.
// Run with `npx tsx scripts/make-icon.ts`; electron-builder picks the PNG up for every platform.
import { writeFileSync } from 'node:fs';
import { PNG } from 'pngjs';

const size = 512;
const png = new PNG({ width: size, height: size });
const put = (x: number, y: number, [r, g, b]: number[], a = 255) => {
  if (x < 0 || y < 0 || x >= size || y >= size) return;
  const i = (y * size + x) * 4;
  const t = a / 255;
  png.data[i] = Math.round(png.data[i] * (1 - t) + r * t);
  png.data[i + 1] = Math.round(png.data[i + 1] * (1 - t) + g * t);
  png.data[i + 2] = Math.round(png.data[i + 2] * (1 - t) + b * t);
  png.data[i + 3] = Math.max(png.data[i + 3], a);
};
// Rounded square background.
for (let y = 0; y < size; y++)
  for (let x = 0; x < size; x++) {
    const dx = Math.max(0, Math.abs(x - 255.5) - 176);
    const dy = Math.max(0, Math.abs(y - 255.5) - 176);
    if (Math.hypot(dx, dy) <= 64) put(x, y, [24, 32, 48]);
  }
const layers = [
  [
    [140, 150],
    [140, 256],
    [140, 362],
  ],
  [
    [256, 200],
    [256, 312],
  ],
  [[372, 256]],
];
const line = (x0: number, y0: number, x1: number, y1: number) => {
  const steps = Math.ceil(Math.hypot(x1 - x0, y1 - y0));
  for (let s = 0; s <= steps; s++) {
    const x = x0 + ((x1 - x0) * s) / steps;
    const y = y0 + ((y1 - y0) * s) / steps;
    for (let oy = -4; oy <= 4; oy++)
      for (let ox = -4; ox <= 4; ox++)
        if (ox * ox + oy * oy <= 16) put(Math.round(x + ox), Math.round(y + oy), [120, 150, 200]);
  }
};
for (let l = 0; l < layers.length - 1; l++)
  for (const [x0, y0] of layers[l]) for (const [x1, y1] of layers[l + 1]) line(x0, y0, x1, y1);
const colours = [
  [66, 133, 244],
  [232, 127, 36],
  [52, 168, 83],
];
layers.forEach((nodes, l) =>
  nodes.forEach(([cx, cy]) => {
    for (let y = cy - 36; y <= cy + 36; y++)
      for (let x = cx - 36; x <= cx + 36; x++) if (Math.hypot(x - cx, y - cy) <= 34) put(x, y, colours[l]);
  }),
);
writeFileSync(new URL('../assets/icon.png', import.meta.url), PNG.sync.write(png));
console.log('wrote assets/icon.png');
