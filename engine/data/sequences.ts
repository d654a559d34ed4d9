// Character-level text from a small seeded grammar, for sequence models: each sample is a window
// of `length` characters (as ids into the vocabulary) and its label is the character that follows.
// The grammar is ours (a few determiners, adjectives, nouns and verbs), so the text is generated,
// never copied, and two runs with one seed give the same text.
import { makeDataset, type Dataset } from './dataset.ts';
import { createRng, type Rng } from './random.ts';

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

/** Next-character prediction: window i is characters i .. i + length - 1, its label character i + length. */
export function charText(opts: CharTextOptions): Dataset {
  const length = opts.length ?? 16;
  const { n } = opts;
  if (!Number.isInteger(n) || n < 0) throw new Error(`chars: n must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(length) || length < 1)
    throw new Error(`chars: length must be a positive integer, got ${length}`);
  const text = grammarText(n + length, opts.seed ?? 0);
  const ids = Int32Array.from(text, (ch) => CHAR_VOCABULARY.indexOf(ch));
  const x = new Float32Array(n * length);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    x.set(ids.subarray(i, i + length), i * length);
    y[i] = ids[i + length];
  }
  return makeDataset({
    name: 'chars',
    inputShape: [length],
    numClasses: CHAR_VOCABULARY.length,
    classNames: CHAR_VOCABULARY.map((c) => (c === ' ' ? 'space' : c)),
    x,
    y,
  });
}
