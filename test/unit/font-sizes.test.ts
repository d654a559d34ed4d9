// Readable on a classroom projector: no text in the renderer below 12px, every CSS font size on
// the one type scale (so presentation mode scales all of it), and presentation mode ≈ +30%.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const FLOOR_PX = 12;
const PRESENTATION_SMALL_FLOOR_PX = 14;
const PRESENTATION_BODY_FLOOR_PX = 16;

function filesUnder(dir: string, ext: RegExp): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name), ext) : ext.test(e.name) ? [join(dir, e.name)] : [],
  );
}

/** The size part of every `font-size:` and `font:` declaration (comments stripped). */
export function fontSizesIn(css: string): string[] {
  // Comments and the root sizes on <html> (the one place px belongs) are left out.
  const text = css.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|\n)html(\[[^\]]*\])?\s*\{[^}]*\}/g, '');
  const sizes: string[] = [];
  for (const m of text.matchAll(/(?:^|[;{\s])font-size\s*:\s*([^;}]+)/g)) sizes.push(m[1].trim());
  for (const m of text.matchAll(/(?:^|[;{\s])font\s*:\s*([^;}]+)/g)) {
    const value = m[1].trim();
    if (value === 'inherit' || value === 'initial' || value === 'unset') continue;
    // The size is the token before the optional "/line-height" and the family list.
    const size = /(var\(--[\w-]+\)|[\d.]+(?:px|rem|em|%))/.exec(value);
    sizes.push(size ? size[1] : value);
  }
  return sizes;
}

const styles = readFileSync('renderer/styles.css', 'utf8');

function rootPx(selector: RegExp): number {
  const block = selector.exec(styles)?.[1];
  const px = block && /font-size:\s*([\d.]+)px/.exec(block)?.[1];
  assert.ok(px, `no root font size for ${selector} in renderer/styles.css`);
  return Number(px);
}
const NORMAL_ROOT = rootPx(/\nhtml\s*\{([^}]*)\}/);
const PRESENTATION_ROOT = rootPx(/html\[data-presentation='on'\]\s*\{([^}]*)\}/);

/** The type scale: --fs-* custom properties, in rem, defined once in styles.css. */
const SCALE = new Map(
  [...styles.matchAll(/(--fs-[\w-]+)\s*:\s*([\d.]+)rem\s*;/g)].map((m) => [m[1], Number(m[2])]),
);

function pxAt(size: string, root: number): number | null {
  const v = /^var\((--fs-[\w-]+)\)$/.exec(size);
  if (v) return SCALE.has(v[1]) ? SCALE.get(v[1])! * root : null;
  const rem = /^([\d.]+)rem$/.exec(size);
  if (rem) return Number(rem[1]) * root;
  const px = /^([\d.]+)px$/.exec(size);
  if (px) return Number(px[1]);
  return null;
}

describe('Font sizes in renderer CSS', () => {
  it('the parser finds sizes in both declaration forms (so the checks below can fail)', () => {
    assert.deepEqual(fontSizesIn('.a { font-size: 11px; } .b {\n  font:\n    10px/1.4 system-ui; }'), [
      '11px',
      '10px',
    ]);
    assert.equal(pxAt('11px', 13)! < FLOOR_PX, true);
  });

  it('the type scale is defined once and presentation mode grows it by about 30%', () => {
    for (const name of ['--fs-small', '--fs-body', '--fs-title']) assert.ok(SCALE.has(name), name);
    const growth = PRESENTATION_ROOT / NORMAL_ROOT;
    assert.ok(growth >= 1.25 && growth <= 1.45, `presentation grows type by ${growth}`);
    const smallest = Math.min(...SCALE.values());
    assert.ok(smallest * NORMAL_ROOT >= FLOOR_PX - 0.01, `smallest step ${smallest * NORMAL_ROOT}px`);
    assert.ok(smallest * PRESENTATION_ROOT >= PRESENTATION_SMALL_FLOOR_PX);
    assert.ok(SCALE.get('--fs-body')! * PRESENTATION_ROOT >= PRESENTATION_BODY_FLOOR_PX);
  });

  const files = filesUnder('renderer', /\.css$/);
  it('finds the CSS files', () => assert.ok(files.length >= 10, files.join(', ')));

  for (const file of files) {
    it(`${file}: every size is on the scale and at least ${FLOOR_PX}px`, () => {
      for (const size of fontSizesIn(readFileSync(file, 'utf8'))) {
        const px = pxAt(size, NORMAL_ROOT);
        assert.ok(px !== null, `${file}: font size "${size}" is not on the type scale; use var(--fs-…)`);
        assert.ok(px >= FLOOR_PX - 0.01, `${file}: font size ${size} is ${px}px, below ${FLOOR_PX}px`);
        // A fixed px size would not grow in presentation mode.
        assert.ok(!/px$/.test(size), `${file}: font size ${size} is fixed; use var(--fs-…)`);
      }
    });
  }

  it('text drawn from TSX (SVG attributes, canvas fonts) is at least 12px', () => {
    const offenders: string[] = [];
    for (const file of filesUnder('renderer', /\.tsx?$/)) {
      const src = readFileSync(file, 'utf8');
      for (const m of src.matchAll(
        /fontSize=\{(\d+(?:\.\d+)?)\}|fontSize:\s*(\d+(?:\.\d+)?)|\b(\d+(?:\.\d+)?)px (?:system-ui|sans-serif|ui-monospace|monospace)/g,
      )) {
        const px = Number(m[1] ?? m[2] ?? m[3]);
        if (px < FLOOR_PX) offenders.push(`${file}: ${m[0]}`);
      }
    }
    assert.deepEqual(offenders, []);
  });
});
