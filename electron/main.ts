// The Electron main process: one hardened window, the menu, and the HostApi served over IPC.
// Every decision lives in a module without an `electron` import (windowOptions, ipcPolicy,
// menuTemplate) so it is unit-tested; this file only wires them to Electron.
import { app, BrowserWindow, dialog, ipcMain, Menu, shell } from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createHostService } from '../host/hostService.ts';
import { answerIpc, EVENT_CHANNEL, hostChannels, MENU_CHANNEL } from './ipcPolicy.ts';
import { buildMenuTemplate } from './menuTemplate.ts';
import { mainWindowOptions, mayNavigate, windowOpenHandler } from './windowOptions.ts';

// NOTE: paths come from app.getAppPath() (the folder holding package.json), not import.meta.url:
// this file runs bundled as dist/electron/main.cjs, next to preload.cjs.
const appRoot = app.getAppPath();
const rendererIndex = join(appRoot, 'dist', 'renderer', 'index.html');
const rendererUrl = pathToFileURL(rendererIndex).href;

function serveHostApi(window: BrowserWindow): void {
  const api = createHostService({
    dataDir: app.getPath('userData'),
    templatesDir: join(appRoot, 'assets', 'templates'),
    // File → Export → PyTorch project… writes into the folder the user picks here.
    pickFolder: async (name) => {
      const r = await dialog.showOpenDialog(window, {
        title: 'Export the PyTorch project into a folder',
        defaultPath: join(app.getPath('documents'), name),
        buttonLabel: 'Export here',
        properties: ['openDirectory', 'createDirectory', 'promptToCreate'],
      });
      return r.canceled || !r.filePaths[0] ? null : r.filePaths[0];
    },
    warmJobs: true,
  });
  api.subscribe((event) => {
    if (!window.isDestroyed()) window.webContents.send(EVENT_CHANNEL, event);
  });
  app.on('before-quit', () => api.close());
  for (const { method, channel } of hostChannels) {
    ipcMain.handle(channel, (event, ...args: unknown[]) => {
      const frame = event.senderFrame;
      const sender = {
        url: frame?.url,
        isMainFrame: frame !== null && frame === window.webContents.mainFrame,
      };
      return answerIpc(api, method, sender, rendererUrl, args);
    });
  }
}

function createWindow(): BrowserWindow {
  const window = new BrowserWindow(mainWindowOptions(join(__dirname, 'preload.cjs')));
  const contents = window.webContents;
  contents.on('will-navigate', (event, url) => {
    if (!mayNavigate(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.setWindowOpenHandler(windowOpenHandler);
  contents.on('will-attach-webview', (event) => event.preventDefault());
  // No permission (camera, notifications, ...) is ever needed.
  contents.session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  window.once('ready-to-show', () => window.show());
  void window.loadFile(rendererIndex);
  return window;
}

app.enableSandbox();
void app.whenReady().then(() => {
  const window = createWindow();
  serveHostApi(window);
  const template = buildMenuTemplate(
    (command) => window.webContents.send(MENU_CHANNEL, command),
    process.platform,
  );
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
  void shell; // openExternal is reserved for allow-listed https links (none yet)
});
app.on('window-all-closed', () => app.quit());
