// Browser mode: an HTTP server on 127.0.0.1 only, serving the built renderer and the HostApi over
// a WebSocket at /rpc. The CLI (`netwright serve`), scripts/start.js and tests all call startServer.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import type { HostService, HostServiceOptions } from '../host/hostService.ts';
import { createHostService } from '../host/hostService.ts';
import { repoRoot } from '../host/paths.ts';
import { jsonTextDepth, MAX_MESSAGE_BYTES, MAX_MESSAGE_DEPTH } from '../engine/index.ts';
import { encodeFrame, joinFrame, splitFrame } from '../protocol/binaryFrames.ts';
import type { HostApi, HostEventSource } from '../protocol/hostApi.ts';
import type { Port } from '../protocol/rpc.ts';
import { serveRpc } from '../protocol/rpc.ts';
import type { Rejection } from './guard.ts';
import { hostProblem, upgradeProblem } from './guard.ts';
import { serveStatic } from './staticFiles.ts';
import { serveTransfer, TRANSFER_PATH } from './transferRoutes.ts';

export interface ServerOptions extends HostServiceOptions {
  /** 0 picks a free port. */
  port?: number;
  /** Defaults to a fresh random token per launch. */
  token?: string;
  /** The built renderer; defaults to dist/renderer. */
  root?: string;
  /** The largest message accepted; MAX_MESSAGE_BYTES unless a test wants a small one. */
  maxMessageBytes?: number;
  /**
   * How long training goes on after the last page closed, for a reload to follow it again (the
   * page re-attaches); 15 s unless a test wants another.
   */
  orphanRunsMs?: number;
  /** Replaces the Node host (tests); its events, if it has any, are pushed to every page. */
  api?: HostApi & Partial<Omit<HostService, keyof HostApi>>;
}

export interface RunningServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';

function reject(socket: Duplex, r: Rejection): void {
  const text = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' }[r.status];
  socket.end(
    `HTTP/1.1 ${r.status} ${text}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${r.reason}`,
  );
}

/** A reply to a message that never became a request (no id to answer). */
function refuse(ws: WebSocket, code: string, message: string): void {
  ws.send(JSON.stringify({ type: 'response', id: null, outcome: { ok: false, error: { code, message } } }));
}

/**
 * A WebSocket as an rpc Port: JSON text frames. The nesting of each message is measured on its
 * text before JSON.parse, so nothing recursive (parsing, validation, the reply's JSON.stringify)
 * ever sees input deep enough to overflow the stack. ws itself refuses frames over maxPayload,
 * invalid UTF-8 and unmasked frames by closing that one connection (see the 'error' listener).
 */
function socketPort(ws: WebSocket): Port {
  return {
    send: (message) => {
      if (ws.readyState === ws.OPEN) ws.send(encodeFrame(message));
    },
    onMessage: (listener) => {
      const handler = (data: Buffer, isBinary: boolean) => {
        // A binary frame is a JSON header and the bytes of a file chunk (protocol/binaryFrames.ts).
        let split: ReturnType<typeof splitFrame> = null;
        try {
          split = isBinary ? splitFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)) : null;
        } catch {
          // invalid UTF-8 in the header
        }
        if (isBinary && !split)
          return refuse(ws, 'bad-request', 'A binary message must be a JSON header and bytes.');
        const text = split ? split.header : data.toString('utf8');
        if (jsonTextDepth(text, MAX_MESSAGE_DEPTH) > MAX_MESSAGE_DEPTH)
          return refuse(
            ws,
            'too-large',
            `The message nests arrays and objects more than ${MAX_MESSAGE_DEPTH} deep (MAX_MESSAGE_DEPTH); no request needs that.`,
          );
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
          // The bytes are copied out of ws's receive buffer, which it may reuse.
          if (split) parsed = joinFrame(parsed, split.bytes.slice());
        } catch {
          return refuse(ws, 'bad-request', 'Messages must be JSON text, or a JSON header and bytes.');
        }
        listener(parsed);
      };
      ws.on('message', handler);
      return () => ws.off('message', handler);
    },
    onClose: (listener) => ws.on('close', listener),
  };
}

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const root = options.root ?? join(repoRoot, 'dist', 'renderer');
  const api = options.api ?? createHostService(options);
  const subscribe = api.subscribe?.bind(api);
  const events: HostEventSource | undefined = subscribe ? { subscribe } : undefined;
  let port = options.port ?? 0;
  let pages = 0;

  const server = createServer((req, res) => {
    const problem = hostProblem(req.headers.host, port);
    if (problem) {
      res.writeHead(problem.status, { 'Content-Type': 'text/plain' });
      return void res.end(problem.reason);
    }
    if (req.url?.startsWith(TRANSFER_PATH)) return serveTransfer(req, res, api.transfers, { port, token });
    void serveStatic(root, req, res);
  });
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxMessageBytes ?? MAX_MESSAGE_BYTES,
  });
  let orphaned: ReturnType<typeof setTimeout> | undefined;
  server.on('upgrade', (req, socket, head) => {
    // A client that resets the connection must not take the server down with it.
    socket.on('error', () => socket.destroy());
    const problem = upgradeProblem(req, { port, token });
    if (problem) return reject(socket, problem);
    wss.handleUpgrade(req, socket, head, (ws) => {
      // A protocol error (a frame over maxPayload, invalid UTF-8, an unmasked frame) closes this
      // connection with the matching close code; without a listener Node would exit instead.
      ws.on('error', () => ws.terminate());
      // A run reports only to the pages that are open; when the last one goes (closed) nothing
      // can follow, stop or keep its run any more, so it is stopped instead of holding the one
      // training slot ("busy") and the CPU until it ends on its own. A reload is a page that
      // comes back at once: the run goes on for a while, for it to follow again.
      pages++;
      clearTimeout(orphaned);
      ws.on('close', () => {
        if (--pages > 0) return;
        orphaned = setTimeout(() => api.stopRuns?.(), options.orphanRunsMs ?? 15_000);
        orphaned.unref();
      });
      serveRpc(api, socketPort(ws), events);
    });
  });

  await new Promise<void>((resolve, fail) => {
    server.once('error', fail);
    server.listen(port, HOST, () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://${HOST}:${port}/?token=${encodeURIComponent(token)}`,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        api.close?.(); // stops training runs
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
