// The only module that talks to the host. The transport is chosen once: the Electron preload's
// bridge when it exists, otherwise the browser-mode WebSocket on the page's own origin, with the
// token from the page URL. Both give the same HostApi.
import type { NetwrightBridge } from '../../protocol/bridge.ts';
import { MAX_MESSAGE_BYTES } from '../../engine/limits.ts';
import { encodeFrame, joinFrame, splitFrame } from '../../protocol/binaryFrames.ts';
import type { HostApi, HostEvent } from '../../protocol/hostApi.ts';
import { HostError, hostMethodNames, parseHostEvent } from '../../protocol/hostApi.ts';
import type { Port } from '../../protocol/rpc.ts';
import { connectRpc, unwrapOutcome } from '../../protocol/rpc.ts';
import type { HostStatus } from '../state/store.ts';

type EventListener = (event: HostEvent) => void;

export function electronHost(bridge: NetwrightBridge, onEvent: EventListener = () => undefined): HostApi {
  bridge.onHostEvent((raw) => {
    const event = parseHostEvent(raw);
    if (event) onEvent(event);
  });
  return Object.fromEntries(
    hostMethodNames.map((m) => [
      m,
      async (...args: unknown[]) => {
        const call = bridge.host[m] as (...a: unknown[]) => Promise<unknown>;
        return unwrapOutcome(m, await call(...args));
      },
    ]),
  ) as unknown as HostApi;
}

/** UTF-8 bytes of `text`, or 0 when it certainly fits in `limit` (counting 100 MB takes a while). */
function utf8BytesOver(text: string, limit: number): number {
  if (text.length * 3 <= limit) return 0;
  if (text.length > limit) return text.length; // at least that many bytes: enough to refuse
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    bytes += c < 0x80 ? 0 : c < 0x800 ? 1 : 2;
    if (c >= 0xd800 && c < 0xdc00) i++; // a surrogate pair: 1 + 1 + 2 = 4 bytes for its 2 code units
  }
  return bytes > limit ? bytes : 0;
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

/** What to do instead of sending a message the server would refuse by closing the connection. */
function tooLargeAdvice(method: string): string {
  if (method === 'addDataset')
    return 'Use a smaller file, or train on it with the command line (`npx netwright train`).';
  return 'Its stored weights make the project this large: use the command line (`npx netwright export`, `train`) for it, or keep fewer weights in the project.';
}

/**
 * A WebSocket as an rpc Port; messages sent before the socket opens wait in a queue. A message over
 * the server's limit is refused here, failing only its own call with what to do: the server would
 * close the whole connection (its maxPayload), and every other call with it.
 */
export function webSocketPort(ws: WebSocket, maxBytes: number = MAX_MESSAGE_BYTES): Port {
  const queue: (string | Uint8Array<ArrayBuffer>)[] = [];
  ws.binaryType = 'arraybuffer';
  ws.addEventListener('open', () => queue.splice(0).forEach((m) => ws.send(m)));
  return {
    send: (message) => {
      // A file chunk goes as a binary frame (protocol/binaryFrames.ts), everything else as JSON text.
      const frame = encodeFrame(message);
      const bytes =
        typeof frame === 'string'
          ? utf8BytesOver(frame, maxBytes)
          : frame.length > maxBytes
            ? frame.length
            : 0;
      if (bytes) {
        const method = String((message as { method?: unknown }).method ?? 'message');
        throw new HostError(
          'too-large',
          `This ${method} request is ${mb(bytes)}, more than the ${mb(maxBytes)} one message to the Netwright host may carry (MAX_MESSAGE_BYTES), so it was not sent. ${tooLargeAdvice(method)}`,
        );
      }
      if (ws.readyState === ws.OPEN) ws.send(frame);
      else queue.push(frame);
    },
    onMessage: (listener) => {
      const handler = (e: MessageEvent) => {
        try {
          if (typeof e.data === 'string') return listener(JSON.parse(e.data));
          const split = splitFrame(new Uint8Array(e.data as ArrayBuffer));
          if (split) listener(joinFrame(JSON.parse(split.header), split.bytes));
        } catch {
          // not JSON: not a reply we could match to a call
        }
      };
      ws.addEventListener('message', handler);
      return () => ws.removeEventListener('message', handler);
    },
    onClose: (listener) => ws.addEventListener('close', listener),
  };
}

export function webSocketHost(
  url: string,
  onStatus: (s: HostStatus) => void,
  onEvent: EventListener = () => undefined,
): HostApi {
  const ws = new WebSocket(url);
  ws.addEventListener('open', () => onStatus({ state: 'connected' }));
  ws.addEventListener('close', () =>
    onStatus({ state: 'offline', detail: 'The Netwright server closed the connection (was it stopped?).' }),
  );
  return connectRpc(webSocketPort(ws), { onEvent }).api;
}

/** The browser-mode server's access token, from the page URL; null in Electron or without one. */
export function browserModeToken(win: Window): string | null {
  if (win.netwright || !win.location.protocol.startsWith('http')) return null;
  return new URLSearchParams(win.location.search).get('token') || null;
}

/** `onEvent` receives the host's pushed events (training progress), already validated. */
export function connectHost(
  win: Window,
  onStatus: (s: HostStatus) => void,
  onEvent?: EventListener,
): HostApi | null {
  if (win.netwright) {
    onStatus({ state: 'connected' });
    return electronHost(win.netwright, onEvent);
  }
  const token = browserModeToken(win);
  if (!token) {
    onStatus({
      state: 'offline',
      detail:
        'No host: open the address that `npm start` prints (it carries the access token). Editing still works.',
    });
    return null;
  }
  onStatus({ state: 'connecting' });
  return webSocketHost(`ws://${win.location.host}/rpc?token=${encodeURIComponent(token)}`, onStatus, onEvent);
}
