// End-to-end tests drive Debian's Chromium against browser mode (our own server on 127.0.0.1,
// serving dist/renderer). Playwright's bundled browsers can't be downloaded here.
import { defineConfig } from '@playwright/test';

// NETWRIGHT_E2E_PORT lets two checkouts run their end-to-end tests side by side.
const PORT = Number(process.env.NETWRIGHT_E2E_PORT ?? 4173);

export default defineConfig({
  testDir: 'test/e2e',
  timeout: 45_000,
  expect: { timeout: 15_000 },
  workers: 1,
  reporter: [['list'], ['./test/skipReasonsReporter.ts']],
  outputDir: 'test-results/playwright',
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    headless: true,
    viewport: { width: 1440, height: 900 },
    acceptDownloads: true,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-quic',
        '--no-first-run',
        // Without the EXCLUDEs this rule would also block our own server.
        '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost',
      ],
    },
  },
  webServer: {
    // A fresh data dir per run keeps the autosave of an earlier run out of these tests.
    command: `node --import tsx server/main.ts --port ${PORT} --token test --data-dir test-results/app-data-${Date.now()}`,
    url: `http://127.0.0.1:${PORT}/`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
  },
});
