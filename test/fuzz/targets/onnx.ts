// The ONNX decoder and importer, from every fixture in the shared ONNX fixtures, a few exported
// templates and a model with an If subgraph: bit flips, replaced bytes, truncation, varint-sized
// bytes, insertions and deletions, and structural mutations of decoded models (absurd or small
// dims and attributes, rewiring into cycles, opsets, op types). Documented outcomes: the decoder's
// "Not a valid ONNX model" Error, an ImportError, or an imported model that analyses and then
// exports or says why it can't. (This took over test/unit/onnx-fuzz.test.ts's mutations.)
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../../../engine/index.ts';
import { ExportError, exportInference, exportProblems } from '../../../engine/onnx/export.ts';
import { ImportError, importOnnx } from '../../../engine/onnx/import.ts';
import { decodeModel, encodeModel } from '../../../engine/onnx/proto.ts';
import type { OnnxModel } from '../../../engine/onnx/types.ts';
import { FIXTURES, ifModel } from '../../helpers/onnxCases.ts';
import { loadTemplate } from '../../helpers/templates.ts';
import { int, pick, type FuzzTarget, type Rand } from '../target.ts';

interface Input {
  source: string;
  bytes: Uint8Array;
}

let sources: { name: string; bytes: Uint8Array }[] = [];

function onnxFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...onnxFiles(path));
    else if (entry.endsWith('.onnx')) out.push(path);
  }
  return out.sort();
}

/** Models export parameters only up to this size: a fuzz case stays cheap. */
const EXPORT_PARAMS = 2_000_000;

const OPS = [
  'Conv',
  'MaxPool',
  'AveragePool',
  'Reshape',
  'Gemm',
  'MatMul',
  'Add',
  'Concat',
  'Flatten',
  'Softmax',
  'Relu',
  'Pad',
  'Transpose',
  'Split',
  'Slice',
  'Unsqueeze',
  'Squeeze',
  'Gather',
  'Resize',
  'BatchNormalization',
  'ConvTranspose',
  'Sum',
  'LRN',
  'Dropout',
  'Loop',
  'If',
  'Expand',
  'Tile',
  'ConstantOfShape',
  'Range',
];
const ABSURD = [0, -1, -(2 ** 31), 2 ** 31 - 1, 2 ** 40, 1e9, 65_536, 3, 1];
/** A whole number for a dim or an attribute: absurd, or small and plausible (-3..8), half each. */
const wholeNumber = (rand: Rand) => (rand() < 0.5 ? pick(rand, ABSURD) : int(rand, -3, 8));

/** A structural change the protobuf layer can't catch. */
function mutateModel(m: OnnxModel, rand: Rand): void {
  const g = m.graph;
  const n = g.nodes.length ? pick(rand, g.nodes) : undefined;
  const values = [
    ...g.inputs.map((v) => v.name),
    ...g.initializers.map((t) => t.name),
    ...g.nodes.flatMap((x) => x.outputs),
  ];
  switch (int(rand, 0, 8)) {
    case 0:
      if (n) n.opType = pick(rand, OPS);
      break;
    case 1: {
      const a = n && n.attributes.length ? pick(rand, n.attributes) : undefined;
      if (a?.type === 'INT') a.value = wholeNumber(rand);
      if (a?.type === 'INTS')
        a.value = a.value.map(() => wholeNumber(rand)).slice(0, int(rand, 0, a.value.length + 3));
      if (a?.type === 'FLOAT')
        a.value = rand() < 0.5 ? pick(rand, [NaN, Infinity, -1e38, 0, 1e-45]) : rand() * 4 - 2;
      break;
    }
    case 2:
      // A later node's output fed back into an earlier node: a cycle.
      if (n && n.inputs.length) n.inputs[int(rand, 0, n.inputs.length - 1)] = pick(rand, [...values, '']);
      break;
    case 3:
      if (n) n.inputs = rand() < 0.5 ? n.inputs.slice(0, -1) : [...n.inputs, pick(rand, values)];
      break;
    case 4:
      m.opsetImport = [{ domain: '', version: int(rand, 0, 30) }];
      break;
    case 5: {
      const v = pick(rand, g.inputs);
      if (v?.type?.kind === 'tensor' && v.type.shape?.length)
        pick(rand, v.type.shape).value = wholeNumber(rand);
      break;
    }
    case 6:
      if (n) n.outputs = rand() < 0.5 ? [...n.outputs, pick(rand, values)] : n.outputs.slice(0, 1);
      break;
    case 7:
      if (n) g.nodes.push({ ...n, name: `${n.name}_dup` });
      break;
    default: {
      const t = g.initializers.length ? pick(rand, g.initializers) : undefined;
      if (t && t.dims.length) t.dims[int(rand, 0, t.dims.length - 1)] = wholeNumber(rand);
    }
  }
}

function mutateBytes(src: Uint8Array, rand: Rand): Uint8Array {
  const kind = int(rand, 0, 4);
  if (kind === 0) return src.slice(0, Math.floor(rand() * src.length));
  const out = Uint8Array.from(src);
  if (kind === 1) {
    // Flipped bits, or whole bytes replaced.
    const flip = rand() < 0.5;
    for (let i = int(rand, 1, 8); i > 0; i--) {
      const at = int(rand, 0, out.length - 1);
      out[at] = flip ? out[at] ^ (1 << int(rand, 0, 7)) : int(rand, 0, 255);
    }
    return out;
  }
  if (kind === 2) {
    // Varint-sized bytes where lengths, dims, attribute ints and type codes live.
    for (let i = int(rand, 1, 3); i > 0; i--)
      out[int(rand, 0, out.length - 1)] = pick(rand, [0, 1, 2, 0x7f, 0x80, 0xff, 0x08, 0x12]);
    return out;
  }
  const at = int(rand, 0, src.length);
  if (kind === 3) return concat(src.subarray(0, at), src.subarray(at + int(rand, 1, 16)));
  const junk = Array.from({ length: int(rand, 1, 12) }, () => int(rand, 0, 255));
  return concat(src.subarray(0, at), Uint8Array.from(junk), src.subarray(at));
}

/**
 * The parts one after another. Not Uint8Array.from([...a, ...b]): spreading ResNet-18's 47 MB
 * into a JS array took 1.27 GB of heap for one case (seed 1, case 59271), and V8 kept the pages,
 * so a later case (59379) found the process over its memory budget.
 */
function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

async function attempt(bytes: Uint8Array): Promise<string> {
  let model: OnnxModel;
  try {
    model = decodeModel(bytes);
  } catch (e) {
    if (e instanceof Error && e.message.startsWith('Not a valid ONNX model')) return 'decode-error';
    throw e;
  }
  let result;
  try {
    // Structure only: a light model's ConstantOfShape weights (143 M for VGG-19) stay unwritten.
    result = importOnnx(model, { embedWeights: false, fillWeights: false });
  } catch (e) {
    if (e instanceof ImportError) return 'import-error';
    throw e;
  }
  const a = analyze(result.doc.graph);
  // A layer whose own code failed is reported on its node, but it is a defect all the same.
  const failed = a.diagnostics.find((d) => d.code === 'internal');
  if (failed) throw new Error(`analysis: ${failed.message}`);
  if (exportProblems(result.doc, 17).length || a.totals.params + a.totals.buffers > EXPORT_PARAMS)
    return 'imported';
  try {
    encodeModel(exportInference(result.doc, { weights: result.weights }));
  } catch (e) {
    if (e instanceof ExportError) return 'export-error';
    throw e;
  }
  return 'exported';
}

export const target: FuzzTarget<Input> = {
  name: 'onnx',
  outcomes: ['decode-error', 'import-error', 'imported', 'export-error', 'exported'],
  async setup() {
    if (sources.length) return;
    const files = existsSync(FIXTURES) ? onnxFiles(FIXTURES) : [];
    sources = files.map((f) => ({
      name: f.slice(FIXTURES.length + 1),
      bytes: new Uint8Array(readFileSync(f)),
    }));
    sources.push({ name: 'if-model', bytes: encodeModel(ifModel()) });
    for (const t of ['lenet5', 'inception-naive', 'resnet18', 'lenet5-c3'])
      sources.push({
        name: `template:${t}`,
        bytes: encodeModel(exportInference(loadTemplate(t), { seed: 1 })),
      });
  },
  generate(rand) {
    const src = pick(rand, sources);
    if (rand() < 0.6) return { source: src.name, bytes: mutateBytes(src.bytes, rand) };
    let model: OnnxModel;
    try {
      model = decodeModel(src.bytes);
    } catch {
      return { source: src.name, bytes: mutateBytes(src.bytes, rand) };
    }
    for (let j = int(rand, 1, 3); j > 0; j--) mutateModel(model, rand);
    let bytes: Uint8Array;
    try {
      bytes = encodeModel(model);
    } catch {
      bytes = src.bytes; // a mutation protobuf can't even write: fall back to the source itself
    }
    return { source: `${src.name} (structural)`, bytes };
  },
  run: (input) => attempt(input.bytes),
  save: (input) => ({ source: input.source, base64: Buffer.from(input.bytes).toString('base64') }),
  load: (saved) => {
    const s = saved as { source: string; base64: string };
    return { source: s.source, bytes: new Uint8Array(Buffer.from(s.base64, 'base64')) };
  },
};
