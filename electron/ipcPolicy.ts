// How the main process decides whether an IPC call is answered: the channel must be a HostApi
// method and the sender must be our own page in the main frame (security checklist #17). The
// arguments are then parsed by protocol/rpc.ts's dispatch, like every other transport.
import { hostMethodNames } from '../protocol/hostApi.ts';
import type { HostApi, HostMethod } from '../protocol/hostApi.ts';
import type { Outcome } from '../protocol/rpc.ts';
import { dispatch } from '../protocol/rpc.ts';

export const CHANNEL_PREFIX = 'host:';
export const MENU_CHANNEL = 'menu:command';
/** Host events (training progress) pushed to the page. */
export const EVENT_CHANNEL = 'host:event';

export const hostChannels = hostMethodNames.map((m) => ({
  method: m as HostMethod,
  channel: CHANNEL_PREFIX + m,
}));

export interface SenderInfo {
  /** senderFrame.url; undefined when the frame is gone. */
  url: string | undefined;
  isMainFrame: boolean;
}

/** True only for our renderer's index.html (query and hash ignored), loaded in the main frame. */
export function isTrustedSender(sender: SenderInfo, rendererUrl: string): boolean {
  if (!sender.url || !sender.isMainFrame) return false;
  try {
    const got = new URL(sender.url);
    const want = new URL(rendererUrl);
    return got.protocol === want.protocol && got.host === want.host && got.pathname === want.pathname;
  } catch {
    return false;
  }
}

export const forbidden: Outcome = {
  ok: false,
  error: { code: 'forbidden', message: 'This page may not call the Netwright host.' },
};

/**
 * The whole IPC handler, minus Electron: the sender check, then the same dispatch as the
 * WebSocket server (argument nesting limit, schema validation, errors as outcomes). Never rejects.
 */
export function answerIpc(
  api: HostApi,
  method: HostMethod,
  sender: SenderInfo,
  rendererUrl: string,
  args: unknown[],
): Promise<Outcome> {
  if (!isTrustedSender(sender, rendererUrl)) return Promise.resolve(forbidden);
  return dispatch(api, method, args);
}
