// `tsx server/main.ts [--port N] [--token T] [--root DIR] [--data-dir DIR] [--templates DIR]`:
// starts browser mode and prints the URL to open. Used by scripts/start.js and Playwright.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { relaunchWithMallocSettings } from '../host/mallocSettings.ts';
import { repoRoot } from '../host/paths.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    token: { type: 'string' },
    root: { type: 'string' },
    'data-dir': { type: 'string' },
    templates: { type: 'string' },
  },
});

async function serve(): Promise<void> {
  const root = values.root ?? join(repoRoot, 'dist', 'renderer');
  if (!existsSync(join(root, 'index.html'))) {
    console.error(`No built renderer in ${root}; run \`npm run build:renderer\` first.`);
    process.exit(1);
  }

  // Loaded here, not above: the launcher that relaunches itself never loads the host.
  const { startServer } = await import('./index.ts');
  const server = await startServer({
    port: Number(values.port),
    token: values.token,
    root,
    dataDir: values['data-dir'],
    templatesDir: values.templates,
    warmJobs: true,
  });
  console.log(`Netwright is running in browser mode at ${server.url}`);
  console.log(
    'Open that address in a browser (the token in it keeps other pages out). Ctrl+C stops the server.',
  );

  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.on(signal, () => void server.close().then(() => process.exit(0)));
}

// A child with glibc's malloc settings serves instead (host/mallocSettings.ts); this process waits.
if (!relaunchWithMallocSettings()) await serve();
