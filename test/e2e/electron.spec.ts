// The desktop shell through Playwright's Electron driver. It runs wherever an Electron binary
// exists; here (no binary can be downloaded) it skips and says why.
import { test, expect, _electron as electron } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

/** The Electron executable the npm package would use, without triggering its download. */
function electronBinary(): string | null {
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const candidates = [
    override && join(override, process.platform === 'win32' ? 'electron.exe' : 'electron'),
    join(
      root,
      'node_modules',
      'electron',
      'dist',
      process.platform === 'win32' ? 'electron.exe' : 'electron',
    ),
    join(root, 'node_modules', 'electron', 'dist', 'Electron.app', 'Contents', 'MacOS', 'Electron'),
  ].filter((p): p is string => !!p);
  return candidates.find((p) => existsSync(p)) ?? null;
}

const binary = electronBinary();
const reason =
  'no Electron binary on this machine (the electron package downloads it on first launch, and this network cannot reach the download host); set ELECTRON_OVERRIDE_DIST_PATH to run these tests';

test.describe('desktop shell', () => {
  test.beforeAll(() => {
    if (binary)
      execFileSync(process.execPath, ['--import', 'tsx', 'electron/build.ts'], {
        cwd: root,
        stdio: 'inherit',
      });
  });

  test('opens a hardened window titled Netwright with the canvas', async () => {
    test.skip(!binary, reason);
    const app = await electron.launch({ executablePath: binary!, args: [root] });
    const page = await app.firstWindow();
    await expect(page).toHaveTitle(/Netwright/);
    await expect(page.getByRole('button', { name: 'Conv2d' })).toBeVisible();
    // Context isolation and the sandbox leave the page without Node: no require, no process;
    // the preload's HostApi is all it gets.
    const globals = await page.evaluate(() => {
      const w = window as unknown as Record<string, unknown>;
      return { require: typeof w.require, process: typeof w.process, host: typeof w.netwright };
    });
    expect(globals).toEqual({ require: 'undefined', process: 'undefined', host: 'object' });
    await app.close();
  });
});
