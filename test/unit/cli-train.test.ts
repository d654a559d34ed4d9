// The training commands as a user runs them: bin/netwright.js train, grad, gradcheck and bench.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ProjectDocument } from '../../engine/index.ts';
import {
  analyze,
  GraphBuilder,
  newDocument,
  parseDocument,
  predictions,
  resolveWeights,
  serializeDocument,
} from '../../engine/index.ts';
import { decodeModel } from '../../engine/onnx/proto.ts';
import { loadTrainTest } from '../../host/data/index.ts';
import { EPOCH_KEYS, parseDataFlag, parseSchedule, trainConfig } from '../../cli/train.ts';
import { CliError } from '../../cli/errors.ts';
import { repoRoot, templatesDir } from '../helpers/templates.ts';
import { tempDir } from '../helpers/tempDir.ts';

const netwright = (...args: string[]) =>
  spawnSync(process.execPath, [join(repoRoot, 'bin', 'netwright.js'), ...args], { encoding: 'utf8' });
const dir = tempDir('netwright-cli-train-');
after(() => rmSync(dir, { recursive: true, force: true }));
const mlp = join(templatesDir, 'mlp.netwright.json');
const jsonLines = (out: string) =>
  out
    .trim()
    .split('\n')
    .filter((l) => l)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

test('train --json prints exactly one DESIGN.md line per epoch; --out, --save and --checkpoint write files', async () => {
  const out = join(dir, 'trained.onnx');
  const saved = join(dir, 'trained.netwright.json');
  const checkpoint = join(dir, 'run.ckpt');
  const r = netwright(
    'train',
    mlp,
    '--data',
    'mnist',
    '--limit',
    '2000',
    '--test-limit',
    '1000',
    '--epochs',
    '2',
    '--batch-size',
    '64',
    '--lr',
    '0.05',
    '--normalize',
    'standardize',
    '--seed',
    '1',
    '--json',
    '--out',
    out,
    '--save',
    saved,
    '--checkpoint',
    checkpoint,
  );
  assert.equal(r.status, 0, r.stderr);
  const lines = jsonLines(r.stdout);
  assert.equal(lines.length, 2);
  lines.forEach((l, i) => {
    assert.deepEqual(Object.keys(l), [...EPOCH_KEYS]);
    assert.equal(l.event, 'epoch');
    assert.equal(l.epoch, i + 1);
    for (const k of ['trainAccuracy', 'testAccuracy'])
      assert.ok((l[k] as number) >= 0 && (l[k] as number) <= 1, `${k} ${l[k]}`);
    assert.ok((l.samplesPerSecond as number) > 0, 'samples/s');
  });
  assert.ok((lines[1].testAccuracy as number) > 0.8, `test accuracy ${lines[1].testAccuracy}`);
  // Human messages (the memory estimate first) go to stderr in --json mode.
  assert.match(r.stderr, /Estimated training memory: [\d.]+ MB/);
  assert.match(r.stderr, /Wrote the trained model/);

  // The ONNX file classifies the same 1,000 test images exactly as the trainer's evaluation did,
  // given the standardization its metadata records.
  const { test: testSet, stats } = await loadTrainTest({
    kind: 'mnist',
    limit: 2000,
    testLimit: 1000,
    seed: 1,
    normalize: 'standardize',
  });
  const meta = decodeModel(readFileSync(out)).metadataProps!.find((m) => m.key === 'netwright.normalize')!;
  assert.deepEqual(JSON.parse(meta.value), { kind: 'standardize', ...stats });
  assert.match(r.stderr, /expects inputs standardized with mean \[0\.13\d+\] and std \[0\.30\d+\]/);
  const session = await ort.InferenceSession.create(out);
  const y = (
    await session.run({
      [session.inputNames[0]]: new ort.Tensor('float32', testSet.x, [testSet.length, 1, 28, 28]),
    })
  )[session.outputNames[0]].data as Float32Array;
  await session.release();
  const p = predictions(y, testSet.length);
  const accuracy = p.filter((c, i) => c === (testSet.y as Int32Array)[i]).length / testSet.length;
  assert.equal(accuracy, lines[1].testAccuracy);

  // The saved project carries the weights; training it further starts from them.
  const doc = parseDocument(readFileSync(saved, 'utf8'));
  assert.deepEqual(Object.keys(doc.weights!), ['linear_1', 'linear_2', 'linear_3']);
  assert.deepEqual(doc.weights!.linear_1.weight.shape, [512, 784]);

  // Resume: the checkpoint carries the data flags and the configuration; --epochs is the total.
  const resumed = netwright(
    'train',
    mlp,
    '--resume',
    checkpoint,
    '--epochs',
    '3',
    '--test-limit',
    '1000',
    '--json',
  );
  assert.equal(resumed.status, 0, resumed.stderr);
  const more = jsonLines(resumed.stdout);
  assert.deepEqual(
    more.map((l) => l.epoch),
    [3],
  );
  assert.match(resumed.stderr, /resuming after epoch 2/);
  assert.ok((more[0].trainLoss as number) < (lines[1].trainLoss as number), 'training continued downhill');
  const again = netwright('train', mlp, '--resume', checkpoint, '--epochs', '2');
  assert.equal(again.status, 1);
  assert.match(again.stderr, /already has 2 epochs; ask for more with --epochs 3/);
  const otherOptimizer = netwright(
    'train',
    mlp,
    '--resume',
    checkpoint,
    '--epochs',
    '3',
    '--optimizer',
    'adam',
  );
  assert.equal(otherOptimizer.status, 1);
  assert.match(otherOptimizer.stderr, /different model or optimizer/);
});

test('train: divergence exits 1 with a message naming the learning rate; bad flags are explained', () => {
  const r = netwright(
    'train',
    mlp,
    '--data',
    'mnist',
    '--limit',
    '512',
    '--optimizer',
    'sgd',
    '--lr',
    '1e6',
    '--json',
  );
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /The loss became (NaN|Infinity|-Infinity) .* Lower the learning rate \(1000000\)/);

  for (const [args, message] of [
    [
      ['--data', 'synthetic:spiral'],
      /input takes \[1, 28, 28\] \(784 values\) but each spiral \(train\) sample is \[2\]/,
    ],
    [[], /--data is required/],
  ] as [string[], RegExp][]) {
    const bad = netwright('train', mlp, ...args);
    assert.equal(bad.status, 1, args.join(' '));
    assert.match(bad.stderr, message);
  }
  // The flag parsers, in-process (each throws a CliError that main prints with exit code 1).
  const none = {};
  const cases: [() => unknown, RegExp][] = [
    [() => parseDataFlag('mnistx', none), /unknown source/],
    [() => parseDataFlag('synthetic:swirl', none), /unknown synthetic set swirl/],
    [() => parseDataFlag('idx:a', none), /expected idx:<images>,<labels>/],
    [() => parseDataFlag('csv', none), /csv needs a path, e.g. --data csv:data.csv/],
    [() => parseSchedule('step:0:2'), /--schedule step:0:2: expected step:<epochs>:<gamma>/],
    [() => parseSchedule('warmup'), /expected step:<size>:<gamma>, cosine, inverse/],
    [() => trainConfig({ optimizer: 'lion' }), /--optimizer lion: choose one of sgd/],
    [() => trainConfig({ lr: '-1' }), /--lr -1: expected a positive learning rate/],
    [() => trainConfig({ epochs: '1.5' }), /--epochs 1.5: expected a positive integer/],
    [() => trainConfig({ momentum: '1' }), /--momentum 1: expected a number in \[0, 1\)/],
    [() => trainConfig({ loss: 'hinge' }), /--loss hinge: choose one of cross-entropy/],
  ];
  for (const [run, message] of cases)
    assert.throws(run, (e: Error) => e instanceof CliError && message.test(e.message));
  assert.deepEqual(parseDataFlag('synthetic:moons:300', { limit: 100, seed: 2 }), {
    kind: 'synthetic',
    generator: 'moons',
    n: 300,
    limit: 100,
    seed: 2,
  });
  assert.deepEqual(parseDataFlag('idx:a,b,c,d', {}), {
    kind: 'idx',
    images: 'a',
    labels: 'b',
    testImages: 'c',
    testLabels: 'd',
  });
  assert.deepEqual(parseSchedule('inverse:1:100'), { kind: 'inverse', c0: 1, c1: 100 });
  assert.deepEqual(parseSchedule('step:2:0.5'), { kind: 'step', stepSize: 2, gamma: 0.5 });
  const c = trainConfig({ optimizer: 'adamw', weightDecay: '0.05' });
  assert.deepEqual(c.optimizer, { kind: 'adamw', weightDecay: 0.05 });
  assert.equal(c.lr, 1e-3);
  // Resuming keeps the saved settings unless a flag overrides them.
  const saved = trainConfig({ optimizer: 'momentum', momentum: '0.8', lr: '0.2', batchSize: '16' });
  assert.deepEqual(trainConfig({ epochs: '4' }, saved), { ...saved, epochs: 4 });
  assert.equal(trainConfig({ lr: '0.1' }, saved).optimizer.momentum, 0.8);
});

test('train on a synthetic set with a small model, Xavier init and a schedule', () => {
  const b = new GraphBuilder();
  b.chain(b.input([2]), [['Linear', { out_features: 32 }], ['ReLU'], ['Linear', { out_features: 3 }]]);
  const model = join(dir, 'spiral.netwright.json');
  writeFileSync(model, serializeDocument(newDocument('spiral', b.graph)));
  const r = netwright(
    'train',
    model,
    '--data',
    'synthetic:blobs:600',
    '--epochs',
    '5',
    '--optimizer',
    'adam',
    '--lr',
    '0.01',
    '--init',
    'xavier',
    '--schedule',
    'step:2:0.5',
  );
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('epoch '));
  assert.equal(lines.length, 5);
  assert.match(
    lines[4],
    /^epoch 5\/5: train loss [\d.]+, accuracy [\d.]+%; test loss [\d.]+, accuracy [\d.]+%; \d+ samples\/s, [\d.]+ ms per update$/,
  );
  assert.match(r.stdout, /Estimated training memory/);
  assert.match(r.stdout, /Cost per update: [\d.]+ MFLOPs \(forward and backward of one batch\)/);
});

test('grad writes DESIGN.md’s grads.json, matching float64 finite differences (cross-entropy and MSE)', () => {
  const b = new GraphBuilder();
  b.chain(b.input([3], 'x'), [['Linear', { out_features: 4 }], ['Tanh'], ['Linear', { out_features: 2 }]]);
  const doc = newDocument('tiny', b.graph);
  const model = join(dir, 'tiny.netwright.json');
  writeFileSync(model, serializeDocument(doc));
  const x = [0.5, -1, 2, 1.5, 0.25, -0.75];
  const batch = (targets: { shape: number[]; data: number[] }) => {
    const file = join(dir, `batch-${targets.data.length}.json`);
    writeFileSync(file, JSON.stringify({ inputs: { x: { shape: [2, 3], data: x } }, targets }));
    return file;
  };
  const cases = [
    { loss: 'cross-entropy', targets: { shape: [2], data: [1, 0] } },
    { loss: 'mse', targets: { shape: [2, 2], data: [0.3, -0.2, 1, 0.5] } },
  ];
  for (const c of cases) {
    const out = join(dir, `grads-${c.loss}.json`);
    const r = netwright('grad', model, '--batch', batch(c.targets), '--loss', c.loss, '-o', out);
    assert.equal(r.status, 0, r.stderr);
    const grads = JSON.parse(readFileSync(out, 'utf8')) as {
      loss: number;
      grads: Record<string, { shape: number[]; data: number[] }>;
    };
    assert.deepEqual(Object.keys(grads.grads), [
      'linear_1.weight',
      'linear_1.bias',
      'linear_2.weight',
      'linear_2.bias',
    ]);
    assert.deepEqual(grads.grads['linear_1.weight'].shape, [4, 3]);

    // Without -o the same JSON goes to stdout.
    const printed = netwright('grad', model, '--batch', batch(c.targets), '--loss', c.loss);
    assert.deepEqual(JSON.parse(printed.stdout), grads);

    const w = weightsOf(doc);
    const f = (p: Record<string, number[]>) => tinyLoss(p, x, c.loss, c.targets.data);
    assert.ok(Math.abs(f(w) - grads.loss) < 1e-5, `loss ${grads.loss} vs ${f(w)}`);
    for (const [name, g] of Object.entries(grads.grads))
      g.data.forEach((analytic, i) => {
        const h = 1e-6;
        const plus = structuredClone(w);
        plus[name][i] += h;
        const minus = structuredClone(w);
        minus[name][i] -= h;
        const numeric = (f(plus) - f(minus)) / (2 * h);
        assert.ok(
          Math.abs(analytic - numeric) < 1e-4 * Math.max(1, Math.abs(numeric)),
          `${c.loss} ${name}[${i}]: ${analytic} vs ${numeric}`,
        );
      });
  }
  const bad = netwright(
    'grad',
    model,
    '--batch',
    batch({ shape: [2], data: [1, 5] }),
    '--loss',
    'cross-entropy',
  );
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /targets.data\[1\] = 5 is not a class index in 0..1/);
});

/** The tiny model's weights as `grad` initialises them: PyTorch's default with seed 0. */
function weightsOf(doc: ProjectDocument): Record<string, number[]> {
  const analysis = analyze(doc.graph);
  const out: Record<string, number[]> = {};
  for (const [id, params] of resolveWeights(analysis, undefined, 0))
    for (const [p, v] of params)
      out[`${doc.graph.nodes.find((n) => n.id === id)!.name}.${p}`] = Array.from(v);
  return out;
}

function tinyLoss(p: Record<string, number[]>, x: number[], loss: string, t: number[]): number {
  let total = 0;
  for (let n = 0; n < 2; n++) {
    const h = [0, 1, 2, 3].map((j) =>
      Math.tanh(
        p['linear_1.bias'][j] +
          [0, 1, 2].reduce((s, i) => s + p['linear_1.weight'][j * 3 + i] * x[n * 3 + i], 0),
      ),
    );
    const y = [0, 1].map(
      (k) =>
        p['linear_2.bias'][k] + [0, 1, 2, 3].reduce((s, j) => s + p['linear_2.weight'][k * 4 + j] * h[j], 0),
    );
    if (loss === 'mse') total += ((y[0] - t[n * 2]) ** 2 + (y[1] - t[n * 2 + 1]) ** 2) / 4;
    else {
      const m = Math.max(...y);
      const logZ = m + Math.log(Math.exp(y[0] - m) + Math.exp(y[1] - m));
      total += (logZ - y[t[n]]) / 2;
    }
  }
  return total;
}

test('gradcheck passes on LeNet-5 and prints one report in --json', () => {
  const r = netwright('gradcheck', join(templatesDir, 'lenet5.netwright.json'), '--json');
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const report = JSON.parse(r.stdout);
  assert.equal(report.pass, true);
  assert.equal(report.forward, 'inference');
  assert.equal(report.params.length, 10);
  for (const p of report.params) {
    assert.ok(p.maxRelError <= report.tolerance && p.directionalError <= report.tolerance, JSON.stringify(p));
    assert.ok(p.sampled >= 1, p.name);
  }
  const text = netwright('gradcheck', join(templatesDir, 'mlp.netwright.json'));
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /linear_1\.weight\s+\[512, 784\]\s+6\s+[\d.e+-]+\s+[\d.e+-]+\s+pass/);
  assert.match(text.stdout, /All 6 tensors pass\./);
});

test('bench --json: the measured roofline, one DESIGN.md line per model and mode with pct_peak against it, then the analysis lines', () => {
  const r = netwright('bench', '--json', '--models', 'mlp');
  assert.equal(r.status, 0, r.stderr);
  const lines = jsonLines(r.stdout);
  const roofline = lines[0];
  assert.equal(roofline.kind, 'roofline');
  // Measured, not assumed: any real machine's float32 MatMul and Conv land between 1 and 10^5 GFLOP/s.
  for (const k of ['matmul_gflops', 'conv_gflops'])
    assert.ok((roofline[k] as number) > 1 && (roofline[k] as number) < 1e5, JSON.stringify(roofline));
  const results = lines.slice(1, 3);
  assert.deepEqual(
    results.map((l) => Object.keys(l)),
    [0, 1].map(() => [
      'peer',
      'model',
      'batch',
      'mode',
      'samples_per_s',
      'step_ms_median',
      'peak_rss_mb',
      'flops_per_sample',
      'gflops',
      'steps_per_call',
      'pct_peak',
    ]),
  );
  assert.deepEqual(
    results.map((l) => [l.model, l.batch, l.mode, l.steps_per_call]),
    [
      ['mlp', 200, 'train', 4],
      ['mlp', 200, 'infer', 1],
    ],
  );
  // 784-512-512-10: forward MACs; a train step adds every dW and the dX of the last two layers.
  const forwardMacs = 784 * 512 + 512 * 512 + 512 * 10;
  const exactFlops = { train: 2 * (2 * forwardMacs + 512 * 512 + 512 * 10), infer: 2 * forwardMacs };
  for (const l of results) {
    assert.ok((l.samples_per_s as number) > 0 && (l.peak_rss_mb as number) > 0, JSON.stringify(l));
    assert.equal(l.flops_per_sample, exactFlops[l.mode as 'train' | 'infer']);
    const gflops = ((l.flops_per_sample as number) * (l.samples_per_s as number)) / 1e9;
    assert.ok(Math.abs((l.gflops as number) - gflops) < 0.006, JSON.stringify(l));
    const pct = (100 * (l.gflops as number)) / (roofline.matmul_gflops as number);
    assert.ok(Math.abs((l.pct_peak as number) - pct) < 0.006, JSON.stringify(l));
    assert.ok(
      Math.abs((l.samples_per_s as number) - 200 / ((l.step_ms_median as number) / 1000)) <
        1e-3 * (l.samples_per_s as number),
      JSON.stringify(l),
    );
  }
  assert.deepEqual(
    lines.slice(3).map((l) => l.bench),
    ['analysis-chain', 'analysis-residual'],
  );
});
