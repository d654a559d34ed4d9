// The host's boundary rule in numbers: every message, file and graph is checked against these
// before any work is allocated for it, and going over one is an error that names the limit and
// the field or node. They live in the engine (pure, no Node) so analysis, the exporter, the
// document loader, the server, Electron's IPC handlers and the inspector all read the same values.
//
// Each bound is far above what a real model or data set of this app needs (VGG-16's largest
// weight is 103 M elements; MNIST's training images are 47 MB) and far below what would exhaust
// the machine, so a value over one is a typo, a damaged file or a hostile client.

/** UTF-8 bytes of one project file's text (about 16 M float32 weights as base64, plus the graph). */
export const MAX_DOCUMENT_BYTES = 64 * 2 ** 20;

/**
 * Bytes of one message to the host (a WebSocket frame, an IPC call's arguments). Room for a
 * project file sent as a JSON string: escaping at most doubles valid JSON text.
 */
export const MAX_MESSAGE_BYTES = 2 * MAX_DOCUMENT_BYTES + 2 ** 20;

/**
 * How deeply arrays and objects may nest in a project file (its free-form lesson included). A
 * real document nests about 7 deep; deeper input would overflow the stack of the recursive code
 * that reads, validates and writes JSON.
 */
export const MAX_DOCUMENT_DEPTH = 64;

/** Nesting of a whole message: a project file plus the request envelope around it. */
export const MAX_MESSAGE_DEPTH = MAX_DOCUMENT_DEPTH + 8;

/** Nodes in one graph (DenseNet-121 imports as about 900). */
export const MAX_NODES = 50_000;

/** Edges in one graph. */
export const MAX_EDGES = 200_000;

/**
 * The highest input or output port index of a node (0-based). A merge node's inputs are stored
 * by index, so an unbounded index would make analysis allocate that many slots.
 */
export const MAX_PORT_INDEX = 4095;

/**
 * Elements of one parameter tensor, and of one node's output per sample: 2^27 (512 MiB of
 * float32; VGG-16's largest weight has 103 M). A Conv2d with 10^9 output channels or a
 * 20000×20000 Linear is refused by analysis before anything is allocated for it.
 */
export const MAX_TENSOR_ELEMENTS = 2 ** 27;

/** Parameters and buffers of a whole model: 2^28 (1 GiB of float32; VGG-19 has 144 M). */
export const MAX_MODEL_ELEMENTS = 2 ** 28;

/** Bytes a gzip data file may decompress to (a 1 MB gzip bomb can otherwise inflate to 1 GB). */
export const MAX_DECOMPRESSED_BYTES = 256 * 2 ** 20;

/** Numbers in one loaded data set, samples × features (2^28: the whole CIFAR-10 training set fits). */
export const MAX_DATASET_ELEMENTS = 2 ** 28;

/** Classes of a data set: a label column of numbers makes max+1 classes, and a typo there a huge output layer. */
export const MAX_CLASSES = 65_536;

/** Pixels of one image in an image folder, checked from its header before it is decoded. */
export const MAX_IMAGE_PIXELS = 2 ** 25;

/** Every limit by name, for messages and documentation. */
export const LIMITS = {
  MAX_DOCUMENT_BYTES,
  MAX_MESSAGE_BYTES,
  MAX_DOCUMENT_DEPTH,
  MAX_MESSAGE_DEPTH,
  MAX_NODES,
  MAX_EDGES,
  MAX_PORT_INDEX,
  MAX_TENSOR_ELEMENTS,
  MAX_MODEL_ELEMENTS,
  MAX_DECOMPRESSED_BYTES,
  MAX_DATASET_ELEMENTS,
  MAX_IMAGE_PIXELS,
  MAX_CLASSES,
} as const;
export type LimitName = keyof typeof LIMITS;

/** A number as people read it: 268,435,456. */
export const formatCount = (n: number): string => n.toLocaleString('en-US');

/** "268,435,456 (MAX_TENSOR_ELEMENTS)": how every over-limit message names its limit. */
export function limitText(name: LimitName): string {
  return `${formatCount(LIMITS[name])} (${name})`;
}

/** UTF-8 length of a string without encoding it (lone surrogates count as U+FFFD, 3 bytes). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

/**
 * How deeply the arrays and objects of JSON text nest, found by scanning the text (strings
 * skipped) without parsing it; stops early once `limit` is passed. Linear and non-recursive.
 */
export function jsonTextDepth(text: string, limit = Infinity): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return deepest;
}

/**
 * How deeply a value's arrays and objects nest, walked without recursion; stops early once
 * `limit` is passed. For values that arrive already parsed (Electron IPC, a test).
 */
export function valueDepth(value: unknown, limit = Infinity): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  const seen = new Set<object>();
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (typeof v !== 'object' || v === null || seen.has(v)) continue;
    seen.add(v);
    if (d > deepest) {
      deepest = d;
      if (deepest > limit) return deepest;
    }
    if (ArrayBuffer.isView(v)) continue;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, d + 1]);
  }
  return deepest;
}
