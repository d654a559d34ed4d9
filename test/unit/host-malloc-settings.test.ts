// The browser-mode host runs with glibc's malloc settings (host/mallocSettings.ts): without the
// arena limit its RSS climbed run after run over a training soak, and huge pages halve the page
// faults of fresh tensors. server/main.ts starts itself again with them; the child serves, and goes
// when its launcher is killed.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  hasArenaLimit,
  hasHugePageSetting,
  needsMallocSettings,
  withMallocSettings,
} from '../../host/mallocSettings.ts';
import { repoRoot } from '../../host/paths.ts';
import { tempDir } from '../helpers/tempDir.ts';

test('each malloc setting is added on Linux unless the user chose it', () => {
  assert.equal(needsMallocSettings({}, 'linux'), true);
  assert.equal(needsMallocSettings({}, 'darwin'), false);
  assert.equal(needsMallocSettings({ MALLOC_ARENA_MAX: '8' }, 'linux'), true, 'huge pages still missing');
  assert.equal(
    needsMallocSettings({ MALLOC_ARENA_MAX: '8', GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0' }, 'linux'),
    false,
  );
  assert.equal(hasArenaLimit({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=4' }), true);
  assert.equal(hasHugePageSetting({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=4' }), false);
  const fresh = withMallocSettings({ PATH: '/bin' });
  assert.equal(fresh.MALLOC_ARENA_MAX, '2');
  assert.equal(fresh.GLIBC_TUNABLES, 'glibc.malloc.hugetlb=1');
  const chosen = withMallocSettings({ MALLOC_ARENA_MAX: '8', GLIBC_TUNABLES: 'glibc.malloc.tcache_count=0' });
  assert.equal(chosen.MALLOC_ARENA_MAX, '8');
  assert.equal(chosen.GLIBC_TUNABLES, 'glibc.malloc.tcache_count=0:glibc.malloc.hugetlb=1');
});

/** Minor page faults of a child that fills a fresh 256 MB Float32Array once. */
function faultsOfFreshFill(env: NodeJS.ProcessEnv): number {
  const script = `new Float32Array(64 * 2 ** 20).fill(1);
    const s = require('fs').readFileSync('/proc/self/stat', 'utf8');
    console.log(s.slice(s.lastIndexOf(')') + 2).split(' ')[7]);`;
  const r = spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return Number(r.stdout.trim());
}

test('with the settings a fresh 256 MB tensor costs far fewer page faults (none more where huge pages are off)', (t) => {
  if (process.platform !== 'linux') return t.skip('glibc settings: Linux only');
  const thp = readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8');
  const env = { ...process.env };
  delete env.MALLOC_ARENA_MAX;
  delete env.GLIBC_TUNABLES;
  const without = faultsOfFreshFill(env);
  const withSettings = faultsOfFreshFill(withMallocSettings(env));
  t.diagnostic(
    `transparent huge pages: ${thp.trim()}; minor page faults: ${without} without the settings, ${withSettings} with them`,
  );
  // 256 MB is 65,536 pages of 4 KB, or 128 of 2 MB.
  assert.ok(without > 60_000, `${without} faults without the settings`);
  // Where the kernel gives no huge pages the tunable can't help, but it must not cost anything.
  if (/\[never\]/.test(thp)) assert.ok(withSettings <= without * 1.1, `${withSettings} faults with them`);
  else assert.ok(withSettings < without / 2, `${withSettings} faults with them`);
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('server/main.ts serves from a child with the malloc settings, which ends with its launcher', async (t) => {
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
  assert.ok(environ.includes('GLIBC_TUNABLES=glibc.malloc.hugetlb=1'), 'and asks for huge pages');
  assert.equal((await fetch(url)).status, 200);
  // A launcher killed outright leaves no server behind holding the port.
  launcher.kill('SIGKILL');
  const deadline = Date.now() + 10_000;
  while (alive(server) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.equal(alive(server), false, 'the child ended with its launcher');
});
