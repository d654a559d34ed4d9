// Shared by the ONNX import tests: the fixture cases of test/fixtures/onnx-cases.json (model, feeds,
// expected outputs), a name-independent canonical form of a model for "equal graphs", and
// seeded randomisation of the light/ models' constant weights.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import {
  DataType,
  decodeModel,
  tensorValues,
  encodeTensor,
  float32Tensor,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
} from '../../engine/onnx/proto.ts';
import { importOnnx, type ImportResult } from '../../engine/onnx/import.ts';
import { analyze } from '../../engine/index.ts';
import { exportInference } from '../../engine/onnx/export.ts';
import { tensorInfo } from '../../engine/onnx/builder.ts';
import { maxDifference, readTensorPb, runModel, tensorFeed, type Feed, type Output } from './ort.ts';
import { repoRoot } from './templates.ts';
import { mulberry32 as prng } from './reference/tensor.ts';

/** mulberry32 (seeded), so every failure reproduces. */
export { prng };

/** Beside the checkout, as CI lays it out; NETWRIGHT_FIXTURES points elsewhere (a git worktree). */
export const FIXTURES =
  process.env.NETWRIGHT_FIXTURES ?? path.resolve(repoRoot, '..', 'shared', 'fixtures', 'onnx');
export const noFixtures = existsSync(FIXTURES) ? false : `fixtures not found at ${FIXTURES}`;

export interface OnnxCase {
  /** Folder under the fixtures: `node/test_relu`, `pytorch-converted/test_Conv2d`, `light/light_resnet50`. */
  case: string;
  why: string;
  /** Graph inputs fed from the test data as initializers (a node test's weights). */
  weights?: string[];
  /** Layer types the import must produce (Input and Identity aside). */
  layers?: string[];
  /** ONNX operators expected to stay opaque (exactly this set). */
  opaque?: string[];
  /** Relative tolerance against the stored outputs when not the default. */
  tolerance?: number;
  /** Why the case can't be run at all (left out of every test). */
  skip?: string;
  /**
   * The import refuses the file with this message (a file Netwright can't represent, e.g. a
   * training-mode Dropout whose ratio is a scalar graph input): the case checks the refusal.
   */
  refused?: string;
  /** The round trip re-imports an export; why its second export may differ, when it may. */
  roundTripDiffers?: string;
  /** The opset to export at when the model needs a newer one than 17 (AveragePool dilations: 19). */
  opset?: number;
}

export interface CasesFile {
  tolerance: number;
  cases: OnnxCase[];
}

export function loadCases(): CasesFile {
  return JSON.parse(readFileSync(path.join(repoRoot, 'test', 'fixtures', 'onnx-cases.json'), 'utf8'));
}

export interface PreparedCase {
  model: OnnxModel;
  feeds: Record<string, Feed>;
  /** Expected outputs in the order of the model's graph outputs. */
  expected: OnnxTensor[];
}

const modelPath = (c: OnnxCase) =>
  c.case.startsWith('light/')
    ? path.join(FIXTURES, `${c.case}.onnx`)
    : path.join(FIXTURES, c.case, 'model.onnx');

/** The case's model (its `weights` inputs turned into initializers), feeds and expected outputs. */
/** The default-domain opset a case's model file was written for. */
export function caseOpset(c: OnnxCase): number {
  const model = decodeModel(new Uint8Array(readFileSync(modelPath(c))));
  return model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version ?? 1;
}

export function prepareCase(c: OnnxCase, seed = 1): PreparedCase {
  const model = decodeModel(new Uint8Array(readFileSync(modelPath(c))));
  const g = model.graph;
  const inits = new Set(g.initializers.map((t) => t.name));
  const inputs = g.inputs.filter((v) => !inits.has(v.name));
  const feeds: Record<string, Feed> = {};
  let expected: OnnxTensor[];
  if (c.case.startsWith('light/')) {
    const rand = prng(seed);
    for (const v of inputs) {
      const dims = v.type?.kind === 'tensor' ? v.type.shape!.map((d) => d.value ?? 1) : [];
      feeds[v.name] = {
        dims,
        data: Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => rand() * 2 - 1),
      };
    }
    expected = [readTensorPb(`${modelPath(c).replace(/\.onnx$/, '')}_output_0.pb`)];
  } else {
    const dir = path.join(FIXTURES, c.case, 'test_data_set_0');
    const files = readdirSync(dir);
    const read = (kind: string, k: number) => readTensorPb(path.join(dir, `${kind}_${k}.pb`));
    const data = inputs.map((_, k) => read('input', k));
    expected = g.outputs.map((_, k) => read('output', k)).filter((_, k) => files.includes(`output_${k}.pb`));
    inputs.forEach((v, k) => {
      if (c.weights?.includes(v.name) || (c.weights?.includes('*') && k > 0)) {
        g.initializers.push({ ...data[k], name: v.name });
        g.inputs = g.inputs.filter((x) => x.name !== v.name);
      } else feeds[v.name] = tensorFeed(data[k]);
    });
  }
  return { model, feeds, expected };
}

export interface Compared {
  maxAbs: number;
  maxRel: number;
  ok: boolean;
}

/**
 * Outputs against expected tensors, in order: every |a - b| <= tol * max(|b|, 1e-3 * max|b|), the
 * relative test with a floor so values that should be zero compare on the output's own scale.
 */
export function compareOutputs(actual: Output[], expected: OnnxTensor[], tol: number): Compared {
  let maxAbs = 0;
  let maxRel = 0;
  let ok = actual.length === expected.length;
  expected.forEach((t, k) => {
    const want = Float32Array.from(tensorValues(t) as ArrayLike<number>, Number);
    const got = actual[k];
    if (!got || got.dims.join() !== t.dims.join()) {
      ok = false;
      return;
    }
    const d = maxDifference(got.data, want);
    maxAbs = Math.max(maxAbs, d.maxAbs);
    let scale = 0;
    for (const v of want) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
    for (let i = 0; i < want.length; i++) {
      const a = got.data[i];
      const b = want[i];
      if (a === b || (Number.isNaN(a) && Number.isNaN(b))) continue;
      const rel = Math.abs(a - b) / Math.max(Math.abs(b), 1e-3 * scale, 1e-30);
      maxRel = Math.max(maxRel, rel);
      if (!(rel <= tol)) ok = false;
    }
  });
  return { maxAbs, maxRel, ok };
}

/** Imports a prepared case, exports it with the imported weights (at `opset`, 17 by default). */
export function importAndExport(
  model: OnnxModel,
  opset?: number,
): { result: ImportResult; exported: OnnxModel } {
  const result = importOnnx(model, { embedWeights: false });
  const exported = exportInference(result.doc, { weights: result.weights, opset });
  return { result, exported };
}

/** Every node's shape is known after import (what `summary` shows). */
export function unknownShapeNodes(result: ImportResult): string[] {
  const a = analyze(result.doc.graph);
  return result.doc.graph.nodes.filter((n) => !a.nodes.get(n.id)!.outputShape).map((n) => n.name);
}

export async function runOutputs(
  model: Uint8Array,
  feeds: Record<string, Feed>,
  outputNames: string[],
): Promise<Output[]> {
  const out = await runModel(model, feeds, { logSeverityLevel: 3 });
  return outputNames.map((n) => out[n]);
}

// ---------------------------------------------------------------------------------------------
// Canonical form: the same graph whatever its tensor and node names

/** Type, dims and a hash of the bytes (every byte up to 1 MB, 65,536 evenly spaced ones above). */
function tensorKey(t: OnnxTensor): string {
  const bytes = t.rawData ?? encodeTensor({ ...t, name: '', docString: undefined });
  const step = bytes.length > 2 ** 20 ? Math.floor(bytes.length / 65536) : 1;
  let h = 2166136261;
  for (let i = 0; i < bytes.length; i += step) h = Math.imul(h ^ bytes[i], 16777619);
  return `${t.dataType}[${t.dims.join(',')}]#${(h >>> 0).toString(16)}:${bytes.length}`;
}

/**
 * The graph as a multiset of nodes, each named by its operator, attributes and what its inputs are
 * (graph input k, a constant by value, or another node's key and output port), so two graphs that
 * differ only in names or in the order of independent nodes compare equal.
 */
export function canonicalModel(m: OnnxModel): string {
  const g = m.graph;
  const refs = new Map<string, string>();
  g.inputs
    .filter((v) => !g.initializers.some((t) => t.name === v.name))
    .forEach((v, k) => refs.set(v.name, `input${k}`));
  for (const t of g.initializers) refs.set(t.name, `const:${tensorKey(t)}`);
  const hash = (s: string) => {
    let a = 2166136261;
    let b = 5381;
    for (let i = 0; i < s.length; i++) {
      a = Math.imul(a ^ s.charCodeAt(i), 16777619);
      b = Math.imul(b, 33) ^ s.charCodeAt(i);
    }
    return `${(a >>> 0).toString(16)}${(b >>> 0).toString(16)}`;
  };
  const lines: string[] = [];
  for (const n of g.nodes as OnnxNode[]) {
    const attrs = [...n.attributes]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((a) =>
        a.type === 'TENSOR'
          ? `${a.name}=${tensorKey(a.value)}`
          : `${a.name}=${JSON.stringify((a as { value?: unknown }).value)}`,
      );
    const line = `${n.domain}:${n.opType}(${n.inputs.map((x) => (x ? (refs.get(x) ?? `?${x}`) : '')).join(', ')}) ${attrs.join(' ')}`;
    const key = hash(line);
    lines.push(line);
    n.outputs.forEach((o, k) => o && refs.set(o, `n${key}:${k}`));
  }
  const types = (list: typeof g.inputs) =>
    list.map((v) =>
      v.type?.kind === 'tensor'
        ? `${v.type.elemType}[${v.type.shape?.map((d) => d.value ?? d.param ?? '?').join(',')}]`
        : '?',
    );
  return JSON.stringify({
    opsets: m.opsetImport,
    inputs: types(g.inputs.filter((v) => !g.initializers.some((t) => t.name === v.name))),
    outputTypes: types(g.outputs),
    outputs: g.outputs.map((o) => refs.get(o.name)),
    nodes: lines.sort(),
  });
}

/** Every initializer's bytes (type, dims, data), sorted: equal lists mean bit-identical weights. */
export function weightBytes(m: OnnxModel): Buffer[] {
  return m.graph.initializers
    .map((t) => {
      const head = Buffer.from(`${t.dataType}[${t.dims.join(',')}]`);
      const b = t.rawData ?? encodeTensor({ ...t, name: '', docString: undefined });
      return Buffer.concat([head, Buffer.from(b.buffer, b.byteOffset, b.byteLength)]);
    })
    .sort(Buffer.compare);
}

// ---------------------------------------------------------------------------------------------
// light/ models: their weights are ConstantOfShape fills (0.02 everywhere), which hides wiring
// mistakes; seeded random initializers in their place make every channel different.

/** How many values of a tensor randomizeWeights draws before it repeats them (a prime). */
const RANDOM_PERIOD = 1_048_573;

export function randomizeWeights(model: OnnxModel, seed: number): OnnxModel {
  const rand = prng(seed);
  const g = model.graph;
  const shapes = new Map(g.initializers.map((t) => [t.name, t]));
  const readers = new Map<string, { node: OnnxNode; slot: number }[]>();
  for (const n of g.nodes)
    n.inputs.forEach((x, slot) => readers.set(x, [...(readers.get(x) ?? []), { node: n, slot }]));
  const nodes: OnnxNode[] = [];
  const initializers = [...g.initializers];
  for (const n of g.nodes) {
    const shapeInit = shapes.get(n.inputs[0]);
    const value = n.attributes.find((a) => a.name === 'value');
    const isFloat = !value || (value.type === 'TENSOR' && value.value.dataType === DataType.FLOAT);
    if (n.opType !== 'ConstantOfShape' || !shapeInit || !isFloat) {
      nodes.push(n);
      continue;
    }
    const dims = Array.from(tensorValues(shapeInit) as BigInt64Array, Number);
    const size = dims.reduce((a, b) => a * b, 1);
    const use = readers.get(n.outputs[0])?.[0];
    const fanIn = dims.length > 1 ? size / dims[0] : 1;
    const bound = (1 / Math.sqrt(Math.max(fanIn, 1))) * Math.sqrt(3);
    const values = new Float32Array(size);
    const drawn = Math.min(size, RANDOM_PERIOD);
    for (let i = 0; i < drawn; i++) values[i] = (rand() * 2 - 1) * bound;
    // Past a million draws the values repeat with a prime period, which no row or channel length
    // divides, so a mis-wired weight still changes the output; VGG-19's 144 M draws took 4 s.
    for (let filled = drawn; filled < size; filled *= 2)
      values.copyWithin(filled, 0, Math.min(filled, size - filled));
    // BatchNormalization's variance (slot 4) must stay positive; its scale near 1.
    if (use?.node.opType === 'BatchNormalization' && use.slot === 4)
      for (let i = 0; i < size; i++) values[i] = 0.5 + Math.abs(values[i]);
    if (use?.node.opType === 'BatchNormalization' && use.slot === 1)
      for (let i = 0; i < size; i++) values[i] = 1 + 0.1 * values[i];
    initializers.push(float32Tensor(n.outputs[0], dims, values));
  }
  return { ...model, graph: { ...g, nodes, initializers } };
}

// ---------------------------------------------------------------------------------------------
// A small model with a subgraph that reads the enclosing graph (If branches use `x` directly):
// y = sum(x) > 0 ? relu(x) : -x, then scaled by a weight.

/** A node whose name is its first output, for hand-built test models. */
export function onnxNode(
  opType: string,
  inputs: string[],
  outputs: string[],
  attributes: OnnxNode['attributes'] = [],
  domain = '',
): OnnxNode {
  return { opType, domain, name: outputs[0], inputs, outputs, attributes };
}

export function ifModel(): OnnxModel {
  const node = onnxNode;
  const tensor = (name: string, elemType: number, shape: (number | string)[]) =>
    tensorInfo(name, shape, elemType as never);
  const branch = (name: string, op: string) => ({
    name,
    nodes: [node(op, ['x'], [`${name}_out`])],
    initializers: [],
    inputs: [],
    outputs: [tensor(`${name}_out`, 1, ['batch', 3])],
    valueInfo: [],
  });
  return {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'if_model',
      nodes: [
        node('ReduceSum', ['x'], ['total'], [{ name: 'keepdims', type: 'INT', value: 0 }]),
        node('Greater', ['total', 'zero'], ['positive']),
        node(
          'If',
          ['positive'],
          ['chosen'],
          [
            { name: 'then_branch', type: 'GRAPH', value: branch('then', 'Relu') },
            { name: 'else_branch', type: 'GRAPH', value: branch('else', 'Neg') },
          ],
        ),
        node('Mul', ['chosen', 'scale'], ['y']),
      ],
      initializers: [float32Tensor('zero', [], [0]), float32Tensor('scale', [3], [1, 2, 3])],
      inputs: [tensor('x', 1, ['batch', 3])],
      outputs: [tensor('y', 1, ['batch', 3])],
      valueInfo: [],
    },
  };
}
