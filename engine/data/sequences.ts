// Character-level text from a small seeded grammar, for sequence models: each sample is a window
// of `length` characters (as ids into the vocabulary) and its label is the character that follows.
// The grammar is ours (a few determiners, adjectives, nouns and verbs), so the text is generated,
// never copied, and two runs with one seed give the same text.
import { makeDataset, type Dataset } from './dataset.ts';
import { createRng, type Rng } from './random.ts';
import { characterName, windowsOf } from './textWindows.ts';

const WORDS = {
  det: ['the', 'a', 'every', 'one'],
  adj: ['small', 'red', 'quick', 'old', 'quiet'],
  noun: ['cat', 'dog', 'bird', 'fox', 'mouse', 'horse'],
  verb: ['sees', 'likes', 'chases', 'finds', 'follows'],
};

/** Every character the grammar writes, sorted: the classes of the next-character task. */
export const CHAR_VOCABULARY: readonly string[] = [
  ...new Set([...Object.values(WORDS).flat().join(''), ' ', '.']),
].sort();

const pick = (rng: Rng, list: readonly string[]) => list[Math.floor(rng.next() * list.length)];

/** Det [Adj] Noun: an adjective half of the time. */
function nounPhrase(rng: Rng): string[] {
  const adj = rng.next() < 0.5 ? [pick(rng, WORDS.adj)] : [];
  return [pick(rng, WORDS.det), ...adj, pick(rng, WORDS.noun)];
}

/** Sentences "NP verb [NP]." joined by spaces until `chars` characters are written. */
export function grammarText(chars: number, seed = 0): string {
  const rng = createRng(seed);
  const parts: string[] = [];
  let size = 0;
  // `size` counts a space after every sentence; the joined text is one shorter.
  while (size - 1 < chars) {
    const object = rng.next() < 0.7 ? nounPhrase(rng) : [];
    const sentence = `${[...nounPhrase(rng), pick(rng, WORDS.verb), ...object].join(' ')}.`;
    parts.push(sentence);
    size += sentence.length + 1;
  }
  return parts.join(' ').slice(0, chars);
}

export interface CharTextOptions {
  /** Number of samples (windows). */
  n: number;
  /** Characters per window (default 16). */
  length?: number;
  seed?: number;
}

function charSizes(opts: CharTextOptions) {
  const length = opts.length ?? 16;
  const { n } = opts;
  if (!Number.isInteger(n) || n < 0) throw new Error(`chars: n must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(length) || length < 1)
    throw new Error(`chars: length must be a positive integer, got ${length}`);
  return { n, length };
}

const charIds = (text: string) => Int32Array.from(text, (ch) => CHAR_VOCABULARY.indexOf(ch));

function charDataset(x: Float32Array, y: Int32Array, length: number, streams?: number): Dataset {
  const ds = makeDataset({
    name: 'chars',
    inputShape: [length],
    numClasses: CHAR_VOCABULARY.length,
    classNames: CHAR_VOCABULARY.map(characterName),
    x,
    y,
  });
  return streams ? { ...ds, streams } : ds;
}

/** Next-character prediction: window i is characters i .. i + length - 1, its label character i + length. */
export function charText(opts: CharTextOptions): Dataset {
  const { n, length } = charSizes(opts);
  const { x, y } = windowsOf(charIds(grammarText(n + length, opts.seed ?? 0)), length, n);
  return charDataset(x, y, length);
}

/**
 * The same text as `streams` long sequences for truncated BPTT: the text is cut into `streams`
 * consecutive pieces, each read in non-overlapping windows of `length` characters; sample
 * k * streams + b is window k of piece b, labelled with the character after it. A batch of
 * `streams` samples in order is window k of every piece, so a carried state continues its own piece.
 */
export function charStreams(opts: CharTextOptions & { streams: number }): Dataset {
  const { n, length } = charSizes(opts);
  const B = opts.streams;
  if (!Number.isInteger(B) || B < 1 || B > n)
    throw new Error(`chars: streams must be an integer from 1 to the ${n} windows, got ${B}`);
  const windows = Math.floor(n / B);
  const piece = windows * length;
  const ids = charIds(grammarText(B * piece + 1, opts.seed ?? 0));
  const x = new Float32Array(windows * B * length);
  const y = new Int32Array(windows * B);
  for (let k = 0; k < windows; k++)
    for (let b = 0; b < B; b++) {
      const from = b * piece + k * length;
      x.set(ids.subarray(from, from + length), (k * B + b) * length);
      y[k * B + b] = ids[from + length];
    }
  return charDataset(x, y, length, B);
}

// ---------------------------------------------------------------------------------------------
// The classic sequence-memory tasks, generated from a seed (each is one answer per sequence, as the
// trainer has one target per sample).

export interface SequenceTaskOptions {
  /** Number of sequences. */
  n: number;
  /** Steps per sequence (a default per task). */
  length?: number;
  /** Standard deviation of the noise on the noisy sine's inputs (default 0.1). */
  noise?: number;
  seed?: number;
}

function sizes(name: string, opts: SequenceTaskOptions, fallback: number, least: number) {
  const length = opts.length ?? fallback;
  if (!Number.isInteger(opts.n) || opts.n < 0)
    throw new Error(`${name}: n must be a non-negative integer, got ${opts.n}`);
  if (!Number.isInteger(length) || length < least)
    throw new Error(`${name}: length must be an integer of at least ${least}, got ${length}`);
  return { n: opts.n, length, rng: createRng(opts.seed ?? 0) };
}

/**
 * The adding problem (Hochreiter & Schmidhuber 1997): every step is (value in [0, 1), marker); two
 * steps are marked, one in each half, and the target is the sum of their values. Predicting the
 * mean (1) scores an MSE of 1/6; a model must find and remember the marked values to do better.
 */
export function addingProblem(opts: SequenceTaskOptions): Dataset {
  const { n, length, rng } = sizes('adding', opts, 20, 2);
  const x = new Float32Array(n * length * 2);
  const y = new Float32Array(n);
  const half = Math.floor(length / 2);
  for (let i = 0; i < n; i++) {
    const marks = [Math.floor(rng.next() * half), half + Math.floor(rng.next() * (length - half))];
    for (let t = 0; t < length; t++) {
      const v = rng.next();
      x[(i * length + t) * 2] = v;
      if (marks.includes(t)) {
        x[(i * length + t) * 2 + 1] = 1;
        y[i] += v;
      }
    }
  }
  return makeDataset({ name: 'adding', inputShape: [length, 2], numClasses: 0, x, y });
}

/** Symbols of the copy task: ids 1..8; 0 is a blank and 9 the signal to answer. */
export const COPY_SYMBOLS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
export const COPY_VOCABULARY = ['_', ...COPY_SYMBOLS, '!'];

/**
 * The copy task with one answer: three symbols, blanks, then the signal (ids, for an Embedding);
 * the label is the first symbol, which the model must carry across the whole sequence. Chance is 1/8.
 */
export function copyTask(opts: SequenceTaskOptions): Dataset {
  const { n, length, rng } = sizes('copy', opts, 16, 4);
  const x = new Float32Array(n * length);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < 3; t++) x[i * length + t] = 1 + Math.floor(rng.next() * COPY_SYMBOLS.length);
    x[i * length + length - 1] = COPY_VOCABULARY.length - 1;
    y[i] = x[i * length] - 1;
  }
  return makeDataset({
    name: 'copy',
    inputShape: [length],
    numClasses: COPY_SYMBOLS.length,
    classNames: COPY_SYMBOLS,
    x,
    y,
  });
}

/** Parity: random bits, one per step; the label is whether the count of ones is odd. */
export function parityTask(opts: SequenceTaskOptions): Dataset {
  const { n, length, rng } = sizes('parity', opts, 8, 1);
  const x = new Float32Array(n * length);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let ones = 0;
    for (let t = 0; t < length; t++) {
      const bit = rng.next() < 0.5 ? 1 : 0;
      x[i * length + t] = bit;
      ones += bit;
    }
    y[i] = ones % 2;
  }
  return makeDataset({
    name: 'parity',
    inputShape: [length, 1],
    numClasses: 2,
    classNames: ['even', 'odd'],
    x,
    y,
  });
}

/**
 * A noisy sine to forecast: `length` noisy samples of sin(ω t + φ), ω uniform in [0.2, 0.6] radians
 * per step and φ uniform, and the target is the next noise-free value. Predicting the last input
 * scores about noise² plus the step's change; the frequency and phase must be read from the window.
 */
export function noisySine(opts: SequenceTaskOptions): Dataset {
  const { n, length, rng } = sizes('sine', opts, 24, 2);
  const noise = opts.noise ?? 0.1;
  if (!(noise >= 0)) throw new Error(`sine: noise must be >= 0, got ${noise}`);
  const x = new Float32Array(n * length);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const omega = 0.2 + 0.4 * rng.next();
    const phase = 2 * Math.PI * rng.next();
    for (let t = 0; t < length; t++) x[i * length + t] = Math.sin(omega * t + phase) + rng.normal(0, noise);
    y[i] = Math.sin(omega * length + phase);
  }
  return makeDataset({ name: 'sine', inputShape: [length, 1], numClasses: 0, x, y });
}
