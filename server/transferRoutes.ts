// Browser mode moves a big file's bytes over plain HTTP at /transfer/<id>, not the WebSocket: the
// transfer is still begun and used through the HostApi (beginUpload + openProject, saveProject),
// only its bytes take this way. Chromium moved a 16 MiB WebSocket message in 0.4–1.6 s here, and
// each one also cost the server an unmasking pass and two copies; an HTTP body streams straight
// into the transfer's buffer, and a download goes from the server to the browser's download
// manager without passing through the page (docs/file-transfer.md has the measurements).
//   GET /transfer/<id>?token=…   an offered file (a saved project), whole; the transfer ends
//   PUT /transfer/<id>           an upload's bytes, whole (header X-Netwright-Token; same Origin)
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Transfers } from '../host/transfers.ts';
import { HostError } from '../protocol/hostApi.ts';
import { toErrorPayload } from '../protocol/rpc.ts';
import { allowedOrigins, sameSecret } from './guard.ts';
import { securityHeaders } from './staticFiles.ts';

export const TRANSFER_PATH = '/transfer/';
/** The header that carries the token on an upload (a custom header also keeps other sites out: CORS). */
export const TOKEN_HEADER = 'x-netwright-token';

const STATUS: Record<string, number> = { 'not-found': 404, forbidden: 403, 'too-large': 413 };

function fail(res: ServerResponse, e: unknown): void {
  const error = toErrorPayload(e);
  if (res.headersSent) return void res.destroy();
  res.writeHead(STATUS[error.code] ?? 400, {
    ...securityHeaders(),
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'close',
  });
  res.end(JSON.stringify({ error }));
}

/** Who may move bytes: the page of this launch (its token), and for uploads its own origin too. */
function accessProblem(req: IncomingMessage, url: URL, expected: { port: number; token: string }) {
  if (req.method === 'GET') {
    // A download is a navigation (a link with `download`): it carries no Origin, the token is in the URL.
    if (sameSecret(url.searchParams.get('token') ?? '', expected.token)) return null;
  } else if (req.method === 'PUT') {
    const origin = req.headers.origin;
    if (!origin || !allowedOrigins(expected.port).includes(origin))
      return new HostError('forbidden', `Origin ${JSON.stringify(origin ?? '')} may not use this server.`);
    const token = req.headers[TOKEN_HEADER];
    if (typeof token === 'string' && sameSecret(token, expected.token)) return null;
  } else return new HostError('bad-request', 'A transfer is fetched with GET or sent with PUT.');
  return new HostError('forbidden', 'Missing or wrong token.');
}

/**
 * Serves one request under /transfer/ (the caller has checked the Host header); `transfers` is
 * undefined when the server runs a stand-in host without them.
 */
export function serveTransfer(
  req: IncomingMessage,
  res: ServerResponse,
  transfers: Transfers | undefined,
  expected: { port: number; token: string },
): void {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  // Transfer ids are plain ASCII (transfer-<uuid>): nothing to decode.
  const id = url.pathname.slice(TRANSFER_PATH.length);
  const problem = accessProblem(req, url, expected);
  if (problem) return fail(res, problem);
  if (!transfers) return fail(res, new HostError('not-found', 'This server moves no files over HTTP.'));
  try {
    if (req.method === 'GET') return sendOffered(res, transfers.takeOffered(id));
    receiveUpload(req, res, transfers, id);
  } catch (e) {
    fail(res, e);
  }
}

function sendOffered(res: ServerResponse, bytes: Uint8Array): void {
  res.writeHead(200, {
    ...securityHeaders(),
    'Content-Type': 'application/octet-stream',
    'Content-Length': String(bytes.length),
    'Cache-Control': 'no-store',
  });
  res.end(bytes);
}

/** The body goes chunk by chunk into the transfer's buffer, which beginUpload sized. */
function receiveUpload(req: IncomingMessage, res: ServerResponse, transfers: Transfers, id: string): void {
  const { received, size } = transfers.uploadProgress(id);
  const remaining = size - received;
  const declared = Number(req.headers['content-length']);
  if (!Number.isInteger(declared) || declared !== remaining)
    throw new HostError(
      'bad-request',
      `The upload waits for ${remaining} more bytes; the request must send exactly that many (Content-Length).`,
    );
  let offset = received;
  let failed = false;
  // A page that goes away mid-upload resets the connection: the upload stays incomplete, which
  // take() refuses, and a later PUT can send the rest.
  req.on('error', () => void (failed = true));
  req.on('data', (chunk: Buffer) => {
    if (failed) return;
    try {
      transfers.receive(id, offset, chunk);
      offset += chunk.length;
    } catch (e) {
      failed = true;
      fail(res, e);
      req.destroy();
    }
  });
  req.on('end', () => {
    if (failed) return;
    res.writeHead(200, {
      ...securityHeaders(),
      'Content-Type': 'application/json',
      'Cache-Control': 'no-store',
    });
    res.end(JSON.stringify({ received: offset }));
  });
}
