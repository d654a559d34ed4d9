import { PNG } from 'pngjs';
import { readFileSync, writeFileSync } from 'node:fs';
const [src, out, x0, y0, w, h, k] = process.argv.slice(2).map((v, i) => (i < 2 ? v : Number(v)));
const a = PNG.sync.read(readFileSync(src));
const o = new PNG({ width: w * k, height: h * k });
for (let y = 0; y < h * k; y++) for (let x = 0; x < w * k; x++) {
  const i = ((y0 + Math.floor(y / k)) * a.width + x0 + Math.floor(x / k)) * 4, j = (y * w * k + x) * 4;
  for (let c = 0; c < 4; c++) o.data[j + c] = a.data[i + c];
}
writeFileSync(out, PNG.sync.write(o));
