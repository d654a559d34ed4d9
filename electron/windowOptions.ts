// The security-relevant settings of the main window, kept free of any runtime `electron` import so
// unit tests can check them (importing electron in plain Node tries to download its binary).
import type { BrowserWindowConstructorOptions } from 'electron';

export function mainWindowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    title: 'Netwright',
    show: false, // shown on 'ready-to-show', so there is no white flash
    backgroundColor: '#1b1d22',
    // The page's own File/Edit/View menus are the visible ones (as in browser mode); the native
    // menu bar (Windows, Linux) stays one Alt press away with the same items and accelerators.
    autoHideMenuBar: true,
    webPreferences: {
      preload: preloadPath,
      // Electron security checklist items 2-4: the page gets no Node and lives in its own world.
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      // Dropping a file on the window must not navigate away from the app.
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  };
}

/** Navigation is locked: the app is one page; nothing may replace it. */
export function mayNavigate(_url: string): boolean {
  return false;
}

/** New windows are never opened by the page (links to docs would go through openExternal). */
export const windowOpenHandler = () => ({ action: 'deny' as const });
