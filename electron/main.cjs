// package.json "main": the Electron entry. The TypeScript sources are bundled by
// electron/build.ts (run by scripts/start.js) into dist/electron/main.cjs.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- Electron loads CommonJS entries
require('../dist/electron/main.cjs');
