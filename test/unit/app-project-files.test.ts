// .netwright files through HostApi, as the page uses them: an imported ResNet-50 keeps its 100 MB
// of weights on the host (the page's document names them, no notice); saveProject gives them back
// in chunks as a .netwright zip; uploading that zip in chunks and opening it gives a document
// whose ONNX export has bit-identical initializers; a dangling or unknown weights id is a clear error.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decodeProjectArchive, exportInference } from '../../engine/index.ts';
import { decodeModel } from '../../engine/onnx/proto.ts';
import { importOnnx } from '../../engine/onnx/import.ts';
import { createHostService } from '../../host/hostService.ts';
import { HostError } from '../../protocol/hostApi.ts';
import { TRANSFER_CHUNK_BYTES } from '../../protocol/projectFiles.ts';
import { connectRpc, memoryPortPair, serveRpc } from '../../protocol/rpc.ts';
import { FIXTURES, noFixtures, weightBytes } from '../helpers/onnxCases.ts';
import { loadTemplate } from '../helpers/templates.ts';
import { tempDir } from '../helpers/tempDir.ts';
import { importOnnxBytes } from '../helpers/host.ts';

function client() {
  const dir = tempDir('netwright-files-');
  const [hostSide, clientSide] = memoryPortPair();
  serveRpc(createHostService({ dataDir: join(dir, 'data') }), hostSide);
  return connectRpc(clientSide).api;
}
type Api = ReturnType<typeof client>;

async function fetchAll(api: Api, transfer: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let offset = 0;
  for (let done = false; !done;) {
    const chunk = await api.readTransfer({ transfer, offset, binary: offset > 0 });
    // The first chunk as base64 (a client without binary frames), the rest as raw bytes.
    const b = 'bytes' in chunk ? Buffer.from(chunk.bytes) : Buffer.from(chunk.base64, 'base64');
    assert.equal('bytes' in chunk, offset > 0);
    assert.ok(b.length <= TRANSFER_CHUNK_BYTES);
    parts.push(b);
    offset += b.length;
    done = chunk.done;
  }
  return Buffer.concat(parts);
}

async function uploadAll(api: Api, bytes: Buffer): Promise<string> {
  const { transfer } = await api.beginUpload({ bytes: bytes.length });
  for (let offset = 0; offset < bytes.length; offset += TRANSFER_CHUNK_BYTES)
    await api.uploadChunk(
      offset === 0
        ? {
            transfer,
            offset,
            base64: bytes.subarray(offset, offset + TRANSFER_CHUNK_BYTES).toString('base64'),
          }
        : { transfer, offset, bytes: new Uint8Array(bytes.subarray(offset, offset + TRANSFER_CHUNK_BYTES)) },
    );
  return transfer;
}

const resnet = join(FIXTURES, 'light', 'light_resnet50.onnx');

describe('When the page saves and opens .netwright files', { skip: noFixtures }, () => {
  it('an imported ResNet-50 keeps its weights through save, reopen and export', async (t) => {
    const api = client();
    const bytes = readFileSync(resnet);
    let t0 = performance.now();
    const lap = (what: string) => {
      t.diagnostic(`${what}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      t0 = performance.now();
    };
    const { document, notes } = await importOnnxBytes(api, bytes, { fileName: 'resnet50.onnx' });
    assert.match(document.weightsRef ?? '', /^held-/, 'the weights stay on the host');
    assert.equal(document.weights, undefined, 'and do not travel to the page');
    assert.ok(
      !notes.some((n) => /imported without|can hold/.test(n)),
      `no notice about weights: ${notes.join(' | ')}`,
    );

    lap('import (first job thread included)');
    const saved = await api.saveProject(document);
    assert.equal(saved.fileName, 'resnet50.netwright');
    const zip = await fetchAll(api, saved.transfer);
    lap('save and fetch');
    assert.equal(zip.length, saved.bytes);
    const archive = decodeProjectArchive(zip);
    const want = importOnnx(decodeModel(new Uint8Array(bytes)), { embedWeights: false });
    assert.equal(archive.weights.size, want.weights.size);
    const raw = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    for (const [id, params] of want.weights)
      for (const [p, v] of params)
        assert.ok(raw(archive.weights.get(id)!.get(p)!).equals(raw(v)), `${id}.${p}`);

    const opened = await api.openProject({
      transfer: await uploadAll(api, zip),
      fileName: 'resnet50.netwright',
    });
    assert.match(opened.document.weightsRef ?? '', /^held-/);
    assert.notEqual(opened.document.weightsRef, document.weightsRef);
    const exported = await api.exportOnnx(opened.document, { opset: 17 });
    assert.ok(exported.ok);
    lap('export ONNX');
    const direct = exportInference(want.doc, { weights: want.weights });
    const w1 = weightBytes(direct);
    const w2 = weightBytes(decodeModel(await fetchAll(api, exported.transfer)));
    assert.equal(w2.length, w1.length);
    w1.forEach((b, k) => assert.ok(b.equals(w2[k]), `initializer ${k} differs`));
  });

  it('a small project travels whole: its weights come back in the document', async () => {
    const api = client();
    const doc = loadTemplate('avgpool-as-conv');
    assert.ok(doc.weights);
    const saved = await api.saveProject(doc);
    const opened = await api.openProject({
      transfer: await uploadAll(api, await fetchAll(api, saved.transfer)),
    });
    assert.equal(opened.document.weightsRef, undefined);
    assert.deepEqual(opened.document.weights, doc.weights);
  });

  it('a chunk read in binary carries only its own bytes through a structured clone (Electron IPC)', async () => {
    // The in-memory pair clones each message as Electron's IPC does; a view into the whole file
    // would carry all of it in every chunk (a 575 MB VGG-19 project: 36 chunks of 575 MB).
    const service = createHostService({ dataDir: join(tempDir('netwright-files-'), 'data') });
    const [hostSide, clientSide] = memoryPortPair();
    serveRpc(service, hostSide);
    const api = connectRpc(clientSide).api;
    const file = new Uint8Array(2 * TRANSFER_CHUNK_BYTES + 1000).map((_, i) => i % 251);
    const { transfer } = service.transfers.offerFile('big.bin', file);
    const second = await api.readTransfer({ transfer, offset: TRANSFER_CHUNK_BYTES, binary: true });
    assert.ok('bytes' in second && !second.done);
    assert.equal(second.bytes.byteLength, TRANSFER_CHUNK_BYTES);
    assert.equal(
      second.bytes.buffer.byteLength,
      TRANSFER_CHUNK_BYTES,
      'the clone carried more than the chunk',
    );
    assert.deepEqual(
      second.bytes.subarray(0, 3),
      file.subarray(TRANSFER_CHUNK_BYTES, TRANSFER_CHUNK_BYTES + 3),
    );
    const last = await api.readTransfer({ transfer, offset: 2 * TRANSFER_CHUNK_BYTES, binary: true });
    assert.ok('bytes' in last && last.done);
    assert.equal(last.bytes.buffer.byteLength, 1000);
    service.close();
  });

  it('weights the host no longer holds, a damaged upload and an oversized one are refused with reasons', async () => {
    const api = client();
    const doc = { ...loadTemplate('lenet5'), weightsRef: 'held-00000000-0000-0000-0000-000000000000' };
    await assert.rejects(
      api.exportOnnx(doc, {}),
      (e: unknown) =>
        e instanceof HostError &&
        /no longer has them.*Open the \.netwright or \.onnx file again/.test(e.message),
    );
    const transfer = await uploadAll(api, Buffer.from('PK\x03\x04 not really a zip'));
    await assert.rejects(
      api.openProject({ transfer }),
      (e: unknown) =>
        e instanceof HostError && e.code === 'invalid-document' && /not a readable zip/.test(e.message),
    );
    await assert.rejects(
      api.beginUpload({ bytes: 2 ** 40 }),
      (e: unknown) => e instanceof HostError && /at most/.test(e.message),
    );
    const t2 = (await api.beginUpload({ bytes: 10 })).transfer;
    await assert.rejects(
      api.uploadChunk({ transfer: t2, offset: 5, base64: 'AAAA' }),
      /does not continue the upload/,
    );
    await assert.rejects(api.openProject({ transfer: t2 }), /incomplete/);
  });
});
