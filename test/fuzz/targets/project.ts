// The project-file loader, from every template: JSON text mutations (bytes, truncation), and
// mutations of the parsed value at a random path (type swaps, huge and odd numbers, deep nesting,
// unicode in names and ids, port indices, removed or duplicated entries). Documented outcomes:
// a DocumentError naming the field, or a document that analyses, saves and loads back the same,
// and exports or says why not (ExportError).
import { readdirSync, readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import {
  analyze,
  DocumentError,
  ExportError,
  exportInference,
  exportProblems,
  parseDocument,
  serializeDocument,
} from '../../../engine/index.ts';
import { encodeModel } from '../../../engine/onnx/proto.ts';
import { templatesDir } from '../../helpers/templates.ts';
import { containers, int, pick, type FuzzTarget, type Rand } from '../target.ts';

let sources: string[] = [];

/** Documents export (with weights) only up to this many parameters: a case stays cheap. */
const EXPORT_PARAMS = 2_000_000;

const ODD_NUMBERS = [0, -0, -1, 1e308, -1e308, 2 ** 53 + 1, 4095, 4096, 1e9, 0.5, 1e-320, 2 ** 31];
const ODD_STRINGS = [
  '',
  ' ',
  '\u0000',
  '\ud800',
  '\u202e' + 'x',
  '💥'.repeat(50),
  'a'.repeat(10_000),
  '__proto__',
  'constructor',
  '../../etc/passwd',
  '{"a":1}',
  'NaN',
];

function oddValue(rand: Rand): unknown {
  switch (int(rand, 0, 7)) {
    case 0:
      return pick(rand, ODD_NUMBERS);
    case 1:
      return pick(rand, ODD_STRINGS);
    case 2:
      return null;
    case 3:
      return pick(rand, [true, false]);
    case 4:
      return [];
    case 5:
      return {};
    case 6: {
      // Nesting from a little to far past any limit.
      let v: unknown = 0;
      for (let d = pick(rand, [2, 20, 70, 1000, 20_000]); d > 0; d--) v = rand() < 0.5 ? [v] : { v };
      return v;
    }
    default:
      return Array.from({ length: int(rand, 1, 5) }, () => pick(rand, ODD_NUMBERS));
  }
}

function mutateValue(doc: unknown, rand: Rand): void {
  const all = containers(doc);
  const c = pick(rand, all);
  const keys = Object.keys(c);
  const key = keys.length ? pick(rand, keys) : '0';
  const obj = c as Record<string, unknown>;
  switch (int(rand, 0, 5)) {
    case 0:
      obj[key] = oddValue(rand); // type swap or odd value
      break;
    case 1:
      if (Array.isArray(c)) c.splice(Number(key), 1);
      else delete obj[key];
      break;
    case 2:
      if (Array.isArray(c) && c.length) c.push(structuredClone(c[int(rand, 0, c.length - 1)]));
      else obj[pick(rand, ODD_STRINGS)] = oddValue(rand);
      break;
    case 3:
      if (typeof obj[key] === 'number') obj[key] = pick(rand, [4095, 4096, 1e8, -1, 0.5, 2 ** 53]);
      else obj[key] = pick(rand, ODD_STRINGS);
      break;
    case 4: {
      // Point an edge somewhere odd.
      const edges = (doc as { graph?: { edges?: Record<string, unknown>[] } }).graph?.edges;
      if (Array.isArray(edges) && edges.length) {
        const e = pick(rand, edges);
        if (e && typeof e === 'object')
          e[pick(rand, ['targetPort', 'sourcePort', 'source', 'target'])] = oddValue(rand);
      }
      break;
    }
    default:
      obj[key] = structuredClone(pick(rand, all));
  }
}

function mutateText(text: string, rand: Rand): string {
  switch (int(rand, 0, 3)) {
    case 0:
      return text.slice(0, int(rand, 0, text.length));
    case 1: {
      const at = int(rand, 0, text.length - 1);
      return text.slice(0, at) + String.fromCharCode(int(rand, 0, 0xffff)) + text.slice(at + 1);
    }
    case 2: {
      const at = int(rand, 0, text.length);
      return (
        text.slice(0, at) + pick(rand, ['[', '{', '"', ',', '\\', '}', ']', '1e999', '-']) + text.slice(at)
      );
    }
    default:
      return text.replace(/\d+/, () => String(pick(rand, ODD_NUMBERS)));
  }
}

function attempt(text: string): string {
  let doc;
  try {
    doc = parseDocument(text);
  } catch (e) {
    if (e instanceof DocumentError) return 'document-error';
    throw e;
  }
  // Saving and loading again gives the same document (key order aside).
  const saved = serializeDocument(doc);
  if (!isDeepStrictEqual(JSON.parse(serializeDocument(parseDocument(saved))), JSON.parse(saved)))
    throw new Error('a saved document does not load back the same');
  const a = analyze(doc.graph);
  // A layer whose own code failed is reported on its node, but it is a defect all the same.
  const failed = a.diagnostics.find((d) => d.code === 'internal');
  if (failed) throw new Error(`analysis: ${failed.message}`);
  if (exportProblems(doc, 17).length || a.totals.params + a.totals.buffers > EXPORT_PARAMS) return 'loaded';
  try {
    encodeModel(exportInference(doc));
  } catch (e) {
    if (e instanceof ExportError) return 'export-error';
    // Stored weights that don't fit their layer are found when used, and name their field.
    if (e instanceof DocumentError) return 'document-error';
    throw e;
  }
  return 'exported';
}

export const target: FuzzTarget<string> = {
  name: 'project',
  outcomes: ['document-error', 'loaded', 'export-error', 'exported'],
  async setup() {
    if (sources.length) return;
    sources = readdirSync(templatesDir)
      .filter((f) => f.endsWith('.netwright.json'))
      .sort()
      .map((f) => readFileSync(`${templatesDir}/${f}`, 'utf8'));
    // A version-1 file, as the first prototype wrote them.
    sources.push(
      '{"version":1,"name":"v1","nodes":[{"id":"a","type":"Input","attrs":{"shape":[1,4]}},{"id":"b","type":"Linear","attrs":{"out_features":3}}],"edges":[{"from":"a","to":"b"}]}',
    );
  },
  generate(rand) {
    const src = pick(rand, sources);
    if (rand() < 0.35) return mutateText(src, rand);
    const doc = JSON.parse(src);
    for (let j = int(rand, 1, 4); j > 0; j--) {
      try {
        mutateValue(doc, rand);
      } catch {
        // cloning a value nested far past the limits overflows the stack: skip that mutation
      }
    }
    try {
      return JSON.stringify(doc);
    } catch {
      return src.slice(0, src.length >> 1); // too deep to write: a truncated file instead
    }
  },
  run: async (text) => attempt(text),
  save: (text) => text,
  load: (saved) => saved as string,
};
