// A lesson read aloud in class says "press **Feature maps**": if that button has been renamed, the
// class is stuck. Every **bold** phrase of every shipped lesson is sorted here into a control the
// app must show with exactly that label, a node of the lesson's own graph, a layer type, or a
// term that is merely emphasised; a new bold phrase has to be sorted before the tests pass.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allLayers } from '../../engine/index.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const TEMPLATES = join(ROOT, 'assets', 'templates');
const LAYER_TYPES = allLayers().map((l) => l.type);

/** Bold phrases that name a control; each maps to the label(s) the renderer must show verbatim. */
const CONTROLS: Record<string, string[]> = {
  'Train with these settings': ['Train with these settings'],
  Train: ['Train'],
  Summary: ['Summary'],
  'Try it': ['Try it'],
  'The surest mistakes': ['The surest mistakes'],
  'Feature maps': ['Feature maps'],
  Weights: ['Weights'],
  'Show receptive field': ['Show receptive field'],
  'Your guess': ['Your guess'],
  Reveal: ['Reveal'],
  'Step through': ['Step through'],
  'One run': ['One run'],
  'Optimizer race': ['Optimizer race'],
  'Start race': ['Start race'],
  'Run one batch': ['Run one batch'],
  'Check gradient': ['Check gradient'],
  'dLoss/d output': ['dLoss/d output'],
  'Gradient norms': ['Gradient norms'],
  'Decision boundary': ['Decision boundary'],
  'Random labels': ['Random labels'],
  'Only classes': ['Only classes'],
  'Freeze up to here': ['Freeze up to here'],
  'Replace classifier': ['Replace classifier'],
  Schedule: ['Schedule'],
  'Weight decay': ['Weight decay'],
  'Truncate BPTT': ['Truncate BPTT'],
  'Initial weights: All zeros': ['Initial weights', 'All zeros'],
  'Initial weights: Kaiming (He)': ['Initial weights', 'Kaiming (He)'],
  'One constant': ['One constant'],
  SGD: ['SGD'],
  Adam: ['Adam'],
  AdamW: ['AdamW'],
  'Heavy ball': ['Heavy ball'],
  'Sobel x': ['Sobel x'],
  'Box blur': ['Box blur'],
  Identity: ['Identity'],
  '∇': ['∇'],
  'ΔW/W': ['ΔW/W'],
};

/** Emphasised words that are not controls: terms, list headings, formula names, the hidden-value mark. */
const TERMS = new Set([
  '?',
  'PyTorch',
  'Classic',
  'Nesterov',
  'constant',
  'schedule',
  'Loss',
  'Output sigmoid',
  'Second Linear',
  'Hidden sigmoid',
  'First Linear',
  'Cross-entropy on scores',
  'Squared error through a sigmoid',
  'Dropout',
  'Batch normalization',
  'dilation',
  'stride',
  'Full BPTT',
  'Truncated BPTT',
]);

interface Shipped {
  file: string;
  text: string;
  nodeIds: string[];
}

function shippedLessons(): Shipped[] {
  return readdirSync(TEMPLATES)
    .filter((f) => f.endsWith('.netwright.json'))
    .map((file) => ({ file, doc: JSON.parse(readFileSync(join(TEMPLATES, file), 'utf8')) }))
    .filter(({ doc }) => typeof doc.lesson?.text === 'string')
    .map(({ file, doc }) => ({
      file,
      text: doc.lesson.text as string,
      nodeIds: (doc.graph.nodes as { id: string }[]).map((n) => n.id),
    }));
}

const boldPhrases = (text: string) => [...text.matchAll(/\*\*([^*]+)\*\*/g)].map((m) => m[1]);

function rendererSources(dir = join(ROOT, 'renderer')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? rendererSources(join(dir, e.name))
      : /\.tsx?$/.test(e.name)
        ? [readFileSync(join(dir, e.name), 'utf8')]
        : [],
  );
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * Whether a label is shown verbatim: as a whole string literal ('X', "X", `X`), as JSX text
 * between tags (>X<), or as a JSX text line of its own. Substrings don't count, so renaming
 * "Feature maps" to "Feature maps…" fails.
 */
function rendered(label: string, sources: string[]): boolean {
  const e = escape(label);
  const pattern = new RegExp(`(['"\`])${e}\\1|>\\s*${e}\\s*<|^\\s*${e}\\s*$`, 'm');
  return sources.some((s) => pattern.test(s));
}

describe('Bold names in the lessons', () => {
  const lessons = shippedLessons();
  const sources = rendererSources();

  it('the shipped templates carry lessons with bold names to check', () => {
    assert.ok(lessons.length >= 20, `${lessons.length} lessons`);
    assert.ok(lessons.flatMap((l) => boldPhrases(l.text)).length > 50);
  });

  it('every bold phrase is a control, a node of the lesson, a layer type or a listed term', () => {
    const unsorted = lessons.flatMap(({ file, text, nodeIds }) =>
      boldPhrases(text)
        .filter((p) => !(p in CONTROLS) && !TERMS.has(p) && !nodeIds.includes(p) && !LAYER_TYPES.includes(p))
        .map((p) => `${file}: **${p}**`),
    );
    assert.deepEqual(unsorted, [], 'add each to CONTROLS (with its on-screen label) or TERMS');
  });

  it('every control a lesson names is on screen under exactly that label', () => {
    const used = new Set(lessons.flatMap((l) => boldPhrases(l.text)).filter((p) => p in CONTROLS));
    const missing = [...used].flatMap((p) => CONTROLS[p].filter((label) => !rendered(label, sources)));
    assert.deepEqual(missing, [], 'a control was renamed: update the lesson text in scripts/');
  });

  it('the label check tells a renamed control from a present one', () => {
    // Old names from before the UI changed, and a prefix of a real label, are not found.
    for (const gone of ['Learning-rate schedule', 'dLoss/dOutput', 'Feature map'])
      assert.equal(rendered(gone, sources), false, gone);
    assert.equal(rendered('Feature maps', sources), true);
  });

  it('a node a lesson names in bold is in that lesson’s graph, and a bold layer type exists', () => {
    for (const { file, text, nodeIds } of lessons)
      for (const p of boldPhrases(text))
        if (/^[a-z0-9]+_\d+$/.test(p)) assert.ok(nodeIds.includes(p), `${file}: no node ${p}`);
    assert.ok(LAYER_TYPES.includes('Subtract'));
  });
});
