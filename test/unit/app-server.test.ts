// Browser mode: loopback only, the page is served with its CSP, and the WebSocket refuses a
// wrong token, a foreign Origin or a foreign Host before any message is read.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import type { RunningServer } from '../../server/index.ts';
import { startServer } from '../../server/index.ts';
import { createHostService } from '../../host/hostService.ts';
import { resolveInRoot } from '../../server/staticFiles.ts';
import { tempDir } from '../helpers/tempDir.ts';

let server: RunningServer;
let root: string;

before(async () => {
  const dir = tempDir('netwright-server-');
  root = join(dir, 'renderer');
  mkdirSync(root);
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(join(dir, 'secret.txt'), 'secret');
  server = await startServer({
    port: 0,
    token: 'right-token',
    root,
    dataDir: join(dir, 'data'),
    templatesDir: join(dir, 'none'),
  });
});
after(() => server.close());

function get(
  path: string,
  host = `127.0.0.1:${server.port}`,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, headers: { host } }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens a socket; resolves with 'open' or the HTTP status of the refusal. */
function connect(
  token: string,
  origin: string | undefined,
  host?: string,
): Promise<{ ws?: WebSocket; status: number | 'open' }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/rpc?token=${encodeURIComponent(token)}`, {
      headers: { ...(origin ? { origin } : {}), ...(host ? { host } : {}) },
    });
    ws.on('open', () => resolve({ ws, status: 'open' }));
    ws.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode! }));
    ws.on('error', () => undefined);
  });
}

describe('When the browser-mode server runs', () => {
  it('listens on 127.0.0.1 and prints a URL carrying the token', () => {
    assert.match(server.url, new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/\\?token=right-token$`));
  });

  it('serves the page with the CSP header, and nothing outside the root', async () => {
    const page = await get('/');
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
    assert.equal(page.headers['referrer-policy'], 'no-referrer');
    assert.equal((await get('/../secret.txt')).status, 404);
    assert.equal((await get('/%2e%2e/secret.txt')).status, 404);
    assert.equal(resolveInRoot(root, '/../../etc/passwd')?.startsWith(root), true);
  });

  it('refuses requests naming another host (DNS rebinding)', async () => {
    assert.equal((await get('/', `evil.example:${server.port}`)).status, 403);
  });

  it('refuses a WebSocket with a wrong or missing token', async () => {
    const origin = `http://127.0.0.1:${server.port}`;
    assert.equal((await connect('wrong', origin)).status, 401);
    assert.equal((await connect('', origin)).status, 401);
  });

  it('refuses a WebSocket from another origin, or with no origin', async () => {
    assert.equal((await connect('right-token', 'https://evil.example')).status, 403);
    assert.equal((await connect('right-token', `http://127.0.0.1:${server.port + 1}`)).status, 403);
    assert.equal((await connect('right-token', undefined)).status, 403);
  });

  it('serves HostApi to the right token and origin, and answers junk with bad-request', async () => {
    const { ws, status } = await connect('right-token', `http://localhost:${server.port}`);
    assert.equal(status, 'open');
    const reply = (message: string) =>
      new Promise<{ id: unknown; outcome: { ok: boolean; result?: unknown; error?: { code: string } } }>(
        (resolve) => {
          ws!.once('message', (data) => resolve(JSON.parse(String(data))));
          ws!.send(message);
        },
      );
    const ok = await reply(JSON.stringify({ type: 'request', id: 1, method: 'listTemplates', args: [] }));
    assert.deepEqual(ok, { type: 'response', id: 1, outcome: { ok: true, result: [] } });
    const junk = await reply('{not json');
    assert.equal(junk.outcome.error?.code, 'bad-request');
    const unknown = await reply(JSON.stringify({ type: 'request', id: 2, method: 'rm', args: ['-rf'] }));
    assert.equal(unknown.outcome.error?.code, 'unknown-method');
    ws!.close();
  });
});

describe('When the pages of a browser-mode server go away', () => {
  const serve = async (orphanRunsMs: number) => {
    const dir = tempDir('netwright-server-');
    const real = createHostService({ dataDir: join(dir, 'data'), templatesDir: join(dir, 'none') });
    const counter = { stops: 0 };
    const own = await startServer({
      port: 0,
      token: 't',
      root,
      orphanRunsMs,
      api: {
        ...real,
        stopRuns: () => {
          counter.stops++;
          real.stopRuns();
        },
      },
    });
    const open = () =>
      new Promise<WebSocket>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${own.port}/rpc?token=t`, {
          headers: { origin: `http://127.0.0.1:${own.port}` },
        });
        ws.on('open', () => resolve(ws));
      });
    const closed = (ws: WebSocket) =>
      new Promise<void>((resolve) => {
        ws.on('close', () => setTimeout(resolve, 50)); // the server sees it a moment later
        ws.close();
      });
    return { own, open, closed, counter };
  };

  it('stops the training runs once the last page has closed, not before', async () => {
    const { own, open, closed, counter } = await serve(0);
    const [a, b] = [await open(), await open()];
    await closed(a);
    assert.equal(counter.stops, 0, 'another page is still open');
    await closed(b);
    assert.equal(counter.stops, 1, 'the last page closed');
    await own.close();
  });

  it('lets the runs go on when a page comes back within the grace time (a reload)', async () => {
    const { own, open, closed, counter } = await serve(400);
    await closed(await open());
    const again = await open();
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(counter.stops, 0, 'the reloaded page follows the runs again');
    await closed(again);
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(counter.stops, 1, 'nobody came back');
    await own.close();
  });
});
