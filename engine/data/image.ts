// Decoded pixels (RGBA bytes, whatever the file format) to a channel-first float sample, and a
// bilinear resize so a folder of differently sized pictures becomes one tensor. Decoding itself
// needs codecs and lives in host/; this part is plain arithmetic and is shared.

export interface RgbaImage {
  width: number;
  height: number;
  /** width * height * 4 bytes, row-major RGBA. */
  data: Uint8Array;
}

/**
 * RGBA bytes to [C, H, W] values in [0, 1]. Transparent pixels are composited over white, as an
 * image viewer shows them (a black-on-transparent drawing stays black on white). Grayscale uses
 * the ITU-R BT.601 luma weights, as PIL's convert('L') does.
 */
export function rgbaToChw(img: RgbaImage, grayscale: boolean): Float32Array {
  const { width, height, data } = img;
  const plane = width * height;
  const out = new Float32Array((grayscale ? 1 : 3) * plane);
  for (let p = 0; p < plane; p++) {
    const a = data[4 * p + 3] / 255;
    const bg = 1 - a;
    const r = (data[4 * p] / 255) * a + bg;
    const g = (data[4 * p + 1] / 255) * a + bg;
    const b = (data[4 * p + 2] / 255) * a + bg;
    if (grayscale) out[p] = 0.299 * r + 0.587 * g + 0.114 * b;
    else {
      out[p] = r;
      out[plane + p] = g;
      out[2 * plane + p] = b;
    }
  }
  return out;
}

/**
 * Bilinear resize of a [C, H, W] array with half-pixel centres (align_corners=False, the
 * PyTorch and PIL convention). No antialiasing: strong downscaling skips pixels.
 */
export function resizeBilinear(
  src: Float32Array,
  c: number,
  h: number,
  w: number,
  outH: number,
  outW: number,
): Float32Array {
  if (h === outH && w === outW) return src;
  const out = new Float32Array(c * outH * outW);
  const sy = h / outH;
  const sx = w / outW;
  for (let oy = 0; oy < outH; oy++) {
    const fy = Math.min(Math.max((oy + 0.5) * sy - 0.5, 0), h - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, h - 1);
    const dy = fy - y0;
    for (let ox = 0; ox < outW; ox++) {
      const fx = Math.min(Math.max((ox + 0.5) * sx - 0.5, 0), w - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, w - 1);
      const dx = fx - x0;
      for (let ch = 0; ch < c; ch++) {
        const base = ch * h * w;
        const top = src[base + y0 * w + x0] * (1 - dx) + src[base + y0 * w + x1] * dx;
        const bottom = src[base + y1 * w + x0] * (1 - dx) + src[base + y1 * w + x1] * dx;
        out[ch * outH * outW + oy * outW + ox] = top * (1 - dy) + bottom * dy;
      }
    }
  }
  return out;
}
