// exportPytorch through HostApi, as the page (zip) and the Electron shell (folder) call it. The zip
// is offered as a transfer and read back with readTransfer, as Electron's page reads it.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import {
  analyze,
  encodeProjectArchive,
  GraphBuilder,
  newDocument,
  resolveWeights,
  storeWeights,
  type WeightMap,
} from '../../engine/index.ts';
import { HostError } from '../../protocol/hostApi.ts';
import { TRANSFER_CHUNK_BYTES } from '../../protocol/projectFiles.ts';
import { connectedHost, readOffered } from '../helpers/host.ts';
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
  const zip = await readOffered(client, result.transfer);
  assert.equal(zip.length, result.bytes);
  const files = unzipSync(zip);
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
  const files = unzipSync(service.transfers.takeOffered(result.transfer));
  const weights = files['resnet-18-pytorch/weights.safetensors'];
  // 11,689,512 float32 parameters plus BatchNorm's running statistics, after the header.
  assert.ok(weights.byteLength > 11_689_512 * 4, `${weights.byteLength} bytes of weights`);
  // Building and zipping it on the main thread held the loop for 2.5–9 s; in a job only the
  // copy of the document across the thread boundary remains (the zip is moved, not copied).
  assert.ok(longestGap < 1000, `the event loop stalled ${longestGap.toFixed(0)} ms of ${took.toFixed(0)} ms`);
});

/** Float32 parameters in a Linear layer of 4096 -> 4160 features with bias: 68.2 MB of weights. */
const BIG_IN = 4096;
const BIG_OUT = 4160;

test('a zip larger than 64 MB is offered as a transfer and read back whole, its weights bit for bit', async (t) => {
  // As base64 this zip was a 91 M character string inside one JSON message, and VGG-19's would be
  // 730 M, past V8's longest string; as a transfer it stays bytes, read back in 16 MiB chunks.
  const b = new GraphBuilder();
  b.add('Linear', { out_features: BIG_OUT }, b.input([BIG_IN]), 'wide');
  const base = newDocument('wide linear', b.graph);
  const id = base.graph.nodes.find((n) => n.type === 'Linear')!.id;
  // Values whose every float differs from its neighbours', so a shifted or truncated copy shows.
  const weight = new Float32Array(BIG_OUT * BIG_IN);
  for (let i = 0; i < weight.length; i++) weight[i] = i * 2 ** -20;
  const bias = new Float32Array(BIG_OUT).map((_, i) => -i);
  const weights: WeightMap = new Map([
    [
      id,
      new Map([
        ['weight', weight],
        ['bias', bias],
      ]),
    ],
  ]);
  const params = weight.length + bias.length;

  // Onto the host as the page opens a .netwright file: uploaded in chunks, its weights held there,
  // so the document that comes back (and goes to exportPytorch) names them instead of carrying them.
  const { client, service } = connectedHost();
  let archive: Uint8Array | null = encodeProjectArchive(base, { weights });
  const { transfer: upload } = await client.beginUpload({ bytes: archive.length });
  for (let offset = 0; offset < archive.length; offset += TRANSFER_CHUNK_BYTES)
    await client.uploadChunk({
      transfer: upload,
      offset,
      bytes: archive.slice(offset, offset + TRANSFER_CHUNK_BYTES),
    });
  archive = null;
  const { document } = await client.openProject({ transfer: upload });
  assert.match(document.weightsRef ?? '', /^held-/);

  const t0 = performance.now();
  const result = await client.exportPytorch(document, { destination: 'zip' });
  const exported = performance.now() - t0;
  assert.equal(result.kind, 'zip', JSON.stringify(result).slice(0, 500));
  if (result.kind !== 'zip') return;
  assert.equal(result.fileName, 'wide-linear-pytorch.zip');
  assert.ok(result.bytes > 64 * 2 ** 20, `the zip holds ${result.bytes} bytes`);
  // The service's own readTransfer, chunk by chunk as Electron's page reads it: the in-memory
  // transport's structuredClone would copy the whole 65 MB buffer behind each 16 MiB chunk view.
  const zip = await readOffered(service, result.transfer);
  const read = performance.now() - t0 - exported;
  assert.equal(zip.length, result.bytes);
  t.diagnostic(
    `zip ${(zip.length / 2 ** 20).toFixed(1)} MiB: exported in ${(exported / 1000).toFixed(1)} s, read back in ${(read / 1000).toFixed(1)} s`,
  );
  // Read once: the transfer ends with its last chunk.
  await assert.rejects(
    client.readTransfer({ transfer: result.transfer, offset: 0 }),
    /expired or is unknown/,
  );

  const files = unzipSync(zip, { filter: (f) => f.name.endsWith('.safetensors') });
  const st = files['wide-linear-pytorch/weights.safetensors'];
  assert.ok(st, `the zip holds ${Object.keys(files).join(', ')}`);
  // safetensors: an 8-byte header length, the JSON header, then every float32, nothing else.
  const view = Buffer.from(st.buffer, st.byteOffset, st.byteLength);
  const headerLength = Number(view.readBigUInt64LE(0));
  assert.equal(st.byteLength, 8 + headerLength + params * 4);
  const header = JSON.parse(view.subarray(8, 8 + headerLength).toString('utf8')) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] }
  >;
  const tensor = Object.values(header).find((h) => h.shape?.join() === `${BIG_OUT},${BIG_IN}`);
  assert.ok(tensor, JSON.stringify(header));
  assert.equal(tensor.dtype, 'F32');
  const [begin, end] = tensor.data_offsets.map((o) => 8 + headerLength + o);
  assert.ok(view.subarray(begin, end).equals(Buffer.from(weight.buffer)), 'the weights arrive unchanged');
});
