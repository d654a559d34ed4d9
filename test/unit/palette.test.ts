// The shared qualitative palette stays distinguishable for the commonest colour-vision
// deficiencies. Simulation: Machado, Oliveira & Fernandes (2009), "A physiologically-based model
// for simulation of color vision deficiency", IEEE TVCG 15(6), severity 1.0 matrices, applied in
// linear sRGB. Distance: CIE76 ΔE*ab in CIELAB (D65). ΔE ≈ 2.3 is a just-noticeable difference;
// 15 asks for colours that are told apart at a glance on a washed-out projector.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import { categoryColor } from '../../renderer/canvas/layerStyle.ts';
import { QUALITATIVE } from '../../renderer/components/palette.ts';

type Mat = number[][];
const MACHADO: Record<string, Mat> = {
  normal: [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ],
  deuteranopia: [
    [0.367322, 0.860646, -0.227968],
    [0.280085, 0.672501, 0.047413],
    [-0.01182, 0.04294, 0.968881],
  ],
  protanopia: [
    [0.152286, 1.052583, -0.204868],
    [0.114503, 0.786281, 0.099216],
    [-0.003882, -0.048116, 1.051998],
  ],
};
const MIN_DELTA_E = 15;

const toLinear = (c: number) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);

function linearRgb(hex: string): number[] {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  assert.ok(m, `not a #rrggbb colour: ${hex}`);
  return [m[1], m[2], m[3]].map((h) => toLinear(parseInt(h, 16) / 255));
}

function lab([r, g, b]: number[]): number[] {
  // sRGB (D65) to XYZ, then CIELAB with the D65 white.
  const x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
  const y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  const z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : ((24389 / 27) * t + 16) / 116);
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}

function simulate(hex: string, m: Mat): number[] {
  const c = linearRgb(hex);
  return lab(m.map((row) => Math.min(1, Math.max(0, row[0] * c[0] + row[1] * c[1] + row[2] * c[2]))));
}

const deltaE = (a: number[], b: number[]) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

function closestPair(colors: readonly string[], m: Mat): { d: number; pair: string } {
  let best = { d: Infinity, pair: '' };
  for (let i = 0; i < colors.length; i++)
    for (let j = i + 1; j < colors.length; j++) {
      const d = deltaE(simulate(colors[i], m), simulate(colors[j], m));
      if (d < best.d) best = { d, pair: `${colors[i]}/${colors[j]}` };
    }
  return best;
}

describe('The qualitative palette under simulated colour-vision deficiency', () => {
  it('the check catches the classic red/green failure (so it can fail)', () => {
    // Tableau's red and green, which the race used to draw Nesterov and Adam in.
    assert.ok(closestPair(['#e15759', '#59a14f'], MACHADO.deuteranopia).d < 5);
    assert.ok(closestPair(['#e15759', '#59a14f'], MACHADO.normal).d > 40);
  });

  it('the simulation matches a published fixed point: greys are unchanged', () => {
    for (const m of Object.values(MACHADO)) {
      const grey = simulate('#777777', m);
      assert.ok(deltaE(grey, lab(linearRgb('#777777'))) < 0.5);
    }
  });

  it('has enough colours for the race (5 optimizers) and 2-D sets (3 classes)', () => {
    assert.ok(QUALITATIVE.length >= 5);
    assert.equal(new Set(QUALITATIVE.map((c) => c.toLowerCase())).size, QUALITATIVE.length);
  });

  for (const [name, m] of Object.entries(MACHADO)) {
    it(`every pair differs by ΔE76 ≥ ${MIN_DELTA_E} for ${name} vision`, () => {
      const { d, pair } = closestPair(QUALITATIVE, m);
      assert.ok(d >= MIN_DELTA_E, `${pair} differ by only ΔE ${d.toFixed(1)} (${name})`);
    });
  }
});

// WCAG 2.1 relative luminance and contrast ratio; 1.4.11 asks ≥ 3:1 for graphical objects such as
// the category stripe, the palette's category bar and the port dots.
const luminance = (hex: string) => {
  const [r, g, b] = linearRgb(hex);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** A theme's CSS custom property, read from the stylesheet the app ships. */
function themeVar(theme: 'light' | 'dark', name: string): string {
  const css = readFileSync(new URL('../../renderer/styles.css', import.meta.url), 'utf8');
  const block = new RegExp(`\\[data-theme='${theme}'\\]\\s*\\{([^}]*)\\}`).exec(css);
  assert.ok(block, `no [data-theme='${theme}'] block in styles.css`);
  const value = new RegExp(`${name}:\\s*(#[0-9a-f]{6})\\b`, 'i').exec(block[1]);
  assert.ok(value, `${name} is not a #rrggbb colour in the ${theme} theme`);
  return value[1];
}

describe('Layer category colours', () => {
  const categories = Object.entries(categoryColor);

  it('the contrast formula reproduces published WCAG figures (so it can fail)', () => {
    // 21:1 is the WCAG maximum; #777 on white is WebAIM's well-known 4.48:1 "just fails AA".
    assert.equal(contrast('#000000', '#ffffff').toFixed(2), '21.00');
    assert.equal(contrast('#777777', '#ffffff').toFixed(2), '4.48');
  });

  it('the old category colours fail the check (pooling and regularization merged for deuteranopes)', () => {
    assert.ok(closestPair(['#16a085', '#7f8c8d'], MACHADO.deuteranopia).d < 5);
  });

  it('every category has its own colour', () => {
    const colours = categories.map(([, c]) => c.toLowerCase());
    assert.equal(new Set(colours).size, colours.length);
  });

  for (const [name, m] of Object.entries(MACHADO)) {
    it(`every pair of category colours differs by ΔE76 ≥ ${MIN_DELTA_E} for ${name} vision`, () => {
      for (let i = 0; i < categories.length; i++)
        for (let j = i + 1; j < categories.length; j++) {
          const [[a, ca], [b, cb]] = [categories[i], categories[j]];
          const d = deltaE(simulate(ca, m), simulate(cb, m));
          assert.ok(
            d >= MIN_DELTA_E,
            `${a} ${ca} and ${b} ${cb} differ by only ΔE ${d.toFixed(1)} (${name})`,
          );
        }
    });
  }

  it('the type name, drawn in the category colour through a brightness filter, keeps 4.5:1 text contrast', () => {
    const css = readFileSync(new URL('../../renderer/canvas/canvas.css', import.meta.url), 'utf8');
    const brightness = (selector: string) => {
      const rule = new RegExp(`(?:^|\\n)${selector.replace(/[[\]().]/g, '\\$&')}\\s*\\{([^}]*)\\}`).exec(css);
      const b = rule && /filter:\s*brightness\(([\d.]+)\)/.exec(rule[1]);
      assert.ok(b, `no brightness() filter on ${selector}`);
      return Number(b[1]);
    };
    // CSS brightness() scales the gamma-encoded channels, clipped at 255.
    const scaled = (hex: string, k: number) =>
      '#' +
      [1, 3, 5]
        .map((i) =>
          Math.min(255, Math.round(parseInt(hex.slice(i, i + 2), 16) * k))
            .toString(16)
            .padStart(2, '0'),
        )
        .join('');
    const themes = [
      ['light', brightness('.layer-node__type')],
      ['dark', brightness("[data-theme='dark'] .layer-node__type")],
    ] as const;
    for (const [theme, k] of themes)
      for (const [category, colour] of categories) {
        const c = contrast(scaled(colour, k), themeVar(theme, '--node-bg'));
        assert.ok(
          c >= 4.5,
          `${category} type name ${scaled(colour, k)} is only ${c.toFixed(2)}:1 (${theme})`,
        );
      }
  });

  for (const theme of ['light', 'dark'] as const) {
    for (const surface of ['--node-bg', '--panel']) {
      it(`every category colour has ≥ 3:1 contrast on the ${theme} theme's ${surface}`, () => {
        const bg = themeVar(theme, surface);
        for (const [category, colour] of categories) {
          const k = contrast(colour, bg);
          assert.ok(k >= 3, `${category} ${colour} on ${bg} is only ${k.toFixed(2)}:1 (${theme})`);
        }
      });
    }
  }
});
