// The importer on damaged files: truncated and mutated copies of real fixtures (seeded, bounded).
// Every input must give a model or a clear Error (the decoder's message or an ImportError), never
// another exception, a crash or a hang; imported models must analyse and export or say why not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { analyze } from '../../engine/index.ts';
import { decodeModel, encodeModel, type OnnxModel } from '../../engine/onnx/proto.ts';
import { ExportError, exportInference, exportProblems } from '../../engine/onnx/export.ts';
import { ImportError, importOnnx } from '../../engine/onnx/import.ts';
import { FIXTURES, ifModel, noFixtures, prng } from '../helpers/onnxCases.ts';
import { loadTemplate } from '../helpers/templates.ts';

const SOURCES = [
  'light/light_squeezenet.onnx',
  'light/light_shufflenet.onnx',
  'pytorch-converted/test_Conv2d_groups/model.onnx',
  'pytorch-converted/test_PixelShuffle/model.onnx',
  'pytorch-converted/test_GLU/model.onnx',
  'node/test_convtranspose_pads/model.onnx',
  'node/test_maxpool_with_argmax_2d_precomputed_pads/model.onnx',
  'node/test_layer_normalization_4d_axis1/model.onnx',
];
const PER_SOURCE = 80;
const PER_SOURCE_STRUCTURAL = 40;
const MAX_MS = 3000;

type Outcome = 'decode-error' | 'import-error' | 'imported' | 'exported';

/** What one byte string gives; throws when it gives anything but a model or a clear error. */
function attempt(bytes: Uint8Array): Outcome {
  let model;
  try {
    model = decodeModel(bytes);
  } catch (e) {
    assert.ok(e instanceof Error && e.message.length > 0, 'the decoder throws Errors with a message');
    return 'decode-error';
  }
  return attemptModel(model);
}

function attemptModel(model: OnnxModel): Outcome {
  let result;
  try {
    result = importOnnx(model, { embedWeights: false });
  } catch (e) {
    if (e instanceof ImportError) return 'import-error';
    throw new Error(`not a clear import error: ${(e as Error)?.stack ?? e}`);
  }
  analyze(result.doc.graph);
  if (exportProblems(result.doc, 17).length) return 'imported';
  try {
    encodeModel(exportInference(result.doc, { weights: result.weights }));
  } catch (e) {
    if (e instanceof ExportError) return 'imported';
    throw new Error(`export threw although exportProblems found nothing: ${(e as Error)?.stack ?? e}`);
  }
  return 'exported';
}

function mutate(src: Uint8Array, rand: () => number): Uint8Array {
  const kind = Math.floor(rand() * 4);
  if (kind === 0) return src.slice(0, Math.floor(rand() * src.length));
  const out = Uint8Array.from(src);
  if (kind === 1) {
    const flips = 1 + Math.floor(rand() * 8);
    for (let i = 0; i < flips; i++) out[Math.floor(rand() * out.length)] = Math.floor(rand() * 256);
    return out;
  }
  if (kind === 2) {
    // Small integers where varints live: lengths, dims, attribute ints, data types.
    const at = Math.floor(rand() * out.length);
    out[at] = [0, 1, 2, 3, 0x7f, 0x80, 0xff][Math.floor(rand() * 7)];
    return out;
  }
  const at = Math.floor(rand() * src.length);
  const cut = Math.floor(rand() * 16);
  return Uint8Array.from([...src.subarray(0, at), ...src.subarray(at + cut)]);
}

test('truncated and mutated fixtures give a model or a clear Error', { skip: noFixtures }, (t) => {
  const counts: Record<Outcome, number> = { 'decode-error': 0, 'import-error': 0, imported: 0, exported: 0 };
  let slowest = 0;
  const sources = SOURCES.map((s) => path.join(FIXTURES, s)).filter((f) => existsSync(f));
  sources.push('template:lenet5-c3', 'if-model');
  sources.forEach((file, k) => {
    const src = file.startsWith('template:')
      ? encodeModel(exportInference(loadTemplate(file.slice(9)), { seed: 1 }))
      : file === 'if-model'
        ? encodeModel(ifModel())
        : new Uint8Array(readFileSync(file));
    assert.equal(attempt(src), 'exported', `${file} itself imports and exports`);
    const rand = prng(1000 + k);
    for (let i = 0; i < PER_SOURCE; i++) {
      const bytes = mutate(src, rand);
      const t0 = performance.now();
      let outcome: Outcome;
      try {
        outcome = attempt(bytes);
      } catch (e) {
        assert.fail(`${file}, mutation ${i} (seed ${1000 + k}): ${(e as Error).message}`);
      }
      const ms = performance.now() - t0;
      slowest = Math.max(slowest, ms);
      assert.ok(ms < MAX_MS, `${file}, mutation ${i} took ${ms.toFixed(0)} ms`);
      counts[outcome]++;
    }
  });
  t.diagnostic(
    `${sources.length * PER_SOURCE} inputs: ${JSON.stringify(counts)}; slowest ${slowest.toFixed(0)} ms`,
  );
});

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
  'Unsqueeze',
  'Squeeze',
  'BatchNormalization',
  'Gather',
  'Slice',
  'ConvTranspose',
  'Resize',
  'LRN',
  'Dropout',
  'Sum',
];

/** A structural change the protobuf layer can't catch: ops, attributes, wiring, opsets, dims. */
function mutateModel(m: OnnxModel, rand: () => number): void {
  const pick = <T>(list: T[]): T => list[Math.floor(rand() * list.length)];
  const g = m.graph;
  const n = g.nodes.length ? pick(g.nodes) : undefined;
  const values = [
    ...g.inputs.map((v) => v.name),
    ...g.initializers.map((t) => t.name),
    ...g.nodes.flatMap((x) => x.outputs),
  ];
  switch (Math.floor(rand() * 8)) {
    case 0:
      if (n) n.opType = pick(OPS);
      break;
    case 1: {
      const a = n && n.attributes.length ? pick(n.attributes) : undefined;
      if (a?.type === 'INT') a.value = Math.floor(rand() * 12) - 3;
      if (a?.type === 'INTS')
        a.value = a.value
          .map(() => Math.floor(rand() * 12) - 3)
          .slice(0, Math.floor(rand() * (a.value.length + 2)));
      if (a?.type === 'FLOAT') a.value = rand() * 4 - 2;
      break;
    }
    case 2:
      if (n && n.inputs.length) n.inputs[Math.floor(rand() * n.inputs.length)] = pick([...values, '']);
      break;
    case 3:
      if (n) n.inputs = rand() < 0.5 ? n.inputs.slice(0, -1) : [...n.inputs, pick(values)];
      break;
    case 4:
      m.opsetImport = [{ domain: '', version: 1 + Math.floor(rand() * 25) }];
      break;
    case 5: {
      const v = pick(g.inputs);
      if (v?.type?.kind === 'tensor' && v.type.shape?.length)
        pick(v.type.shape).value = Math.floor(rand() * 9);
      break;
    }
    case 6:
      if (n)
        n.outputs = rand() < 0.5 ? [...n.outputs, `extra${Math.floor(rand() * 99)}`] : n.outputs.slice(0, 1);
      break;
    default: {
      const t = g.initializers.length ? pick(g.initializers) : undefined;
      if (t && t.dims.length) t.dims[Math.floor(rand() * t.dims.length)] = Math.floor(rand() * 9);
    }
  }
}

test(
  'structurally mutated models (ops, attributes, wiring, opsets, dims) give a model or a clear Error',
  { skip: noFixtures },
  (t) => {
    const counts: Record<Outcome, number> = {
      'decode-error': 0,
      'import-error': 0,
      imported: 0,
      exported: 0,
    };
    const sources = [
      ...SOURCES.map((s) => path.join(FIXTURES, s))
        .filter((f) => existsSync(f))
        .map((f) => new Uint8Array(readFileSync(f))),
      encodeModel(ifModel()),
    ];
    sources.forEach((src, k) => {
      const rand = prng(2000 + k);
      for (let i = 0; i < PER_SOURCE_STRUCTURAL; i++) {
        const m = decodeModel(src);
        for (let j = 1 + Math.floor(rand() * 3); j > 0; j--) mutateModel(m, rand);
        const t0 = performance.now();
        try {
          counts[attemptModel(m)]++;
        } catch (e) {
          assert.fail(`source ${k}, mutation ${i} (seed ${2000 + k}): ${(e as Error).message}`);
        }
        assert.ok(performance.now() - t0 < MAX_MS, `source ${k}, mutation ${i} is slow`);
      }
    });
    t.diagnostic(`${sources.length * PER_SOURCE_STRUCTURAL} models: ${JSON.stringify(counts)}`);
  },
);

test('import errors say what is wrong', () => {
  const base = (nodes: object[], extra: object = {}) =>
    ({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      graph: {
        name: 'g',
        nodes,
        initializers: [],
        inputs: [{ name: 'x', type: { kind: 'tensor', elemType: 1, shape: [{ value: 1 }, { value: 3 }] } }],
        outputs: [{ name: 'y' }],
        valueInfo: [],
        ...extra,
      },
    }) as never;
  const relu = (input: string, output: string) => ({
    opType: 'Relu',
    domain: '',
    name: '',
    inputs: [input],
    outputs: [output],
    attributes: [],
  });
  assert.throws(
    () => importOnnx(base([relu('nothing', 'y')])),
    /reads 'nothing', which no node, input or initializer defines/,
  );
  assert.throws(() => importOnnx(base([relu('x', 'y'), relu('x', 'y')])), /defined twice/);
  assert.throws(
    () => importOnnx(base([relu('b', 'a'), relu('a', 'b')], { outputs: [{ name: 'a' }] })),
    /cycle/,
  );
  assert.throws(() => importOnnx(base([relu('x', 'z')])), /Graph output 'y' is not computed/);
  assert.throws(
    () =>
      importOnnx(
        base([], {
          inputs: [{ name: 'x', type: { kind: 'tensor', elemType: 1, shape: [] } }],
          outputs: [{ name: 'x' }],
        }),
      ),
    /scalar/,
  );
});
