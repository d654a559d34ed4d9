// The only module that talks to the host. The transport is chosen once: the Electron preload's
// bridge when it exists, otherwise the browser-mode WebSocket on the page's own origin, with the
// token from the page URL. Both give the same HostApi.
import type { NetwrightBridge } from '../../protocol/bridge.ts';
import type { HostApi, HostEvent } from '../../protocol/hostApi.ts';
import { hostMethodNames, parseHostEvent } from '../../protocol/hostApi.ts';
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

/** A WebSocket as an rpc Port; messages sent before the socket opens wait in a queue. */
function webSocketPort(ws: WebSocket): Port {
  const queue: string[] = [];
  ws.addEventListener('open', () => queue.splice(0).forEach((m) => ws.send(m)));
  return {
    send: (message) => {
      const text = JSON.stringify(message);
      if (ws.readyState === WebSocket.OPEN) ws.send(text);
      else queue.push(text);
    },
    onMessage: (listener) => {
      const handler = (e: MessageEvent) => {
        try {
          listener(JSON.parse(String(e.data)));
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
  const { protocol, host, search } = win.location;
  const token = new URLSearchParams(search).get('token');
  if (!protocol.startsWith('http') || !token) {
    onStatus({
      state: 'offline',
      detail:
        'No host: open the address that `npm start` prints (it carries the access token). Editing still works.',
    });
    return null;
  }
  onStatus({ state: 'connecting' });
  return webSocketHost(`ws://${host}/rpc?token=${encodeURIComponent(token)}`, onStatus, onEvent);
}
