// The Electron decisions that can be checked without Electron: window security options, the IPC
// sender check, the menu's accelerators, and the one CSP shared with the page.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { answerIpc, isTrustedSender, hostChannels } from '../../electron/ipcPolicy.ts';
import { createHostService } from '../../host/hostService.ts';
import { MAX_DOCUMENT_BYTES, MAX_MESSAGE_DEPTH } from '../../engine/limits.ts';
import { buildMenuTemplate } from '../../electron/menuTemplate.ts';
import { mainWindowOptions, mayNavigate, windowOpenHandler } from '../../electron/windowOptions.ts';
import { appCommands } from '../../protocol/commands.ts';
import { CONTENT_SECURITY_POLICY } from '../../protocol/csp.ts';
import { hostMethodNames } from '../../protocol/hostApi.ts';

describe('The main window', () => {
  it('is isolated, sandboxed and has no Node integration', () => {
    const web = mainWindowOptions('/app/preload.cjs').webPreferences!;
    assert.equal(web.contextIsolation, true);
    assert.equal(web.sandbox, true);
    assert.equal(web.nodeIntegration, false);
    assert.equal(web.nodeIntegrationInWorker, false);
    assert.equal(web.nodeIntegrationInSubFrames, false);
    assert.equal(web.webSecurity, true);
    assert.equal(web.allowRunningInsecureContent, false);
    assert.equal(web.webviewTag, false);
    assert.equal(web.preload, '/app/preload.cjs');
  });

  it('shows the page’s menus, the native menu bar only on Alt (no two menu bars)', () => {
    assert.equal(mainWindowOptions('/app/preload.cjs').autoHideMenuBar, true);
  });

  it('never navigates and never opens windows', () => {
    assert.equal(mayNavigate('https://example.com/'), false);
    assert.equal(mayNavigate('file:///app/dist/renderer/index.html'), false);
    assert.deepEqual(windowOpenHandler(), { action: 'deny' });
  });
});

describe('IPC', () => {
  const page = 'file:///opt/netwright/dist/renderer/index.html';
  it('answers only our page in the main frame', () => {
    assert.equal(isTrustedSender({ url: page, isMainFrame: true }, page), true);
    assert.equal(isTrustedSender({ url: `${page}#x`, isMainFrame: true }, page), true);
    assert.equal(isTrustedSender({ url: page, isMainFrame: false }, page), false);
    assert.equal(isTrustedSender({ url: 'file:///tmp/evil.html', isMainFrame: true }, page), false);
    assert.equal(isTrustedSender({ url: 'https://example.com/', isMainFrame: true }, page), false);
    assert.equal(isTrustedSender({ url: undefined, isMainFrame: true }, page), false);
    assert.equal(isTrustedSender({ url: 'not a url', isMainFrame: true }, page), false);
  });

  it('has one channel per HostApi method, and the preload exposes exactly those', () => {
    assert.deepEqual(
      hostChannels.map((c) => c.channel),
      hostMethodNames.map((m) => `host:${m}`),
    );
    const preload = readFileSync('electron/preload.ts', 'utf8');
    for (const m of hostMethodNames) assert.match(preload, new RegExp(`\\b${m}: \\(`), m);
    assert.doesNotMatch(preload, /exposeInMainWorld\([^)]*ipcRenderer\b\s*\)/);
  });
});

describe('The IPC handler shares the server’s validation and limits', () => {
  const page = 'file:///opt/netwright/dist/renderer/index.html';
  const main = { url: page, isMainFrame: true };
  it('refuses foreign senders, deep arguments, oversized documents and bad types with outcomes', async () => {
    const api = createHostService({ dataDir: '/nonexistent-netwright-test' });
    try {
      const foreign = await answerIpc(
        api,
        'listTemplates',
        { url: 'https://x.example/', isMainFrame: true },
        page,
        [],
      );
      assert.equal(!foreign.ok && foreign.error.code, 'forbidden');
      let deep: unknown = 0;
      for (let i = 0; i < 5000; i++) deep = { deep };
      const nested = await answerIpc(api, 'parseProject', main, page, [deep]);
      assert.equal(!nested.ok && nested.error.code, 'too-large');
      assert.match(!nested.ok ? nested.error.message : '', new RegExp(`${MAX_MESSAGE_DEPTH} deep`));
      const big = await answerIpc(api, 'parseProject', main, page, ['x'.repeat(MAX_DOCUMENT_BYTES + 1)]);
      assert.equal(!big.ok && big.error.code, 'bad-request');
      const wrong = await answerIpc(api, 'loadTemplate', main, page, ['../../etc/passwd']);
      assert.equal(!wrong.ok && wrong.error.code, 'bad-request');
      const ok = await answerIpc(api, 'parseProject', main, page, ['{"version":1,"nodes":[]}']);
      assert.ok(ok.ok);
    } finally {
      api.close();
    }
  });
});

describe('The menu', () => {
  it('sends each command with the expected accelerators', () => {
    const sent: string[] = [];
    const template = buildMenuTemplate((c) => sent.push(c), 'linux');
    const items = template.flatMap((m) => (Array.isArray(m.submenu) ? m.submenu : []));
    const byLabel = new Map(items.map((i) => [i.label, i]));
    assert.equal(byLabel.get('Undo')?.accelerator, 'CmdOrCtrl+Z');
    assert.equal(byLabel.get('Redo')?.accelerator, 'CmdOrCtrl+Shift+Z');
    assert.equal(byLabel.get('Save')?.accelerator, 'CmdOrCtrl+S');
    for (const item of items) (item.click as (() => void) | undefined)?.();
    for (const c of sent) assert.ok((appCommands as readonly string[]).includes(c), c);
    assert.ok(sent.includes('autoLayout') && sent.includes('undo'));
  });
});

describe('The content security policy', () => {
  it('is the same text in protocol/csp.ts and renderer/index.html, and forbids inline scripts', () => {
    const html = readFileSync('renderer/index.html', 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    assert.equal(meta, CONTENT_SECURITY_POLICY);
    assert.match(CONTENT_SECURITY_POLICY, /script-src 'self'(;|$)/);
    assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-eval/);
  });
});
