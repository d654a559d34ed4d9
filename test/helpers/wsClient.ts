// Talking to a running browser-mode server as a page would (a HostApi over a real WebSocket), and
// as a hostile client would (hand-made frames on a raw TCP socket).
import { randomBytes } from 'node:crypto';

import { connect as tcpConnect, type Socket } from 'node:net';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { HostApi } from '../../protocol/hostApi.ts';
import type { Port, RpcClient } from '../../protocol/rpc.ts';
import { connectRpc } from '../../protocol/rpc.ts';
import { startServer, type RunningServer } from '../../server/index.ts';
import { tempDir } from './tempDir.ts';

export const TEMPLATES_DIR = join(import.meta.dirname, '..', '..', 'assets', 'templates');

/** A browser-mode server on a free port (token 't') with its data in a fresh temporary folder. */
export function startTestServer(options: { maxMessageBytes?: number } = {}): Promise<RunningServer> {
  const dir = tempDir('netwright-server-');
  return startServer({
    port: 0,
    token: 't',
    root: dir,
    dataDir: join(dir, 'data'),
    templatesDir: TEMPLATES_DIR,
    ...options,
  });
}

export interface Target {
  port: number;
  token: string;
}

const origin = (t: Target) => `http://127.0.0.1:${t.port}`;

/** An open WebSocket to /rpc with the right token and Origin. */
export function openSocket(t: Target): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${t.port}/rpc?token=${encodeURIComponent(t.token)}`, {
      headers: { origin: origin(t) },
      maxPayload: 512 * 2 ** 20,
    });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** A HostApi over a real WebSocket, through the protocol's own client. */
export async function wsHost(
  t: Target,
  timeoutMs = 30_000,
): Promise<RpcClient & { ws: WebSocket; api: HostApi }> {
  const ws = await openSocket(t);
  ws.on('error', () => undefined);
  const port: Port = {
    send: (m) => ws.send(JSON.stringify(m)),
    onMessage: (listener) => {
      const h = (data: Buffer) => listener(JSON.parse(data.toString('utf8')));
      ws.on('message', h);
      return () => ws.off('message', h);
    },
    onClose: (listener) => ws.on('close', listener),
  };
  const client = connectRpc(port, { timeoutMs });
  return { ...client, ws };
}

/** Sends one text message and resolves with the first reply (parsed). */
export function roundTrip(ws: WebSocket, text: string | Buffer): Promise<unknown> {
  return new Promise((resolve, reject) => {
    ws.once('message', (data: Buffer) => resolve(JSON.parse(data.toString('utf8'))));
    ws.once('close', (code) => reject(new Error(`closed with ${code}`)));
    ws.send(text);
  });
}

/** A WebSocket frame made by hand: FIN set, the given opcode, masked unless told otherwise. */
export function frame(opcode: number, payload: Buffer, masked = true): Buffer {
  const len = payload.length;
  const head: number[] = [0x80 | opcode];
  const maskBit = masked ? 0x80 : 0;
  if (len < 126) head.push(maskBit | len);
  else if (len < 65536) head.push(maskBit | 126, len >> 8, len & 255);
  else {
    head.push(maskBit | 127, 0, 0, 0, 0);
    head.push((len >>> 24) & 255, (len >>> 16) & 255, (len >>> 8) & 255, len & 255);
  }
  if (!masked) return Buffer.concat([Buffer.from(head), payload]);
  const mask = randomBytes(4);
  const body = Buffer.from(payload.map((b, i) => b ^ mask[i & 3]));
  return Buffer.concat([Buffer.from(head), mask, body]);
}

/** A TCP socket that has completed the WebSocket handshake, for sending raw frames. */
export function rawSocket(t: Target): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(t.port, '127.0.0.1');
    socket.on('error', reject);
    socket.once('connect', () =>
      socket.write(
        [
          `GET /rpc?token=${encodeURIComponent(t.token)} HTTP/1.1`,
          `Host: 127.0.0.1:${t.port}`,
          `Origin: ${origin(t)}`,
          'Upgrade: websocket',
          'Connection: Upgrade',
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
          'Sec-WebSocket-Version: 13',
          '',
          '',
        ].join('\r\n'),
      ),
    );
    let head = '';
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      if (head.startsWith('HTTP/1.1 101')) resolve(socket);
      else reject(new Error(head.split('\r\n')[0]));
    };
    socket.on('data', onData);
  });
}

/** Resolves when the socket is closed by the other side. */
export function closed(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve();
    socket.on('close', () => resolve());
    socket.resume();
  });
}
