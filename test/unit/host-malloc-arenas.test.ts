// The browser-mode host runs with glibc's malloc arena limit (host/mallocArenas.ts): without it
// its RSS climbed run after run over a training soak. server/main.ts starts itself again with the
// limit; the child serves, and goes when its launcher is killed.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { hasArenaLimit, needsArenaLimit, withArenaLimit } from '../../host/mallocArenas.ts';
import { repoRoot } from '../../host/paths.ts';
import { tempDir } from '../helpers/tempDir.ts';

test('the arena limit is added on Linux unless the user chose one', () => {
  assert.equal(needsArenaLimit({}, 'linux'), true);
  assert.equal(needsArenaLimit({}, 'darwin'), false);
  assert.equal(needsArenaLimit({ MALLOC_ARENA_MAX: '8' }, 'linux'), false);
  assert.equal(hasArenaLimit({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=4' }), true);
  assert.equal(withArenaLimit({ PATH: '/bin' }).MALLOC_ARENA_MAX, '2');
  assert.equal(withArenaLimit({ MALLOC_ARENA_MAX: '8' }).MALLOC_ARENA_MAX, '8');
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('server/main.ts serves from a child with the arena limit, which ends with its launcher', async (t) => {
  if (process.platform !== 'linux') return t.skip('glibc arenas: Linux only');
  const root = tempDir('nw-arenas-');
  writeFileSync(join(root, 'index.html'), '<!doctype html>');
  const env = { ...process.env };
  delete env.MALLOC_ARENA_MAX;
  delete env.GLIBC_TUNABLES;
  const launcher = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'server/main.ts',
      '--port',
      '0',
      '--root',
      root,
      '--data-dir',
      tempDir('nw-arenas-data-'),
    ],
    { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  t.after(() => launcher.kill('SIGKILL'));
  const url = await new Promise<string>((resolve, reject) => {
    launcher.stdout.on('data', (d: Buffer) => {
      const m = /at (http:\S+)/.exec(d.toString());
      if (m) resolve(m[1]);
    });
    launcher.once('exit', (code) => reject(new Error(`the server exited (${code})`)));
  });
  const children = readFileSync(`/proc/${launcher.pid}/task/${launcher.pid}/children`, 'utf8')
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map(Number);
  assert.equal(children.length, 1, 'one child serves');
  const [server] = children;
  const environ = readFileSync(`/proc/${server}/environ`, 'utf8').split('\0');
  assert.ok(environ.includes('MALLOC_ARENA_MAX=2'), 'the serving child has the arena limit');
  assert.equal((await fetch(url)).status, 200);
  // A launcher killed outright leaves no server behind holding the port.
  launcher.kill('SIGKILL');
  const deadline = Date.now() + 10_000;
  while (alive(server) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.equal(alive(server), false, 'the child ended with its launcher');
});
