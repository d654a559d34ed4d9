// `npm start`: the desktop app when Electron can run, otherwise browser mode. On machines where
// the Electron binary can't be downloaded, `require('electron')` throws (it fetches the binary
// on first use), so we say that plainly and serve the same app on 127.0.0.1 instead.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/**
 * Asks the electron package for its binary in a child process, so the download attempt it makes
 * on first use (and the stack trace when that fails) stays out of the user's terminal.
 */
function electronBinary() {
  const probe = spawnSync(process.execPath, ['-e', "console.log('ELECTRON_PATH=' + require('electron'))"], {
    cwd: root,
    encoding: 'utf8',
    timeout: 10 * 60_000,
  });
  const path = /ELECTRON_PATH=(.+)/.exec(probe.stdout ?? '')?.[1]?.trim();
  if (probe.status === 0 && path && existsSync(path)) return { path };
  const output = `${probe.stdout ?? ''}\n${probe.stderr ?? ''}`;
  if (/fetch failed|ENOTFOUND|EAI_AGAIN|ECONNREFUSED/.test(output))
    return {
      problem:
        'its binary is not installed and could not be downloaded (no access to the Electron download host)',
    };
  const first = output.split('\n').find((l) => /Error/.test(l));
  return { problem: first?.trim() ?? `the electron package did not provide a binary (exit ${probe.status})` };
}

if (!existsSync(join(root, 'dist', 'renderer', 'index.html'))) {
  console.log('Building the renderer (first run)…');
  run(npx, ['vite', 'build', '--logLevel', 'warn']);
}

const electron = process.env.NETWRIGHT_BROWSER ? { problem: 'NETWRIGHT_BROWSER is set' } : electronBinary();
if (electron.path) {
  run(npx, ['tsx', 'electron/build.ts']);
  // glibc's malloc settings for the host, read once at process start (host/mallocSettings.ts
  // says why: two arenas, huge pages); the user's own settings win.
  const env = { MALLOC_ARENA_MAX: '2', GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1', ...process.env };
  const child = spawn(electron.path, ['.'], { cwd: root, stdio: 'inherit', env });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  console.log(`Electron can't start here: ${electron.problem}.`);
  console.log('Starting browser mode instead (the same app, served on 127.0.0.1).');
  const extra = process.argv.slice(2);
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', ...extra], {
    cwd: root,
    stdio: 'inherit',
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code) => process.exit(code ?? 0));
}
