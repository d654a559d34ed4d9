// exportPytorch through HostApi, as the page (zip) and the Electron shell (folder) call it.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { GraphBuilder, newDocument } from '../../engine/index.ts';
import { HostError } from '../../protocol/hostApi.ts';
import { connectedHost } from '../helpers/host.ts';
import { loadTemplate } from '../helpers/templates.ts';

const dir = mkdtempSync(join(tmpdir(), 'netwright-pytorch-host-'));
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
