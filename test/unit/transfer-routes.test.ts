// Browser mode's HTTP way for a transfer's bytes (server/transferRoutes.ts), through a real server:
// a saved project fetched whole with GET and uploaded whole with PUT, then opened through the
// HostApi, and an exported ONNX model fetched once; the token, the page's Origin and the upload's
// declared size are required, and every refusal says why.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { decodeProjectArchive, exportInference } from '../../engine/index.ts';
import { encodeModel } from '../../engine/onnx/index.ts';
import type { RunningServer } from '../../server/index.ts';
import { TOKEN_HEADER } from '../../server/transferRoutes.ts';
import { loadTemplate } from '../helpers/templates.ts';
import { startTestServer, wsHost } from '../helpers/wsClient.ts';

let server: RunningServer;
before(async () => (server = await startTestServer()));
after(() => server.close());

const url = (transfer: string, query = '') => `http://127.0.0.1:${server.port}/transfer/${transfer}${query}`;
const origin = () => `http://127.0.0.1:${server.port}`;

function put(
  transfer: string,
  body: Uint8Array<ArrayBuffer>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(url(transfer), {
    method: 'PUT',
    headers: { origin: origin(), [TOKEN_HEADER]: 't', ...headers },
    body,
  });
}

const errorOf = async (r: Response) =>
  ((await r.json()) as { error: { code: string; message: string } }).error;

describe('Transfers over HTTP', () => {
  it('carry a saved project down with GET and up with PUT, for openProject', async () => {
    const { api, close } = await wsHost(server);
    const doc = loadTemplate('lenet5');
    const saved = await api.saveProject(doc);
    const got = await fetch(url(saved.transfer, '?token=t'));
    assert.equal(got.status, 200);
    assert.equal(got.headers.get('cache-control'), 'no-store');
    const bytes = new Uint8Array(await got.arrayBuffer());
    assert.equal(bytes.length, saved.bytes);
    assert.equal(decodeProjectArchive(bytes).doc.name, doc.name);
    // The transfer ended with the download.
    assert.equal((await fetch(url(saved.transfer, '?token=t'))).status, 404);

    const { transfer } = await api.beginUpload({ bytes: bytes.length });
    const sent = await put(transfer, bytes);
    assert.equal(sent.status, 200, await sent.clone().text());
    assert.deepEqual(await sent.json(), { received: bytes.length });
    const opened = await api.openProject({ transfer });
    assert.deepEqual(opened.document.graph, doc.graph);
    close();
  });

  it('carry an exported ONNX model down once, byte for byte what the engine encodes', async () => {
    const { api, close } = await wsHost(server);
    const doc = loadTemplate('lenet5');
    const exported = await api.exportOnnx(doc, {});
    assert.ok(exported.ok);
    assert.equal(exported.fileName, 'lenet-5.onnx');
    assert.equal((await fetch(url(exported.transfer, '?token=wrong'))).status, 403);
    const got = await fetch(url(exported.transfer, '?token=t'));
    assert.equal(got.status, 200);
    const bytes = Buffer.from(await got.arrayBuffer());
    assert.equal(bytes.length, exported.bytes);
    assert.ok(bytes.equals(encodeModel(exportInference(doc))), 'the same bytes as encoding in this thread');
    assert.equal((await fetch(url(exported.transfer, '?token=t'))).status, 404);
    close();
  });

  it('refuse a missing or wrong token, another origin, and other methods', async () => {
    const { api, close } = await wsHost(server);
    const saved = await api.saveProject(loadTemplate('lenet5'));
    assert.equal((await fetch(url(saved.transfer))).status, 403);
    assert.equal((await fetch(url(saved.transfer, '?token=wrong'))).status, 403);
    const { transfer } = await api.beginUpload({ bytes: 4 });
    const bytes = new Uint8Array(4);
    assert.equal((await put(transfer, bytes, { [TOKEN_HEADER]: 'wrong' })).status, 403);
    const foreign = await put(transfer, bytes, { origin: 'https://evil.example' });
    assert.equal(foreign.status, 403);
    assert.match(
      (await errorOf(foreign)).message,
      /Origin "https:\/\/evil\.example" may not use this server/,
    );
    assert.equal((await fetch(url(transfer), { method: 'POST', body: bytes })).status, 400);
    // None of these touched the transfers: the download is still there, the upload still empty.
    assert.equal((await fetch(url(saved.transfer, '?token=t'))).status, 200);
    assert.equal((await put(transfer, bytes)).status, 200);
    close();
  });

  it('refuse an upload of another size than begun, an unknown transfer, and fetching an upload', async () => {
    const { api, close } = await wsHost(server);
    const { transfer } = await api.beginUpload({ bytes: 10 });
    const tooLong = await put(transfer, new Uint8Array(11));
    assert.equal(tooLong.status, 400);
    assert.match((await errorOf(tooLong)).message, /waits for 10 more bytes.*Content-Length/);
    assert.equal((await put(transfer, new Uint8Array(9))).status, 400);
    const unknown = await put('transfer-00000000-0000-0000-0000-000000000000', new Uint8Array(1));
    assert.equal(unknown.status, 404);
    assert.match((await errorOf(unknown)).message, /expired or is unknown/);
    const upload = await fetch(url(transfer, '?token=t'));
    assert.equal(upload.status, 400);
    assert.match((await errorOf(upload)).message, /is an upload/);
    // After the refusals the upload still takes its 10 bytes, and stays an upload once complete.
    assert.equal((await put(transfer, new Uint8Array(10))).status, 200);
    assert.equal((await fetch(url(transfer, '?token=t'))).status, 400);
    await assert.rejects(api.openProject({ transfer }), /not a \.netwright project/);
    const saved = await api.saveProject(loadTemplate('lenet5'));
    const backwards = await put(saved.transfer, new Uint8Array(0));
    assert.equal(backwards.status, 400);
    assert.match((await errorOf(backwards)).message, /a file to fetch, not an upload/);
    close();
  });

  it('survive a page that goes away mid-upload, whose upload stays incomplete', async () => {
    const { api, close } = await wsHost(server);
    const { transfer } = await api.beginUpload({ bytes: 1000 });
    await new Promise<void>((resolve) => {
      const socket = connect(server.port, '127.0.0.1', () => {
        socket.write(
          `PUT /transfer/${transfer} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nOrigin: ${origin()}\r\n` +
            `${TOKEN_HEADER}: t\r\nContent-Length: 1000\r\n\r\n${'x'.repeat(10)}`,
          () => setTimeout(() => (socket.resetAndDestroy(), resolve()), 100),
        );
      });
    });
    await assert.rejects(api.openProject({ transfer }), /incomplete \(10 of 1000 bytes\)/);
    assert.deepEqual(await api.listTemplates().then((t) => t.length > 0), true);
    close();
  });
});
