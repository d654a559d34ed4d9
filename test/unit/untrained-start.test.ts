// One random start everywhere: an untrained document's weights in feature maps, Try it and the
// inspector are the ones a training run with the Training panel's seed and init starts from
// (initialWeights, as host/training/runs.ts calls it). Expected outputs are computed here in
// float64 from those weights, not read back from the code under test.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProjectDocument, WeightMap } from '../../engine/index.ts';
import { analyze, decodeFloat32, GraphBuilder, newDocument } from '../../engine/index.ts';
import { initialWeights, type InitSpec } from '../../engine/index.ts';
import { nodeParams, setWeight } from '../../renderer/inspector/weightValues.ts';
import { createAppStore } from '../../renderer/state/store.ts';
import { connectedHost } from '../helpers/host.ts';

const host = connectedHost().client;
const kaiming: InitSpec = { kind: 'kaiming' };

/** Odd sizes, so Box-Muller's spare normal crosses tensor boundaries. */
function mlp(): ProjectDocument {
  const b = new GraphBuilder();
  b.chain(b.input([5]), [
    ['Linear', { out_features: 7 }],
    ['ReLU'],
    ['Linear', { out_features: 3 }],
    ['BatchNorm1d'],
    ['Linear', { out_features: 2 }],
  ]);
  return newDocument('start', b.graph);
}
const linears = (doc: ProjectDocument) => doc.graph.nodes.filter((n) => n.type === 'Linear').map((n) => n.id);

/** x·Wᵀ + b in float64. */
function linear(x: readonly number[], w: Float32Array, bias: Float32Array): number[] {
  const inF = x.length;
  return Array.from(bias, (b, o) => x.reduce((s, xi, i) => s + xi * w[o * inF + i], b));
}

function runStart(doc: ProjectDocument, init: InitSpec, seed: number): WeightMap {
  return initialWeights(analyze(doc.graph), doc, init, seed);
}

describe('an untrained document starts where training would', () => {
  const x = [0.5, -1, 2, 0.25, -0.75];

  it('feature maps of the first Linear equal x·Wᵀ+b with the run’s initial weights (seed 7, kaiming)', async () => {
    const doc = mlp();
    const id = linears(doc)[0];
    const w = runStart(doc, kaiming, 7).get(id)!;
    const expected = linear(x, w.get('weight')!, w.get('bias')!);
    const r = await host.activations({ document: doc, seed: 7, init: kaiming }, { nodeId: id, data: x });
    assert.deepEqual(r.shape, [7]);
    r.values.forEach((v, i) => assert.ok(Math.abs(v! - expected[i]) < 1e-5, `${i}: ${v} vs ${expected[i]}`));
    assert.match(r.weights, /seed 7 \(init kaiming\)/);
    // The seed matters: seed 0's start gives other outputs (so the comparison above can fail).
    const r0 = await host.activations({ document: doc }, { nodeId: id, data: x });
    assert.ok(r0.values.some((v, i) => Math.abs(v! - expected[i]) > 1e-3));
  });

  it('Try it of an untrained document uses the same start (the last Linear’s logits, softmaxed)', async () => {
    const doc = mlp();
    const r = await host.activations(
      { document: doc, seed: 3, init: kaiming },
      { nodeId: linears(doc)[2], data: x },
    );
    const logits = r.values.map((v) => v!);
    const e = logits.map((l) => Math.exp(l - Math.max(...logits)));
    const p = await host.predict({ document: doc, seed: 3, init: kaiming }, { data: x });
    p.probabilities.forEach((q, i) => assert.ok(Math.abs(q - e[i] / (e[0] + e[1])) < 1e-5));
  });

  it('refuses a bad init with a message naming the field', async () => {
    await assert.rejects(
      host.activations({ document: mlp(), init: { kind: 'normal', std: -1 } } as never, {
        nodeId: 'x',
        data: x,
      }),
      /init|std/,
    );
  });

  for (const [label, init, seed] of [
    ['default, seed 0', { kind: 'default' }, 0],
    ['default, seed 11', { kind: 'default' }, 11],
    ['kaiming, seed 5', kaiming, 5],
    ['normal, seed 2', { kind: 'normal', std: 0.3 }, 2],
    ['xavier, seed 9', { kind: 'xavier' }, 9],
  ] as [string, InitSpec, number][])
    it(`the inspector shows every layer’s run start (${label})`, () => {
      const doc = mlp();
      const analysis = analyze(doc.graph);
      const run = runStart(doc, init, seed);
      for (const id of analysis.order)
        for (const p of nodeParams(analysis, doc.weights, id, { seed, init }))
          assert.deepEqual(p.values, run.get(id)!.get(p.spec.name), `${id}.${p.spec.name}`);
    });

  it('with a layer stored and the default init, the others keep their run start', () => {
    const doc = mlp();
    const [first, second] = linears(doc);
    const store = createAppStore({ doc });
    const setup = store.getState().trainingSetup;
    store.getState().actions.setTrainingSetup({ ...setup, config: { ...setup.config, seed: 4 } });
    setWeight(store, first, 'weight', 0, 1.5);
    const edited = store.getState().doc;
    const analysis = analyze(edited.graph);
    const run = runStart(edited, { kind: 'default' }, 4);
    assert.deepEqual(
      nodeParams(analysis, edited.weights, second, { seed: 4 })[0].values,
      run.get(second)!.get('weight'),
    );
  });

  it('an edit stores exactly the shown values, with the typed one changed', () => {
    const doc = mlp();
    const id = linears(doc)[1];
    const store = createAppStore({ doc });
    const setup = store.getState().trainingSetup;
    store.getState().actions.setTrainingSetup({ ...setup, config: { ...setup.config, seed: 13 } });
    const shown = nodeParams(analyze(doc.graph), undefined, id, { seed: 13 });
    setWeight(store, id, 'weight', 2, -0.5);
    const stored = store.getState().doc.weights![id];
    const want = Float32Array.from(shown[0].values!);
    want[2] = -0.5;
    assert.deepEqual(decodeFloat32(stored.weight.data), want);
    assert.deepEqual(decodeFloat32(stored.bias.data), shown[1].values);
    // And that is the seed-13 run start, not seed 0's.
    assert.deepEqual(shown[1].values, runStart(doc, { kind: 'default' }, 13).get(id)!.get('bias'));
  });

  it('an init that replaces the weights makes them read-only in the inspector (an edit would be lost)', () => {
    const doc = mlp();
    const id = linears(doc)[0];
    const store = createAppStore({ doc });
    const setup = store.getState().trainingSetup;
    store.getState().actions.setTrainingSetup({ ...setup, config: { ...setup.config, init: kaiming } });
    const [w] = nodeParams(analyze(doc.graph), undefined, id, { init: kaiming });
    assert.equal(w.replaced, 'kaiming');
    setWeight(store, id, 'weight', 0, 9);
    assert.equal(store.getState().doc.weights, undefined);
  });
});
