// Next-character prediction over any text: the user's own file, or the seeded grammar of
// sequences.ts. Each sample is a window of `length` characters as ids into the vocabulary (what an
// Embedding reads) and its label is the character that follows the window.
import { limitText, MAX_DATASET_ELEMENTS, formatCount } from '../limits.ts';
import { makeDataset, type Dataset } from './dataset.ts';

/** The most different characters a text may hold: an output layer per character stays small. */
export const MAX_TEXT_VOCABULARY = 256;
/** Characters per window when none is given. */
export const DEFAULT_TEXT_WINDOW = 32;

/** How a character reads as a class name: whitespace and control characters by name. */
export function characterName(ch: string): string {
  if (ch === ' ') return 'space';
  if (ch === '\n') return 'newline';
  if (ch === '\t') return 'tab';
  const code = ch.codePointAt(0)!;
  return code < 32 || code === 127 ? `U+${code.toString(16).toUpperCase().padStart(4, '0')}` : ch;
}

/**
 * Windows of `length` ids starting every `stride` positions, each labelled with the id after it.
 * The one place both the grammar's text and the user's files are cut into samples.
 */
export function windowsOf(ids: Int32Array, length: number, count: number, stride = 1) {
  const x = new Float32Array(count * length);
  const y = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const start = i * stride;
    x.set(ids.subarray(start, start + length), i * length);
    y[i] = ids[start + length];
  }
  return { x, y };
}

export interface TextWindowsOptions {
  /** Characters per window (default DEFAULT_TEXT_WINDOW). */
  length?: number;
  /** The file's name, for the data set and its errors. */
  name?: string;
  /** The most numbers the windows may hold (default MAX_DATASET_ELEMENTS; smaller in tests). */
  maxElements?: number;
}

export interface TextWindows {
  dataset: Dataset;
  /** Windows start this many characters apart (1 unless the text is too long for every window). */
  stride: number;
  /** What the user should know about how the text was read. */
  notes: string[];
}

/**
 * The text's windows, its vocabulary being the characters it holds (sorted by code point, so the
 * same text always gives the same class ids). Sizes are checked before anything is allocated: a
 * text too long for a window at every character takes every k-th window.
 */
export function textWindows(text: string, opts: TextWindowsOptions = {}): TextWindows {
  const name = opts.name ?? 'text';
  const length = opts.length ?? DEFAULT_TEXT_WINDOW;
  if (!Number.isInteger(length) || length < 1 || length > 4096)
    throw new Error(`${name}: the window must be a whole number of characters from 1 to 4096, got ${length}`);
  const chars = Array.from(text);
  if (chars.length < length + 1)
    throw new Error(
      `${name}: ${formatCount(chars.length)} characters; a window of ${length} needs at least ${length + 1} (a longer text or a shorter window)`,
    );
  const vocabulary = [...new Set(chars)].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
  if (vocabulary.length > MAX_TEXT_VOCABULARY)
    throw new Error(
      `${name}: the text holds ${formatCount(vocabulary.length)} different characters; a character model takes at most ${MAX_TEXT_VOCABULARY} (is it a plain-text file?)`,
    );
  const every = chars.length - length;
  const maxElements = opts.maxElements ?? MAX_DATASET_ELEMENTS;
  const stride = Math.ceil((every * length) / maxElements);
  const count = Math.floor((every - 1) / stride) + 1;
  const index = new Map(vocabulary.map((ch, i) => [ch, i]));
  const { x, y } = windowsOf(
    Int32Array.from(chars, (ch) => index.get(ch)!),
    length,
    count,
    stride,
  );
  const notes = [
    `${formatCount(count)} windows of ${length} characters; ${vocabulary.length} different characters are the classes.`,
  ];
  if (stride > 1)
    notes.push(
      `The text is long: a window starts every ${stride} characters, so the set stays within ${maxElements === MAX_DATASET_ELEMENTS ? limitText('MAX_DATASET_ELEMENTS') : formatCount(maxElements)} numbers.`,
    );
  const dataset = makeDataset({
    name,
    inputShape: [length],
    numClasses: vocabulary.length,
    classNames: vocabulary.map(characterName),
    x,
    y,
  });
  return { dataset, stride, notes };
}
