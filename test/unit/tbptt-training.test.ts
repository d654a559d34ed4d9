// Truncated BPTT as a training option: chars as streams read window by window, the checks that
// name what to change, and a run that carries the state (the trainer, as the CLI and app use it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { charStreams, grammarText, CHAR_VOCABULARY } from '../../engine/data/index.ts';
import type { AttrValue, Graph } from '../../engine/index.ts';
import { GraphBuilder, newDocument, trainStepFlops } from '../../engine/index.ts';
import { forSequenceModel } from '../../host/data/sequenceData.ts';
import { loadTrainTest } from '../../host/data/index.ts';
import { prepareTraining } from '../../host/training/prepare.ts';
import type { TrainConfig, TrainEvent } from '../../host/training/trainer.ts';
import { train } from '../../host/training/trainer.ts';
import { trainingConfigSchema } from '../../protocol/training.ts';
import { TBPTT_MEASURED } from '../../scripts/lessons.ts';
import { loadTemplate } from '../helpers/templates.ts';

test('chars as streams: batch k holds window k of every stream, each continuing its stream’s window k - 1', () => {
  const [B, L, n] = [4, 6, 30];
  const ds = charStreams({ n, length: L, streams: B, seed: 5 });
  const windows = Math.floor(n / B);
  assert.equal(ds.streams, B);
  assert.equal(ds.length, windows * B);
  const text = grammarText(B * windows * L + 1, 5);
  const chars = (i: number) =>
    Array.from(ds.x.subarray(i * L, (i + 1) * L), (id) => CHAR_VOCABULARY[id]).join('');
  for (let b = 0; b < B; b++) {
    // Stream b read window by window, labels included, is one stretch of the generated text.
    let read = '';
    for (let k = 0; k < windows; k++) {
      const i = k * B + b;
      read += chars(i);
      assert.equal(CHAR_VOCABULARY[(ds.y as Int32Array)[i]], text[b * windows * L + (k + 1) * L]);
    }
    assert.equal(read, text.slice(b * windows * L, (b + 1) * windows * L));
  }
  assert.throws(() => charStreams({ n: 3, length: L, streams: 4 }), /streams must be an integer from 1/);
});

function charModel(
  length: number,
  layer: string,
  attrs: Record<string, AttrValue> = { hidden_size: 16 },
): Graph {
  const b = new GraphBuilder();
  b.chain(b.input([length]), [
    ['Embedding', { num_embeddings: CHAR_VOCABULARY.length, embedding_dim: 8 }],
    [layer, attrs],
    ['Flatten'],
    ['Linear', { out_features: CHAR_VOCABULARY.length }],
  ]);
  return b.graph;
}

const config = (more: Partial<TrainConfig> = {}): TrainConfig => ({
  epochs: 1,
  batchSize: 8,
  loss: 'cross-entropy',
  optimizer: { kind: 'adam' },
  lr: 0.01,
  seed: 1,
  ...more,
});

async function charsFor(graph: Graph, cfg: TrainConfig, n = 400) {
  const doc = newDocument('chars', graph);
  const spec = forSequenceModel({ kind: 'synthetic', generator: 'chars', n, seed: 1 } as const, doc, cfg);
  return { doc, data: await loadTrainTest(spec) };
}

test('tbptt is checked before the run, each sentence saying what to change', async () => {
  assert.match(
    trainingConfigSchema.safeParse({ ...config(), tbptt: 0 }).error?.issues[0].path.join('.') ?? '',
    /tbptt/,
  );
  const cfg = config({ tbptt: 6 });
  const cases: [Graph, RegExp][] = [
    [charModel(6, 'Linear', { out_features: 16 }), /no LSTM or GRU; train it without truncation/],
    [
      charModel(6, 'LSTM', { hidden_size: 16, bidirectional: true }),
      /lstm_1 is bidirectional.*Turn bidirectional off/,
    ],
  ];
  for (const [graph, message] of cases) {
    const { doc, data } = await charsFor(graph, cfg);
    assert.throws(() => prepareTraining(doc, data.train, cfg), message);
  }
  // The Input reads 6 steps: the data follows it, but τ = 4 is not the window.
  const { doc, data } = await charsFor(charModel(6, 'GRU'), cfg);
  assert.throws(
    () => prepareTraining(doc, data.train, { ...cfg, tbptt: 4 }),
    /tbptt is 4 steps, but the Input reads windows of 6.*set tbptt to 6/,
  );
  // Independent samples (no streams) can't carry a state.
  const plain = await loadTrainTest({ kind: 'synthetic', generator: 'chars', n: 400, seed: 1, length: 6 });
  assert.throws(() => prepareTraining(doc, plain.train, cfg), /needs the training data as 8 long streams/);
});

test('a truncated-BPTT run reads the streams in order, carries the state and reports the cost of an update', async () => {
  const graph = charModel(6, 'LSTM');
  const cfg = config({ tbptt: 6, epochs: 2 });
  const { doc, data } = await charsFor(graph, cfg, 800);
  const events: TrainEvent[] = [];
  const result = await train({ doc, data, config: cfg, onEvent: (e) => events.push(e) });
  const start = events.find((e) => e.event === 'start')!;
  assert.equal(start.event === 'start' && start.flopsPerUpdate, trainStepFlops(graph).flopsPerSample * 8);
  const epochs = result.history;
  assert.equal(epochs.length, 2);
  for (const e of epochs) assert.ok(e.msPerUpdate > 0 && Number.isFinite(e.msPerUpdate));
  // Better than always guessing the most frequent character of the test text.
  const counts = new Map<number, number>();
  for (const y of data.test.y) counts.set(y, (counts.get(y) ?? 0) + 1);
  const baseline = Math.max(...counts.values()) / data.test.length;
  assert.ok(epochs[1].testAccuracy! > baseline + 0.1, `${epochs[1].testAccuracy} vs ${baseline}`);
});

test('the TBPTT lesson’s figures: FLOPs per update of each template, and τ = 10’s accuracy for seed 1', async () => {
  const templates = { 10: 'tbptt-lstm-10', 50: 'tbptt-lstm-50', 200: 'tbptt-lstm-full' } as const;
  for (const [steps, name] of Object.entries(templates)) {
    const measured = TBPTT_MEASURED[Number(steps) as keyof typeof TBPTT_MEASURED];
    const flops = trainStepFlops(loadTemplate(name).graph).flopsPerSample * 32;
    assert.equal((flops / 1e6).toFixed(1), measured.mflops.toFixed(1), name);
  }
  // `netwright train tbptt-lstm-10 --data synthetic:chars:4000 --tbptt 10 --epochs 3 --batch-size 32
  // --optimizer adam --lr 0.005 --threads 1 --seed 1`, in process.
  const cfg = config({ tbptt: 10, epochs: 3, batchSize: 32, lr: 0.005, threads: 1 });
  const doc = loadTemplate('tbptt-lstm-10');
  const spec = forSequenceModel({ kind: 'synthetic', generator: 'chars', n: 4000 } as const, doc, cfg);
  const result = await train({ doc, data: await loadTrainTest(spec), config: cfg });
  const accuracy = 100 * result.history[2].testAccuracy!;
  assert.ok(Math.abs(accuracy - TBPTT_MEASURED[10].accuracy[0]) <= 0.5, `${accuracy}%`);
});
