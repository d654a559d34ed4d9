// `netwright serve`: browser mode. Builds the renderer once if it isn't built, then serves it and
// the HostApi on 127.0.0.1 with a per-launch token (the URL printed carries it).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { relaunchWithMallocSettings } from '../host/mallocSettings.ts';
import { repoRoot } from '../host/paths.ts';
import { startServer } from '../server/index.ts';
import { CliError } from './errors.ts';

export async function serveCommand(o: { port: string; json?: boolean }): Promise<void> {
  const port = Number(o.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new CliError(`--port ${o.port}: expected 0..65535.`);
  // A child with glibc's malloc settings serves instead (host/mallocSettings.ts); this process waits.
  if (relaunchWithMallocSettings()) return;
  const root = join(repoRoot, 'dist', 'renderer');
  if (!existsSync(join(root, 'index.html'))) {
    console.error('Building the app for browser mode (once)...');
    const built = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], {
      cwd: repoRoot,
      stdio: 'inherit',
    });
    if (built.status !== 0) throw new CliError('the renderer build failed; see the messages above.');
  }
  const server = await startServer({ port, root, warmJobs: true });
  console.log(
    o.json
      ? JSON.stringify({ event: 'listening', url: server.url })
      : `Netwright is running in browser mode at ${server.url}`,
  );
  if (!o.json)
    console.log('Open that address in a browser (its token keeps other pages out). Ctrl+C stops the server.');
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.on(signal, () => void server.close().then(() => process.exit(0)));
}
