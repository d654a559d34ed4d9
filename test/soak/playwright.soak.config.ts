// The 30-minute training soak (not part of `npm test`): `npm run soak` (SOAK_MINUTES to change
// the length). It starts its own browser-mode server so it can read that process's RSS.
import { defineConfig } from '@playwright/test';
import base from '../../playwright.config.ts';

const minutes = Number(process.env.SOAK_MINUTES ?? 30);

export default defineConfig({
  ...base,
  testDir: '.',
  testMatch: /.*\.soak\.ts$/,
  timeout: (minutes + 10) * 60_000,
  outputDir: '../../test-results/soak',
  webServer: undefined,
  use: { ...base.use, baseURL: undefined },
});
