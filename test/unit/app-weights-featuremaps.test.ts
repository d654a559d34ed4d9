// Explicit weights and feature maps: the activations host method against independent float64
// computations (a hand-written difference filter, the reference forward pass, the luma formula),
// average pooling = a stride-2 convolution with weights 1/4, and weight edits in the store (exact
// base64 round trip through a project file, one undo step per edit, stale shapes refused).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProjectDocument } from '../../engine/index.ts';
import {
  analyze,
  decodeFloat32,
  GraphBuilder,
  newDocument,
  parseDocument,
  resolveWeights,
  serializeDocument,
} from '../../engine/index.ts';
import { connectedHost } from '../helpers/host.ts';
import { MAX_ACTIVATION_VALUES } from '../../protocol/activations.ts';
import { HostError } from '../../protocol/hostApi.ts';
import {
  clearStoredWeights,
  KERNEL_PRESETS,
  nodeParams,
  parseWeight,
  setWeight,
  editParam,
  untrainedStart,
} from '../../renderer/inspector/weightValues.ts';
import { createAppStore } from '../../renderer/state/store.ts';
import { testImage, testPixel } from '../../renderer/inspector/testImage.ts';
import { mulberry32, referenceGraphForward, refTensor } from '../helpers/reference.ts';
import { refParams } from '../helpers/refParams.ts';
import { loadTemplate } from '../helpers/templates.ts';

const host = connectedHost().client;
let digitCache: number[][] | null = null;
async function digits(): Promise<number[][]> {
  digitCache ??= (
    await host.datasetPreview({ kind: 'mnist', limit: 8, testLimit: 16, seed: 1 }, 8)
  ).samples.map((s) => s.values);
  return digitCache;
}

const valuesOf = (xs: readonly (number | null)[]) => xs.map((v) => v ?? NaN);
function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const convId = (doc: ProjectDocument) => doc.graph.nodes.find((n) => n.type === 'Conv2d')!.id;

describe('the activations host method', () => {
  it('conv-as-filter: channel 0 is in[y, x+1] − in[y, x] and channel 1 is in[y+1, x] − in[y, x] (zero padding)', async () => {
    const doc = loadTemplate('conv-as-filter');
    for (const x of (await digits()).slice(0, 3)) {
      const r = await host.activations({ document: doc }, { nodeId: convId(doc), data: x });
      assert.deepEqual(r.shape, [2, 28, 28]);
      assert.equal(r.truncated, false);
      assert.match(r.weights, /stored/);
      const at = (y: number, c: number) => (y < 28 && c < 28 ? x[y * 28 + c] : 0);
      const want: number[] = [];
      for (const [dy, dx] of [
        [0, 1],
        [1, 0],
      ])
        for (let y = 0; y < 28; y++) for (let c = 0; c < 28; c++) want.push(at(y + dy, c + dx) - at(y, c));
      assert.ok(maxDiff(valuesOf(r.values), want) < 1e-6, 'differences');
      assert.deepEqual(valuesOf(r.input.values), x.map(Math.fround));
    }
  });

  it('LeNet-5 inner layers with freshly initialised weights match the float64 reference forward pass', async () => {
    const doc = loadTemplate('lenet5');
    const analysis = analyze(doc.graph);
    const weights = resolveWeights(analysis, undefined, 0); // what predict and export use
    const params = refParams(doc.graph, weights);
    const [x] = await digits();
    const ref = referenceGraphForward(doc.graph, params, { input_1: refTensor([1, 1, 28, 28], x) }, 'eval');
    for (const id of ['conv2d_1', 'maxpool2d_1', 'relu_2', 'linear_2']) {
      const r = await host.activations({ document: doc }, { nodeId: id, data: x });
      assert.deepEqual([1, ...r.shape], ref[id].shape, id);
      assert.match(r.weights, /untrained/);
      assert.ok(maxDiff(valuesOf(r.values), ref[id].data) < 1e-4, id);
    }
  });

  it('avg-pool 2×2 and a 2×2 stride-2 convolution of weights 0.25 give the same numbers (= block means)', async () => {
    const doc = loadTemplate('avgpool-as-conv');
    const pool = doc.graph.nodes.find((n) => n.type === 'AvgPool2d')!.id;
    for (const x of await digits()) {
      const a = await host.activations({ document: doc }, { nodeId: pool, data: x });
      const b = await host.activations({ document: doc }, { nodeId: convId(doc), data: x });
      assert.deepEqual(a.shape, [1, 14, 14]);
      assert.deepEqual(b.shape, [1, 14, 14]);
      const means: number[] = [];
      for (let y = 0; y < 14; y++)
        for (let c = 0; c < 14; c++) {
          const p = (dy: number, dx: number) => x[(2 * y + dy) * 28 + 2 * c + dx];
          means.push((p(0, 0) + p(0, 1) + p(1, 0) + p(1, 1)) / 4);
        }
      assert.ok(maxDiff(valuesOf(a.values), valuesOf(b.values)) < 1e-6, 'pool = conv');
      assert.ok(maxDiff(valuesOf(b.values), means) < 1e-6, 'block means');
    }
  });

  it('rgb-to-gray on the test image is 0.299 R + 0.587 G + 0.114 B at every pixel', async () => {
    const doc = loadTemplate('rgb-to-gray');
    const [h, w] = [32, 32];
    const image = testImage(3, h, w);
    const r = await host.activations({ document: doc }, { nodeId: convId(doc), data: Array.from(image) });
    assert.deepEqual(r.shape, [1, h, w]);
    const want: number[] = [];
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const [R, G, B] = testPixel(y, x, h, w);
        want.push(0.299 * R + 0.587 * G + 0.114 * B);
      }
    assert.ok(maxDiff(valuesOf(r.values), want) < 1e-6);
    // The lesson's numbers: the red, green, blue, yellow, white and black bars (row 0, bar centres).
    const bar = (k: number) => r.values[Math.floor(((k + 0.5) * w) / 8)]!;
    for (const [k, v] of [
      [0, 0.299],
      [1, 0.587],
      [2, 0.114],
      [3, 0.886],
      [6, 1],
      [7, 0],
    ])
      assert.ok(Math.abs(bar(k) - v) < 1e-6, `bar ${k}: ${bar(k)} vs ${v}`);
  });

  it('caps the values it returns and says so', async () => {
    const b = new GraphBuilder();
    b.chain(b.input([3, 224, 224]), [['Conv2d', { out_channels: 8, kernel_size: 3, padding: 1 }]]);
    const doc = newDocument('wide', b.graph);
    const rng = mulberry32(3);
    const x = Array.from({ length: 3 * 224 * 224 }, () => rng());
    const r = await host.activations({ document: doc }, { nodeId: 'conv2d_1', data: x });
    assert.deepEqual(r.shape, [8, 224, 224]);
    assert.equal(r.truncated, true);
    assert.equal(r.values.length, MAX_ACTIVATION_VALUES);
  });

  it('refuses a wrong-sized sample, an unknown node and a run that does not exist, by name', async () => {
    const doc = loadTemplate('conv-as-filter');
    await assert.rejects(
      host.activations({ document: doc }, { nodeId: convId(doc), data: [1, 2, 3] }),
      (e: HostError) => /input takes \[1, 28, 28\]|takes/.test(e.message) && e.code === 'bad-request',
    );
    await assert.rejects(
      host.activations({ document: doc }, { nodeId: 'nope', data: new Array(784).fill(0) }),
      (e: HostError) => e.code === 'not-found' && /nope/.test(e.message),
    );
    await assert.rejects(
      host.activations({ runId: 'run-abc123' }, { nodeId: 'conv2d_1', data: new Array(784).fill(0) }),
      (e: HostError) => e.code === 'not-found',
    );
  });
});

describe('weights typed into the inspector', () => {
  const template = () => loadTemplate('conv-as-filter');

  it('a typed value is stored exactly, survives save and load, and is one undo step per cell', () => {
    const store = createAppStore({ doc: template() });
    const id = convId(store.getState().doc);
    const before = store.getState().doc;
    // Keystrokes "0", "0.", "0.3" into one cell: one step.
    setWeight(store, id, 'weight', 4, 0);
    setWeight(store, id, 'weight', 4, 0.3);
    setWeight(store, id, 'weight', 5, -2.5); // another cell: another step
    assert.equal(store.getState().history.past.length, 2);
    const stored = store.getState().doc.weights![id];
    assert.deepEqual(stored.weight.shape, [2, 1, 3, 3]);
    const w = decodeFloat32(stored.weight.data);
    assert.equal(w[4], Math.fround(0.3));
    assert.equal(w[5], -2.5);
    assert.deepEqual(Array.from(w.subarray(9)), [0, 0, 0, 0, -1, 0, 0, 1, 0]); // channel 1 untouched

    const reloaded = parseDocument(serializeDocument(store.getState().doc));
    assert.equal(reloaded.weights![id].weight.data, stored.weight.data);
    assert.deepEqual(Array.from(decodeFloat32(reloaded.weights![id].weight.data)), Array.from(w));

    store.getState().actions.undo();
    assert.equal(decodeFloat32(store.getState().doc.weights![id].weight.data)[5], 1);
    store.getState().actions.undo();
    assert.equal(store.getState().doc, before);
  });

  it('editing an unstored layer stores exactly the values shown, and Clear goes back to them', () => {
    const doc = loadTemplate('lenet5');
    const store = createAppStore({ doc });
    // Shown: the start a run with the Training panel's seed would use (the template's setup).
    const start = untrainedStart(store.getState());
    const shown = nodeParams(analyze(doc.graph), undefined, 'conv2d_2', start);
    const fresh = resolveWeights(analyze(doc.graph), undefined, start.seed ?? 0).get('conv2d_2')!;
    assert.deepEqual(Array.from(shown[0].values!), Array.from(fresh.get('weight')!));
    assert.deepEqual(Array.from(shown[1].values!), Array.from(fresh.get('bias')!));

    setWeight(store, 'conv2d_2', 'bias', 3, 1.5);
    const stored = store.getState().doc.weights!.conv2d_2;
    const bias = decodeFloat32(stored.bias.data);
    assert.equal(bias[3], 1.5);
    bias[3] = fresh.get('bias')![3];
    assert.deepEqual(Array.from(bias), Array.from(fresh.get('bias')!));
    assert.deepEqual(Array.from(decodeFloat32(stored.weight.data)), Array.from(fresh.get('weight')!));
    clearStoredWeights(store, 'conv2d_2');
    assert.equal(store.getState().doc.weights, undefined);
  });

  it('storing one layer leaves every other layer’s fresh values as they were', () => {
    const doc = loadTemplate('lenet5');
    const before = resolveWeights(analyze(doc.graph), undefined, 0);
    const store = createAppStore({ doc });
    setWeight(store, 'conv2d_1', 'bias', 0, 2.5);
    const after = resolveWeights(analyze(doc.graph), store.getState().doc.weights, 0);
    for (const [id, params] of before) {
      if (id === 'conv2d_1') continue;
      for (const [name, values] of params)
        assert.deepEqual(Array.from(after.get(id)!.get(name)!), Array.from(values), `${id}.${name}`);
    }
    assert.equal(after.get('conv2d_1')!.get('bias')![0], 2.5);
  });

  it('a preset writes one kernel of one (out, in) pair', () => {
    const store = createAppStore({ doc: template() });
    const id = convId(store.getState().doc);
    const sobel = KERNEL_PRESETS.find((p) => p.id === 'sobel-x')!.make(3, 3)!;
    editParam(store, id, 'weight', (v) => v.set(sobel, 9));
    const w = decodeFloat32(store.getState().doc.weights![id].weight.data);
    assert.deepEqual(Array.from(w.subarray(0, 9)), [0, 0, 0, 0, -1, 1, 0, 0, 0]);
    assert.deepEqual(Array.from(w.subarray(9)), [-1, 0, 1, -2, 0, 2, -1, 0, 1]);
    assert.equal(KERNEL_PRESETS.find((p) => p.id === 'laplacian')!.make(2, 2), null);
  });

  it('text that is not a number stores nothing and says what to type', () => {
    assert.deepEqual(parseWeight('1/9'), { value: 1 / 9 });
    assert.deepEqual(parseWeight('−2'), { value: -2 });
    assert.deepEqual(parseWeight(' 1e-3 '), { value: 0.001 });
    for (const bad of ['', 'abc', '1/0', '--1', '0.2.3']) assert.ok('error' in parseWeight(bad), bad);
    assert.match((parseWeight('abc') as { error: string }).error, /not a number.*1\/9/);
  });

  it('after the kernel size changes, stored weights are flagged stale and refused by name until cleared', async () => {
    const store = createAppStore({ doc: template() });
    const id = convId(store.getState().doc);
    store.getState().actions.setAttribute(id, 'kernel_size', 5);
    const doc = store.getState().doc;
    const params = nodeParams(analyze(doc.graph), doc.weights, id);
    assert.match(params[0].stale ?? '', /\[2, 1, 3, 3\].*\[2, 1, 5, 5\]/);
    assert.equal(params[1].stale, undefined);
    await assert.rejects(
      host.activations({ document: doc }, { nodeId: id, data: new Array(784).fill(0) }),
      (e: HostError) => /conv2d_1\.weight/.test(e.message) && /clear/.test(e.message),
    );
    clearStoredWeights(store, id);
    const r = await host.activations(
      { document: store.getState().doc },
      { nodeId: id, data: new Array(784).fill(0) },
    );
    assert.deepEqual(r.shape, [2, 26, 26]); // 28 + 2·1 − 5 + 1
  });
});

describe('feature maps of a trained network', () => {
  it('use the finished run’s weights, as predict does: the hidden Linear equals x·Wᵀ + b from trainedWeights', async () => {
    const { client, finished } = connectedHost();
    const b = new GraphBuilder();
    b.chain(b.input([2]), [['Linear', { out_features: 8 }], ['ReLU'], ['Linear', { out_features: 3 }]]);
    const doc = newDocument('blobs', b.graph);
    const { runId } = await client.startTraining({
      document: doc,
      dataset: { kind: 'synthetic', generator: 'blobs', n: 200, classes: 3, seed: 1 },
      config: {
        epochs: 2,
        batchSize: 16,
        loss: 'cross-entropy',
        optimizer: { kind: 'sgd' },
        lr: 0.1,
        seed: 1,
      },
    });
    assert.equal((await finished(runId)).at(-1)?.event, 'finished');
    const trained = await client.trainedWeights(runId);
    const W = decodeFloat32(trained.linear_1.weight.data);
    const bias = decodeFloat32(trained.linear_1.bias.data);
    const x = [0.7, -1.3];
    const r = await client.activations({ runId }, { nodeId: 'linear_1', data: x });
    assert.match(r.weights, /trained 2 epochs/);
    assert.deepEqual(r.shape, [8]);
    const want = Array.from({ length: 8 }, (_, o) => bias[o] + W[o * 2] * x[0] + W[o * 2 + 1] * x[1]);
    assert.ok(maxDiff(valuesOf(r.values), want) < 1e-5);
    // The untrained document gives other numbers: the run's weights really were used.
    const fresh = await client.activations({ document: doc }, { nodeId: 'linear_1', data: x });
    assert.ok(maxDiff(valuesOf(fresh.values), want) > 1e-3);
  });
});
