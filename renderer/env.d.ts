/// <reference types="vite/client" />
import type { NetwrightBridge } from '../protocol/bridge.ts';

declare global {
  interface Window {
    /** Present only inside Electron (electron/preload.ts). */
    netwright?: NetwrightBridge;
  }
}
export {};
