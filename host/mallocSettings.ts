// glibc's malloc settings for the processes that train and serve, read once when a process starts,
// so a long-running host (and the CLI's heavy commands) start themselves again with them
// (relaunchWithMallocSettings); Electron gets them from scripts/start.js.
//
// Few arenas. The host runs many short-lived threads: a training worker per run, onnxruntime's
// pool threads per session, the job and model threads. glibc gives each new thread an arena of its
// own (up to 8 per core) and hands little of a thread arena's freed memory back, so the host's RSS
// climbed run after run until every arena had reached its own high-water mark (a 10-minute browser
// soak: 651 MB -> 1,378 MB, while the JavaScript heap stayed at 19 MB). Two arenas shared by every
// thread reuse each other's freed memory instead: the 5-minute browser soak with 16 arenas
// (glibc's default on 2 cores) peaked at 1,236 MB, the 30-minute one with 2 stayed at
// 664 / 643 / 639 MB (start / middle / end).
//
// Huge pages (glibc.malloc.hugetlb=1, glibc >= 2.35; older ones ignore it). A train step's
// outputs, onnxruntime's buffers and every large tensor are fresh memory, and on a virtual machine
// each first touch of a 4 KB page is a costly fault: filling a fresh 411 MB Float32Array took
// 2.6 s, against 55 ms for the same fill again. With the tunable glibc asks the kernel for 2 MB
// pages on its large blocks (transparent huge pages in "madvise" mode, Debian's default), and the
// MLP benchmark made half the page faults (200 k -> 100 k); on a quiet machine, three alternated
// bench pairs each, the MLP trained 5% faster and LeNet-5 12% (median), for 1-33 MB more RSS.
import { spawn } from 'node:child_process';

export const MALLOC_ARENA_LIMIT = '2';
const HUGE_PAGES = 'glibc.malloc.hugetlb=1';

/** glibc's own setting names the user may have chosen already; theirs wins. */
export function hasArenaLimit(env: NodeJS.ProcessEnv): boolean {
  return env.MALLOC_ARENA_MAX !== undefined || /glibc\.malloc\.arena_max/.test(env.GLIBC_TUNABLES ?? '');
}

export function hasHugePageSetting(env: NodeJS.ProcessEnv): boolean {
  return /glibc\.malloc\.hugetlb/.test(env.GLIBC_TUNABLES ?? '');
}

/** Only glibc (Linux) reads these settings. */
export function needsMallocSettings(env: NodeJS.ProcessEnv, platform: string = process.platform): boolean {
  return platform === 'linux' && !(hasArenaLimit(env) && hasHugePageSetting(env));
}

/** The environment for a host process: each setting added unless the user chose it. */
export function withMallocSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  if (!hasArenaLimit(env)) out.MALLOC_ARENA_MAX = MALLOC_ARENA_LIMIT;
  if (!hasHugePageSetting(env))
    out.GLIBC_TUNABLES = env.GLIBC_TUNABLES ? `${env.GLIBC_TUNABLES}:${HUGE_PAGES}` : HUGE_PAGES;
  return out;
}

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Starts this same command again as a child with the malloc settings, when it lacks them, and
 * stays only to pass signals on and exit with the child's code; true when it did so (the caller
 * then does nothing else). The child ends itself when this process goes, however it goes (the IPC
 * channel closes), so a killed launcher leaves no server holding the port.
 */
export function relaunchWithMallocSettings(): boolean {
  if (process.env.NETWRIGHT_RELAUNCHED) {
    // The relaunched child (its own children are not): it ends when the launcher is gone.
    delete process.env.NETWRIGHT_RELAUNCHED;
    if (process.connected) {
      process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
      // The channel must not keep a command that has finished its work (bench) alive.
      process.channel?.unref();
    }
    return false;
  }
  if (!needsMallocSettings(process.env)) return false;
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...withMallocSettings(process.env), NETWRIGHT_RELAUNCHED: '1' },
  });
  for (const signal of FORWARDED) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  return true;
}
