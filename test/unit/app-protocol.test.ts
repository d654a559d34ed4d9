// HostApi over the transport-agnostic RPC: the host validates every request, the client every
// reply, and errors cross as { code, message }. Runs the real host service on temp folders.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { GraphBuilder, newDocument, serializeDocument } from '../../engine/index.ts';
import { createHostService } from '../../host/hostService.ts';
import { HostError } from '../../protocol/hostApi.ts';
import type { HostApi } from '../../protocol/hostApi.ts';
import type { Port } from '../../protocol/rpc.ts';
import { connectRpc, dispatch, memoryPortPair, serveRpc, unwrapOutcome } from '../../protocol/rpc.ts';
import { MAX_DOCUMENT_BYTES } from '../../engine/limits.ts';
import { tempDir } from '../helpers/tempDir.ts';

function fixture() {
  const dir = tempDir('netwright-host-');
  const templatesDir = join(dir, 'templates');
  mkdirSync(templatesDir);
  const b = new GraphBuilder();
  b.chain(b.input([784]), [['Linear', { out_features: 10 }]]);
  const doc = { ...newDocument('Tiny MLP', b.graph), description: 'one layer' };
  writeFileSync(join(templatesDir, 'tiny.netwright.json'), serializeDocument(doc));
  writeFileSync(join(templatesDir, 'broken.netwright.json'), '{ "format": "netwright"');
  const api = createHostService({ templatesDir, dataDir: join(dir, 'data') });
  return { dir, api, doc };
}

function connected(api: HostApi) {
  const [hostSide, clientSide] = memoryPortPair();
  serveRpc(api, hostSide);
  return connectRpc(clientSide).api;
}

/** Sends a raw message and resolves with the first reply. */
function rawCall(
  api: HostApi,
  message: unknown,
): Promise<{ id: unknown; outcome: { ok: boolean; error?: { code: string; message: string } } }> {
  const [hostSide, clientSide] = memoryPortPair();
  serveRpc(api, hostSide);
  return new Promise((resolve) => {
    clientSide.onMessage((m) => resolve(m as never));
    clientSide.send(message);
  });
}

describe('When the renderer calls the host over a port', () => {
  it('lists templates (skipping a damaged one) and loads one as a validated document', async () => {
    const { api } = fixture();
    const client = connected(api);
    const list = await client.listTemplates();
    assert.deepEqual(list, [{ id: 'tiny', name: 'Tiny MLP', description: 'one layer', nodeCount: 2 }]);
    const doc = await client.loadTemplate('tiny');
    assert.equal(doc.graph.nodes[1].type, 'Linear');
  });

  it('answers a missing template with not-found, and a path-like id with bad-request', async () => {
    const client = connected(fixture().api);
    await assert.rejects(client.loadTemplate('nope'), (e: HostError) => e.code === 'not-found');
    await assert.rejects(
      client.loadTemplate('../../etc/passwd'),
      (e: HostError) => e.code === 'bad-request' && /template id/.test(e.message),
    );
  });

  it('parses a project or fails with invalid-document naming the field', async () => {
    const { api, doc } = fixture();
    const client = connected(api);
    assert.equal((await client.parseProject(serializeDocument(doc))).name, 'Tiny MLP');
    const bad = JSON.stringify({
      format: 'netwright',
      version: 2,
      name: 'x',
      graph: { nodes: [{ id: 'a', type: 'Conv9d', name: 'a' }], edges: [] },
    });
    await assert.rejects(
      client.parseProject(bad),
      (e: HostError) => e.code === 'invalid-document' && e.message.startsWith('graph.nodes[0].type'),
    );
  });

  it('autosaves atomically, loads it back, and clears it', async () => {
    const { api, dir, doc } = fixture();
    const client = connected(api);
    assert.equal(await client.loadAutosave(), null);
    const text = serializeDocument(doc);
    const { savedAt } = await client.saveAutosave(text);
    assert.ok(!Number.isNaN(Date.parse(savedAt)));
    assert.deepEqual(readdirSync(join(dir, 'data')), ['autosave.netwright.json']); // no temp file left behind
    assert.equal(readFileSync(join(dir, 'data', 'autosave.netwright.json'), 'utf8'), text);
    assert.equal((await client.loadAutosave())?.text, text);
    await assert.rejects(
      client.saveAutosave('not a project'),
      (e: HostError) => e.code === 'invalid-document',
    );
    assert.equal((await client.loadAutosave())?.text, text); // a refused save keeps the old one
    assert.equal(await client.clearAutosave(), null);
    assert.equal(await client.loadAutosave(), null);
  });
});

describe('When a message is malformed', () => {
  it('rejects wrong argument types and counts', async () => {
    const { api } = fixture();
    assert.deepEqual((await dispatch(api, 'loadTemplate', [42])).ok, false);
    const extra = await dispatch(api, 'listTemplates', ['surprise']);
    assert.equal(extra.ok, false);
    assert.equal(!extra.ok && extra.error.code, 'bad-request');
    const tooBig = await dispatch(api, 'parseProject', ['x'.repeat(MAX_DOCUMENT_BYTES + 1)]);
    assert.equal(!tooBig.ok && tooBig.error.code, 'bad-request');
    assert.match(!tooBig.ok ? tooBig.error.message : '', /MAX_DOCUMENT_BYTES/);
  });

  it('rejects unknown and inherited method names', async () => {
    const { api } = fixture();
    for (const name of ['deleteEverything', 'constructor', '__proto__', 7]) {
      const r = await dispatch(api, name, []);
      assert.equal(!r.ok && r.error.code, 'unknown-method', String(name));
    }
  });

  it('answers an envelope without a method or args with bad-request, keeping its id', async () => {
    const { api } = fixture();
    const reply = await rawCall(api, { type: 'request', id: 3, method: 'listTemplates' });
    assert.equal(reply.id, 3);
    assert.equal(reply.outcome.error?.code, 'bad-request');
    const junk = await rawCall(api, 'hello');
    assert.equal(junk.id, null);
    assert.equal(junk.outcome.error?.code, 'bad-request');
  });

  it('the client refuses a reply that does not match the result schema', () => {
    assert.throws(
      () => unwrapOutcome('listTemplates', { ok: true, result: [{ id: 1 }] }),
      (e: HostError) => e.code === 'bad-response',
    );
    assert.throws(
      () => unwrapOutcome('loadTemplate', { ok: true, result: { format: 'other' } }),
      (e: HostError) => e.code === 'bad-response',
    );
    assert.throws(
      () => unwrapOutcome('listTemplates', 'garbage'),
      (e: HostError) => e.code === 'bad-response',
    );
    assert.throws(
      () => unwrapOutcome('listTemplates', { ok: false, error: { code: 'not-found', message: 'gone' } }),
      (e: HostError) => e.code === 'not-found' && e.message === 'gone',
    );
  });

  it('pending calls fail with disconnected when the transport closes', async () => {
    let closeListener = () => {};
    const silent: Port = { send: () => {}, onMessage: () => () => {}, onClose: (l) => (closeListener = l) };
    const client = connectRpc(silent).api;
    const call = client.listTemplates();
    closeListener();
    await assert.rejects(call, (e: HostError) => e.code === 'disconnected');
  });
});
