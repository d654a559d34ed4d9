// File chunks over the browser-mode WebSocket as binary frames (protocol/binaryFrames.ts): a
// project saved and read back, then uploaded and opened, with raw bytes both ways through a real
// server; a binary frame whose header names no place for its bytes is refused, the socket open.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeProjectArchive } from '../../engine/index.ts';
import { encodeFrame, joinFrame, splitFrame } from '../../protocol/binaryFrames.ts';
import type { HostApi } from '../../protocol/hostApi.ts';
import type { Port } from '../../protocol/rpc.ts';
import { connectRpc } from '../../protocol/rpc.ts';
import type { RunningServer } from '../../server/index.ts';
import { loadTemplate } from '../helpers/templates.ts';
import { openSocket, roundTrip, startTestServer } from '../helpers/wsClient.ts';

let server: RunningServer;
before(async () => (server = await startTestServer()));
after(() => server.close());

/** A HostApi whose messages are encoded as the page encodes them (binary frames for bytes). */
async function binaryHost(): Promise<{ api: HostApi; sentBinary: () => number }> {
  const ws = await openSocket(server);
  let binary = 0;
  const port: Port = {
    send: (m) => {
      const frame = encodeFrame(m);
      if (typeof frame !== 'string') binary++;
      ws.send(frame);
    },
    onMessage: (listener) => {
      const h = (data: Buffer, isBinary: boolean) => {
        if (!isBinary) return listener(JSON.parse(data.toString('utf8')));
        const split = splitFrame(new Uint8Array(data))!;
        listener(joinFrame(JSON.parse(split.header), split.bytes));
      };
      ws.on('message', h);
      return () => ws.off('message', h);
    },
    onClose: (listener) => ws.on('close', listener),
  };
  return { api: connectRpc(port).api, sentBinary: () => binary };
}

describe('Binary frames', () => {
  it('carry a saved project down and up again as raw bytes', async () => {
    const { api, sentBinary } = await binaryHost();
    const doc = loadTemplate('lenet5');
    const saved = await api.saveProject(doc);
    const chunk = await api.readTransfer({ transfer: saved.transfer, offset: 0, binary: true });
    assert.ok('bytes' in chunk && chunk.done);
    assert.ok(chunk.bytes instanceof Uint8Array);
    assert.equal(chunk.bytes.length, saved.bytes);
    assert.equal(decodeProjectArchive(chunk.bytes).doc.name, doc.name);
    const { transfer } = await api.beginUpload({ bytes: chunk.bytes.length });
    await api.uploadChunk({ transfer, offset: 0, bytes: chunk.bytes });
    assert.equal(sentBinary(), 1);
    const opened = await api.openProject({ transfer });
    assert.deepEqual(opened.document.graph, doc.graph);
  });

  it('whose header names no place for the bytes are refused on a socket that stays open', async () => {
    const ws = await openSocket(server);
    const frame = encodeFrame({ type: 'request', id: 3, method: 'uploadChunk', args: [new Uint8Array(8)] });
    assert.ok(typeof frame !== 'string');
    // The header's length field points past the end.
    const broken = Buffer.from(frame);
    broken.writeUInt32LE(1e6, 0);
    const reply = (await roundTrip(ws, broken)) as { outcome: { error: { code: string } } };
    assert.equal(reply.outcome.error.code, 'bad-request');
    const ok = (await roundTrip(
      ws,
      JSON.stringify({ type: 'request', id: 4, method: 'listTemplates', args: [] }),
    )) as {
      outcome: { ok: boolean };
    };
    assert.equal(ok.outcome.ok, true);
    ws.close();
  });
});
