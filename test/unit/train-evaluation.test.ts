// The confusion matrix over the HostApi: a small MNIST run through the real host, checked against
// an independent count (the exported trained ONNX run in onnxruntime by this test, softmax and
// argmax done here), plus the misclassified examples' order, the cell filter and the errors.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import type { Dataset } from '../../engine/data/index.ts';
import type { ProjectDocument } from '../../engine/index.ts';
import { GraphBuilder, newDocument } from '../../engine/index.ts';
import { loadTrainTest } from '../../host/data/index.ts';
import { evaluateRun, summarize } from '../../host/training/evaluation.ts';
import type { TrainingRuns } from '../../host/training/runs.ts';
import type { Evaluation } from '../../protocol/evaluation.ts';
import type { HostError } from '../../protocol/hostApi.ts';
import { dispatch } from '../../protocol/rpc.ts';
import type { TrainingConfig, TrainingDataset, TrainingEvent } from '../../protocol/training.ts';
import { connectedHost, readOffered } from '../helpers/host.ts';
import { needTorch, runPythonJson } from '../helpers/python.ts';

function mnistMlp(): ProjectDocument {
  const b = new GraphBuilder();
  b.chain(b.input([1, 28, 28]), [
    ['Flatten'],
    ['Linear', { out_features: 32 }],
    ['ReLU'],
    ['Linear', { out_features: 10 }],
  ]);
  return newDocument('Tiny MNIST MLP', b.graph);
}

// Standardised, so the examples' pixels must come back un-standardised.
const dataset: TrainingDataset = {
  kind: 'mnist',
  limit: 600,
  testLimit: 300,
  seed: 2,
  normalize: 'standardize',
};
const config: TrainingConfig = {
  epochs: 2,
  batchSize: 32,
  loss: 'cross-entropy',
  optimizer: { kind: 'adam' },
  lr: 0.002,
  seed: 1,
};

const rejectsWith = (p: Promise<unknown>, code: string, pattern?: RegExp) =>
  assert.rejects(p, (e: HostError) => {
    assert.equal(e.code, code, e.message);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });

const offDiagonal = (m: number[][]) =>
  m.flatMap((row, t) => row.map((n, p) => ({ t, p, n }))).filter((c) => c.t !== c.p);

/** Class probabilities per test sample from the exported trained model, computed here in float64. */
async function independentProbabilities(onnx: Uint8Array, test: Dataset): Promise<number[][]> {
  const session = await ort.InferenceSession.create(onnx);
  try {
    const out = await session.run({
      [session.inputNames[0]]: new ort.Tensor('float32', test.x, [test.length, ...test.inputShape]),
    });
    const y = out[session.outputNames[0]].data as Float32Array;
    const k = y.length / test.length;
    return Array.from({ length: test.length }, (_, i) => {
      const row = Array.from(y.subarray(i * k, (i + 1) * k));
      const max = Math.max(...row);
      const e = row.map((v) => Math.exp(v - max));
      const sum = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / sum);
    });
  } finally {
    await session.release();
  }
}

const argmax = (row: number[]) => row.indexOf(Math.max(...row));

describe('When a finished MNIST run is evaluated on its test set', () => {
  const { client, finished, service } = connectedHost();
  let runId = '';
  let events: TrainingEvent[] = [];
  let all: Evaluation;
  let test: Dataset;
  let rawTest: Dataset;
  let probabilities: number[][];

  before(async () => {
    runId = (await client.startTraining({ document: mnistMlp(), dataset, config })).runId;
    events = await finished(runId);
    assert.ok(
      events.some((e) => e.event === 'finished'),
      JSON.stringify(events.at(-1)),
    );
    all = await client.evaluateRun(runId, { examples: 200 });
    // The same data as the run, loaded by this test: standardised for the network, raw for pixels.
    test = (await loadTrainTest(dataset)).test;
    rawTest = (await loadTrainTest({ ...dataset, normalize: 'none' })).test;
    const file = await client.exportTrainedOnnx(runId);
    probabilities = await independentProbabilities(await readOffered(client, file.transfer), test);
  });

  it('counts every test sample once, by true class, and its accuracy is the last epoch’s', () => {
    assert.equal(all.testSamples, 300);
    assert.equal(all.matrix.length, 10);
    assert.deepEqual(all.classNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    assert.equal(
      all.matrix.flat().reduce((a, b) => a + b, 0),
      300,
    );
    const labels = test.y as Int32Array;
    all.matrix.forEach((row, c) =>
      assert.equal(
        row.reduce((a, b) => a + b, 0),
        labels.filter((l) => l === c).length,
        `row ${c}`,
      ),
    );
    const trace = all.matrix.reduce((s, row, c) => s + row[c], 0);
    const last = events.filter((e) => e.event === 'epoch').at(-1);
    assert.ok(last && last.event === 'epoch' && last.testAccuracy !== null);
    assert.equal(all.epoch, 2);
    assert.equal(trace / 300, last.testAccuracy);
    assert.equal(all.accuracy, last.testAccuracy);
    // Trained, but far from perfect: there are mistakes to show.
    assert.ok(all.accuracy > 0.5 && all.accuracy < 1, String(all.accuracy));
  });

  it('agrees cell by cell with the exported model run independently', () => {
    const labels = test.y as Int32Array;
    const expected = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
    probabilities.forEach((row, i) => expected[labels[i]][argmax(row)]++);
    assert.deepEqual(all.matrix, expected);
    for (let c = 0; c < 10; c++) {
      const col = expected.reduce((s, row) => s + row[c], 0);
      const rowSum = expected[c].reduce((a, b) => a + b, 0);
      assert.equal(all.precision[c], col ? expected[c][c] / col : null, `precision ${c}`);
      assert.equal(all.recall[c], rowSum ? expected[c][c] / rowSum : null, `recall ${c}`);
    }
  });

  it('lists the mistakes, surest first, with the probabilities and raw pixels of each', () => {
    const wrong = offDiagonal(all.matrix).reduce((s, c) => s + c.n, 0);
    assert.equal(all.mistakes, wrong);
    assert.equal(all.examples.length, Math.min(wrong, 200));
    const labels = test.y as Int32Array;
    for (const ex of all.examples) {
      assert.notEqual(ex.trueClass, ex.predicted);
      assert.equal(ex.trueClass, labels[ex.index]);
      const p = probabilities[ex.index];
      assert.equal(ex.predicted, argmax(p));
      assert.ok(Math.abs(ex.pPredicted - p[ex.predicted]) < 1e-5, `p(predicted) of #${ex.index}`);
      assert.ok(Math.abs(ex.pTrue - p[ex.trueClass]) < 1e-5, `p(true) of #${ex.index}`);
      assert.ok(ex.pPredicted > ex.pTrue);
      const raw = rawTest.x.subarray(ex.index * 784, (ex.index + 1) * 784);
      assert.equal(ex.values.length, 784);
      const worst = ex.values.reduce((m, v, i) => Math.max(m, Math.abs(v - raw[i])), 0);
      assert.ok(worst < 1e-5, `pixels of #${ex.index} differ by ${worst}`);
    }
    for (let i = 1; i < all.examples.length; i++)
      assert.ok(all.examples[i - 1].pPredicted >= all.examples[i].pPredicted, `order at ${i}`);
    // The surest mistake overall is the first one shown.
    const surest = Math.max(
      ...probabilities.map((row, i) => (argmax(row) === labels[i] ? 0 : Math.max(...row))),
    );
    assert.ok(Math.abs(all.examples[0].pPredicted - surest) < 1e-5);
  });

  it('filters to one cell, and can send the matrix alone', async () => {
    const cell = offDiagonal(all.matrix).sort((a, b) => b.n - a.n)[0];
    assert.ok(cell.n > 0);
    const one = await client.evaluateRun(runId, {
      cell: { trueClass: cell.t, predicted: cell.p },
      examples: 3,
    });
    assert.equal(one.mistakes, cell.n);
    assert.equal(one.examples.length, Math.min(3, cell.n));
    for (const ex of one.examples) assert.deepEqual([ex.trueClass, ex.predicted], [cell.t, cell.p]);
    const inCell = all.examples.filter((e) => e.trueClass === cell.t && e.predicted === cell.p);
    assert.deepEqual(one.examples, inCell.slice(0, 3));
    assert.deepEqual(one.matrix, all.matrix);
    const bare = await client.evaluateRun(runId, { examples: 0 });
    assert.deepEqual(bare.examples, []);
    assert.equal(bare.mistakes, all.mistakes);
    const diagonal = await client.evaluateRun(runId, { cell: { trueClass: 3, predicted: 3 } });
    assert.equal(diagonal.mistakes, 0);
  });

  it('refuses unknown runs, classes out of range and malformed options', async () => {
    await rejectsWith(
      client.evaluateRun('run-000000000000'),
      'not-found',
      /The host no longer holds the run run-000000000000: .* Train again/,
    );
    await rejectsWith(
      client.evaluateRun(runId, { cell: { trueClass: 10, predicted: 2 } }),
      'bad-request',
      /classes are numbered 0 to 9/,
    );
    for (const options of [{ examples: 1000 }, { cell: { trueClass: -1, predicted: 0 } }, { limit: 3 }]) {
      const r = await dispatch(service, 'evaluateRun', [runId, options]);
      assert.equal(r.ok, false, JSON.stringify(options));
      assert.equal(!r.ok && r.error.code, 'bad-request');
    }
  });
});

describe('When a run is still training', () => {
  it('is evaluated with the weights of its last finished epoch, matching that epoch’s accuracy', async () => {
    const { client, until, finished } = connectedHost();
    const { runId } = await client.startTraining({
      document: mnistMlp(),
      dataset: { ...dataset, limit: 1500 },
      config: { ...config, epochs: 4 },
    });
    await rejectsWith(client.evaluateRun(runId), 'busy', /after the first one/);
    await until(runId, (m) => m.some((e) => e.event === 'epoch'));
    const live = await client.evaluateRun(runId, { examples: 0 });
    assert.ok(live.epoch >= 1);
    const events = await until(runId, (m) => m.some((e) => e.event === 'epoch' && e.epoch === live.epoch));
    const epoch = events.find((e) => e.event === 'epoch' && e.epoch === live.epoch);
    assert.ok(epoch?.event === 'epoch');
    assert.equal(live.accuracy, epoch.testAccuracy);
    await client.stopTraining(runId);
    await finished(runId);
  });
});

describe('When the run is not a classification', () => {
  it('says a confusion matrix needs class labels', async () => {
    const regression: Dataset = {
      name: 'numbers',
      inputShape: [2],
      numClasses: 0,
      x: new Float32Array(8),
      y: new Float32Array(4),
      length: 4,
    };
    const runs = {
      evaluationInput: () => ({ test: regression, doc: mnistMlp(), weights: null, running: false }),
    } as unknown as TrainingRuns;
    await rejectsWith(evaluateRun(runs, 'run-abc'), 'bad-request', /run-abc is not a classification run/);
  });
});

describe('When the test pictures are large', () => {
  it('sends each mistake averaged down to at most 64 pixels a side, as PyTorch avg_pool2d does', (t) => {
    if (!needTorch(t)) return;
    // 130×90 RGB: averaged over 3×3 cells into 44×30, the last row of cells cut by the edge.
    const [c, h, w] = [3, 130, 90];
    const size = c * h * w;
    const x = Float32Array.from({ length: 2 * size }, (_, i) => ((i * 7919) % 1000) / 1000);
    const test: Dataset = {
      name: 'pictures',
      inputShape: [c, h, w],
      numClasses: 2,
      x,
      y: Int32Array.of(0, 1),
      length: 2,
    };
    // Both samples misclassified, the second the surer mistake.
    const out = {
      probabilities: Float32Array.of(0.2, 0.8, 0.9, 0.1),
      classes: 2,
      predicted: Int32Array.of(1, 0),
    };
    const e = summarize(test, out, undefined, undefined, { examples: 2 });
    assert.deepEqual(e.sampleShape, [3, 44, 30]);
    assert.deepEqual(
      e.examples.map((m) => m.index),
      [1, 0],
    );
    // The same pixels, made again in Python from their formula (too many to pass as an argument).
    const pooled = runPythonJson<number[][]>(
      `import json, torch
x = (torch.arange(2 * ${size}, dtype=torch.float64) * 7919 % 1000) / 1000
print(json.dumps(torch.nn.functional.avg_pool2d(x.reshape(2, ${c}, ${h}, ${w}), 3, 3, ceil_mode=True).reshape(2, -1).tolist()))`,
    );
    for (const m of e.examples) {
      assert.equal(m.values.length, 3 * 44 * 30);
      const worst = m.values.reduce((d, v, i) => Math.max(d, Math.abs(v - pooled[m.index][i])), 0);
      assert.ok(worst < 1e-6, `example #${m.index} differs from avg_pool2d by ${worst}`);
    }
  });
});
