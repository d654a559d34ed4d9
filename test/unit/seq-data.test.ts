// The generated character text (synthetic:chars) and the char-lstm and tiny-transformer templates trained
// on it with the CLI, as a user runs it: each must predict the next character far better than the best
// model that ignores the context (the entropy of the character frequencies, measured on the data).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CHAR_VOCABULARY, charText, grammarText } from '../../engine/data/index.ts';
import { analyze, GraphBuilder, initialWeights, newDocument, storeWeights } from '../../engine/index.ts';
import { nodeParams } from '../../renderer/inspector/weightValues.ts';
import { checkFit } from '../../host/training/fit.ts';
import { loadTemplate, trainTemplateCli } from '../helpers/templates.ts';

test('chars: windows of the seeded grammar text, each labelled with the character after it', () => {
  const text = grammarText(200, 7);
  assert.equal(text.length, 200);
  assert.equal(grammarText(200, 7), text, 'same seed, same text');
  assert.notEqual(grammarText(200, 8), text, 'another seed, another text');
  assert.ok([...text].every((c) => CHAR_VOCABULARY.includes(c)));
  const d = charText({ n: 50, length: 12, seed: 7 });
  assert.deepEqual(d.inputShape, [12]);
  assert.equal(d.numClasses, CHAR_VOCABULARY.length);
  const decode = (ids: ArrayLike<number>) => Array.from(ids, (i) => CHAR_VOCABULARY[i]).join('');
  const source = grammarText(62, 7);
  for (const i of [0, 17, 49]) {
    assert.equal(decode(d.x.subarray(i * 12, i * 12 + 12)), source.slice(i, i + 12));
    assert.equal(CHAR_VOCABULARY[d.y[i]], source[i + 12]);
  }
  assert.throws(() => charText({ n: 5, length: 0 }), /length must be a positive integer/);
});

// The transformer has no recurrence: its causal attention and a classifier over the flattened steps
// must find the same context.
for (const template of ['char-lstm', 'tiny-transformer'])
  test(`${template} trains on synthetic:chars with netwright train --json to well under the context-free loss`, () => {
    const n = 3000;
    const epochs = trainTemplateCli(template, `synthetic:chars:${n}`, 3, 0.005);
    // The best context-free prediction: the character frequencies, whose cross-entropy is their entropy.
    const labels = charText({ n, seed: 0 }).y;
    const counts = new Map<number, number>();
    for (const y of labels) counts.set(y, (counts.get(y) ?? 0) + 1);
    let entropy = 0;
    for (const c of counts.values()) entropy -= (c / n) * Math.log(c / n);
    const mostFrequent = Math.max(...counts.values()) / n;
    const last = epochs[epochs.length - 1];
    assert.ok(
      last.testLoss < 0.4 * entropy,
      `test loss ${last.testLoss} vs the context-free ${entropy.toFixed(3)}`,
    );
    assert.ok(
      last.testAccuracy! > 2 * mostFrequent,
      `test accuracy ${last.testAccuracy} vs ${mostFrequent.toFixed(3)} for always the most frequent character`,
    );
  });

test('ids outside the Embedding’s vocabulary stop a run before it starts, naming the layer', () => {
  const doc = loadTemplate('char-lstm');
  const analysis = analyze(doc.graph);
  const data = charText({ n: 40, seed: 3 });
  checkFit(doc, analysis, data, 'cross-entropy', 8);
  for (const [value, sample] of [
    [CHAR_VOCABULARY.length, 7],
    [-1, 2],
    [2.5, 30],
  ]) {
    const x = Float32Array.from(data.x);
    x[sample * 16 + 5] = value;
    assert.throws(
      () => checkFit(doc, analysis, { ...data, x }, 'cross-entropy', 8),
      new RegExp(
        `embedding_1 looks up ids 0 to ${CHAR_VOCABULARY.length - 1}, but chars sample ${sample} holds ${value}`,
      ),
    );
  }
});

test('sequence layers start where a run starts: N(0, 1) embeddings with a zero padding row, LSTM in ±1/sqrt(H), in the inspector too', () => {
  const b = new GraphBuilder();
  // 5 x 3 = 15 normals: odd, so a pair's spare must not shift the layers after it.
  b.chain(b.input([4]), [
    ['Embedding', { num_embeddings: 5, embedding_dim: 3, padding_idx: 2 }],
    ['LSTM', { hidden_size: 4 }],
    ['Flatten'],
    ['Linear', { out_features: 3 }],
  ]);
  const doc = newDocument('start', b.graph);
  const analysis = analyze(doc.graph);
  const [emb, lstm, , lin] = analysis.order.slice(1);
  for (const seed of [0, 5]) {
    const run = initialWeights(analysis, doc, { kind: 'default' }, seed);
    const table = run.get(emb)!.get('weight')!;
    assert.deepEqual([...table.subarray(6, 9)], [0, 0, 0], 'padding row');
    const mean = table.reduce((s, v) => s + v, 0) / 15;
    assert.ok(table.some((v) => Math.abs(v) > 0.5) && Math.abs(mean) < 1, 'N(0, 1) values');
    for (const p of ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0'])
      assert.ok(
        run
          .get(lstm)!
          .get(p)!
          .every((v) => Math.abs(v) <= 0.5),
        `${p} within ±1/sqrt(4)`,
      );
    for (const id of [emb, lstm, lin])
      for (const p of nodeParams(analysis, undefined, id, { seed }))
        assert.deepEqual(p.values, run.get(id)!.get(p.spec.name), `seed ${seed}: ${id}.${p.spec.name}`);
    // The embedding stored (typed in or loaded): the layers after it keep their fresh values.
    const stored = { ...doc, weights: { [emb]: storeWeights(run, analysis)[emb] } };
    const again = initialWeights(analysis, stored, { kind: 'default' }, seed);
    assert.deepEqual(again.get(lin)!.get('weight'), run.get(lin)!.get('weight'));
    assert.deepEqual(
      nodeParams(analysis, stored.weights, lin, { seed })[0].values,
      run.get(lin)!.get('weight'),
    );
  }
});
