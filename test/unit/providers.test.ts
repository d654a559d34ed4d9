// Execution providers: Auto/CPU/GPU, the provider actually used in the training events and in
// `train --json`, and the clean fallback to the CPU with a one-line reason. onnxruntime-node is
// installed here without its CUDA libraries (.npmrc), so the GPU can only fail to load: that is
// the path tested end to end; the choice among providers is tested with a stand-in factory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type * as ort from 'onnxruntime-node';
import { exportInference } from '../../engine/index.ts';
import { encodeModel } from '../../engine/onnx/proto.ts';
import { createSession, type SessionFactory } from '../../host/training/providers.ts';
import { createPredictor } from '../../host/training/predictor.ts';
import { connectedHost } from '../helpers/host.ts';
import { loadTemplate, repoRoot } from '../helpers/templates.ts';

const mlp = () => encodeModel(exportInference(loadTemplate('mlp')));
const cudaLoads = process.env.NETWRIGHT_CUDA === '1';
const trainSpiral = (...args: string[]) =>
  spawnSync(
    process.execPath,
    [
      join(repoRoot, 'bin', 'netwright.js'),
      'train',
      join(repoRoot, 'assets', 'templates', 'spiral-mlp.netwright.json'),
      ...args,
    ],
    { encoding: 'utf8' },
  );

test('a GPU provider that cannot load falls back to the CPU, with one line saying why and what to do', async () => {
  const { session, use } = await createSession(mlp(), {}, 'gpu', 'linux');
  try {
    if (cudaLoads) return assert.deepEqual(use, { provider: 'cuda' });
    assert.equal(use.provider, 'cpu');
    assert.match(
      use.fallback!,
      /^Training on the CPU: no GPU provider could be loaded \(CUDA: .+\)\. For CUDA, reinstall onnxruntime-node with its CUDA libraries \(README, "GPU"\)\.$/,
    );
    assert.ok(!use.fallback!.includes('\n'), 'one line');
    const x = new Float32Array(784).fill(0.5);
    const { Tensor } = await import('onnxruntime-node');
    const out = await session.run({ [session.inputNames[0]]: new Tensor('float32', x, [1, 1, 28, 28]) });
    assert.equal((out[session.outputNames[0]].data as Float32Array).length, 10, 'and the CPU session runs');
  } finally {
    await session.release();
  }
});

test('auto and gpu take the first GPU provider that loads; cpu never tries one', async () => {
  const tried: string[] = [];
  const fake =
    (loads: string[]): SessionFactory =>
    async (_bytes, options) => {
      const p = String(options.executionProviders![0]);
      tried.push(p);
      if (p !== 'cpu' && !loads.includes(p)) throw new Error(`${p} failed\nnative trace`);
      return { p } as unknown as ort.InferenceSession;
    };
  assert.deepEqual((await createSession(new Uint8Array(), {}, 'auto', 'linux', fake(['cuda']))).use, {
    provider: 'cuda',
  });
  assert.deepEqual((await createSession(new Uint8Array(), {}, 'gpu', 'darwin', fake(['coreml']))).use, {
    provider: 'coreml',
  });
  tried.length = 0;
  const win = await createSession(new Uint8Array(), {}, 'gpu', 'win32', fake(['dml']));
  assert.deepEqual(win.use, { provider: 'dml' });
  assert.deepEqual(tried, ['cuda', 'dml'], 'CUDA first, then DirectML');
  tried.length = 0;
  assert.deepEqual((await createSession(new Uint8Array(), {}, 'cpu', 'linux', fake(['cuda']))).use, {
    provider: 'cpu',
  });
  assert.deepEqual(tried, ['cpu']);
  const none = await createSession(new Uint8Array(), {}, 'auto', 'win32', fake([]));
  assert.equal(none.use.provider, 'cpu');
  assert.match(
    none.use.fallback!,
    /\(CUDA: cuda failed; DirectML: dml failed\)/,
    'each reason, first line only',
  );
});

test('a run asked to train on the GPU reports the provider it used and the fallback in its start event', async (t) => {
  if (cudaLoads)
    return t.skip('NETWRIGHT_CUDA=1: CUDA loads on this machine, so there is no fallback to see');
  const host = connectedHost();
  const { runId } = await host.client.startTraining({
    document: loadTemplate('spiral-mlp'),
    dataset: { kind: 'synthetic', generator: 'spiral', n: 300, seed: 1 },
    config: {
      epochs: 1,
      batchSize: 30,
      loss: 'cross-entropy',
      optimizer: { kind: 'adam' },
      lr: 0.01,
      provider: 'gpu',
    },
  });
  const events = await host.finished(runId);
  const start = events.find((e) => e.event === 'start');
  assert.ok(start && start.event === 'start');
  assert.equal(start.provider, 'cpu');
  assert.match(
    start.providerFallback ?? '',
    /^Training on the CPU: no GPU provider could be loaded \(CUDA: /,
  );
  assert.equal(events.at(-1)?.event, 'finished');
});

test('train --provider gpu --json: the epoch line names the provider, the fallback is one note on stderr', (t) => {
  if (cudaLoads)
    return t.skip('NETWRIGHT_CUDA=1: CUDA loads on this machine, so there is no fallback to see');
  const r = trainSpiral(
    '--data',
    'synthetic:spiral:300',
    '--batch-size',
    '30',
    '--provider',
    'gpu',
    '--json',
  );
  assert.equal(r.status, 0, r.stderr);
  const line = JSON.parse(r.stdout.trim()) as Record<string, unknown>;
  assert.equal(line.provider, 'cpu');
  const notes = r.stderr.split('\n').filter((l) => l.startsWith('note: Training on the CPU'));
  assert.equal(notes.length, 1, r.stderr);
  const bad = trainSpiral('--data', 'mnist', '--provider', 'tpu');
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /--provider tpu: choose auto, cpu or gpu\./);
});

test('Try it on a GPU that cannot load predicts on the CPU, the same probabilities as asked for the CPU', async () => {
  const doc = loadTemplate('lenet5');
  const { resolveWeights, analyze } = await import('../../engine/index.ts');
  const weights = resolveWeights(analyze(doc.graph), undefined, 3);
  const sample = Array.from({ length: 28 * 28 }, (_, i) => (i % 29) / 29);
  const [cpu, gpu] = await Promise.all(
    (['cpu', 'gpu'] as const).map((p) => createPredictor(doc, weights, undefined, p)),
  );
  try {
    const a = await cpu.predict(sample);
    const b = await gpu.predict(sample);
    assert.equal(a.length, 10);
    assert.deepEqual(b, a);
  } finally {
    await Promise.all([cpu.release(), gpu.release()]);
  }
});
