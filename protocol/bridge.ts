// The shape of what electron/preload.ts exposes on window.netwright: one function per HostApi
// member returning the raw outcome (validated by the renderer with unwrapOutcome), and menu events.
import type { HostApi } from './hostApi.ts';
import type { Outcome } from './rpc.ts';

export type HostBridge = {
  [K in keyof HostApi]: (...args: Parameters<HostApi[K]>) => Promise<Outcome>;
};

export interface NetwrightBridge {
  host: HostBridge;
  /** Returns an unsubscribe function. */
  onMenuCommand(listener: (command: string) => void): () => void;
  /** Host-pushed events (training progress), unvalidated: the renderer checks them with parseHostEvent. */
  onHostEvent(listener: (event: unknown) => void): () => void;
}
