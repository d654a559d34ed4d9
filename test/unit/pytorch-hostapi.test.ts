// exportPytorch through HostApi, as the page (zip) and the Electron shell (folder) call it.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { analyze, GraphBuilder, newDocument, resolveWeights, storeWeights } from '../../engine/index.ts';
import { HostError } from '../../protocol/hostApi.ts';
import { connectedHost } from '../helpers/host.ts';
import { watchEventLoop } from '../helpers/eventLoop.ts';
import { loadTemplate } from '../helpers/templates.ts';
import { tempDir } from '../helpers/tempDir.ts';

const dir = tempDir('netwright-pytorch-host-');
after(() => rmSync(dir, { recursive: true, force: true }));

test('the page gets a zip of the project, with the Training panel settings as train.py defaults', async () => {
  const { client } = connectedHost();
  const result = await client.exportPytorch(loadTemplate('lenet5'), {
    destination: 'zip',
    training: {
      config: { epochs: 3, batchSize: 64, loss: 'cross-entropy', optimizer: { kind: 'nesterov' }, lr: 0.05 },
    },
  });
  assert.equal(result.kind, 'zip');
  if (result.kind !== 'zip') return;
  assert.equal(result.fileName, 'lenet-5-pytorch.zip');
  const files = unzipSync(Buffer.from(result.base64, 'base64'));
  assert.deepEqual(Object.keys(files).sort(), [
    'lenet-5-pytorch/README.md',
    'lenet-5-pytorch/model.py',
    'lenet-5-pytorch/requirements.txt',
    'lenet-5-pytorch/train.py',
  ]);
  const train = new TextDecoder().decode(files['lenet-5-pytorch/train.py']);
  assert.match(train, /"--epochs", type=int, default=3,/);
  assert.match(train, /"--optimizer", choices=\([^)]*\), default="nesterov"/);
  // The lesson's data settings are kept where the panel gives none.
  assert.match(train, /"--limit", type=int, default=5000,/);
  assert.match(new TextDecoder().decode(files['lenet-5-pytorch/model.py']), /class LeNet5\(nn\.Module\):/);
});

test('Electron writes into the folder the user picks; a cancelled dialog writes nothing', async () => {
  const folder = join(dir, 'picked');
  let picks = 0;
  const { client } = connectedHost({
    pickFolder: async (name) => {
      picks++;
      assert.equal(name, picks === 1 ? 'lenet-5-pytorch' : 'mlp-784-512-512-10-pytorch');
      return picks === 1 ? folder : null;
    },
  });
  const written = await client.exportPytorch(loadTemplate('lenet5'), { destination: 'folder' });
  assert.deepEqual(written, {
    kind: 'folder',
    folder,
    files: ['model.py', 'train.py', 'README.md', 'requirements.txt'],
  });
  assert.match(readFileSync(join(folder, 'model.py'), 'utf8'), /def load_model\(weights_path=None\):/);
  const cancelled = await client.exportPytorch(loadTemplate('mlp'), { destination: 'folder' });
  assert.deepEqual(cancelled, { kind: 'cancelled' });
  assert.equal(picks, 2);
  assert.ok(!existsSync(join(dir, 'mlp-784-512-512-10-pytorch')));
});

test('browser mode has no folder dialog; an op PyTorch lacks comes back as a sentence naming the node', async () => {
  const { client } = connectedHost();
  await assert.rejects(
    client.exportPytorch(loadTemplate('lenet5'), { destination: 'folder' }),
    (e: HostError) => e.code === 'unsupported' && /export the project as a zip/.test(e.message),
  );
  const b = new GraphBuilder();
  const x = b.input([4]);
  b.add(
    'OnnxOp',
    {
      op_type: 'Hardmax',
      opset: 13,
      attributes: '[]',
      input_slots: '[{"port":0}]',
      output_shapes: '[[null,4]]',
    },
    x,
    'argmax_gate',
  );
  const result = await client.exportPytorch(newDocument('opaque', b.graph), { destination: 'zip' });
  assert.equal(result.kind, 'problems');
  assert.ok(
    result.kind === 'problems' &&
      result.problems.some((p) =>
        /^argmax_gate \(ONNX Hardmax\): ONNX Hardmax has no PyTorch equivalent/.test(p),
      ),
    JSON.stringify(result),
  );
});

test('a big export runs in a job thread: the event loop keeps answering while ResNet-18 is zipped', async () => {
  const base = loadTemplate('resnet18');
  const analysis = analyze(base.graph);
  const doc = { ...base, weights: storeWeights(resolveWeights(analysis, undefined, 5), analysis) };
  // The service itself, not through the RPC pair: validating a 60 MB message costs the same for
  // every method and is not what this measures.
  const { service } = connectedHost();
  // The longest the event loop went without running a 10 ms timer during the export.
  const loop = watchEventLoop();
  const t0 = performance.now();
  const result = await service.exportPytorch(doc, { destination: 'zip' });
  const took = performance.now() - t0;
  const longestGap = loop.stop();
  assert.equal(result.kind, 'zip');
  if (result.kind !== 'zip') return;
  const files = unzipSync(Buffer.from(result.base64, 'base64'));
  const weights = files['resnet-18-pytorch/weights.safetensors'];
  // 11,689,512 float32 parameters plus BatchNorm's running statistics, after the header.
  assert.ok(weights.byteLength > 11_689_512 * 4, `${weights.byteLength} bytes of weights`);
  // Building and zipping it on the main thread held the loop for 2.5–9 s; in a job only the
  // copies of the document and the zip across the thread boundary remain (about 0.3 s).
  assert.ok(longestGap < 1000, `the event loop stalled ${longestGap.toFixed(0)} ms of ${took.toFixed(0)} ms`);
});
