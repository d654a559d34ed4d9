// The host's native memory stays flat only with few malloc arenas. It runs many short-lived
// threads: a training worker per run, onnxruntime's pool threads per session, the job and model
// threads. glibc gives each new thread an arena of its own (up to 8 per core) and hands little of
// a thread arena's freed memory back, so the host's RSS climbed run after run until every arena
// had reached its own high-water mark (a 10-minute browser soak: 651 MB -> 1,378 MB, while the
// JavaScript heap stayed at 19 MB). Two arenas shared by every thread reuse each other's freed
// memory instead: the 5-minute browser soak with 16 arenas (glibc's default on 2 cores) peaked at
// 1,236 MB, the 30-minute one with 2 stayed at 664 / 643 / 639 MB (start / middle / end).
// glibc reads the limit once, when the process starts, so a long-running host starts itself
// again with it (relaunchWithArenaLimit); Electron gets it from scripts/start.js.
import { spawn } from 'node:child_process';

export const MALLOC_ARENA_LIMIT = '2';

/** glibc's own setting names the user may have chosen already; theirs wins. */
export function hasArenaLimit(env: NodeJS.ProcessEnv): boolean {
  return env.MALLOC_ARENA_MAX !== undefined || /glibc\.malloc\.arena_max/.test(env.GLIBC_TUNABLES ?? '');
}

/** Only glibc (Linux) has per-thread arenas to limit. */
export function needsArenaLimit(env: NodeJS.ProcessEnv, platform: string = process.platform): boolean {
  return platform === 'linux' && !hasArenaLimit(env);
}

/** The environment for a host process: the arena limit added unless one is set. */
export function withArenaLimit(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return hasArenaLimit(env) ? env : { ...env, MALLOC_ARENA_MAX: MALLOC_ARENA_LIMIT };
}

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Starts this same command again as a child with the arena limit, when it lacks one, and stays
 * only to pass signals on and exit with the child's code; true when it did so (the caller then
 * does nothing else). The child ends itself when this process goes, however it goes (the IPC
 * channel closes), so a killed launcher leaves no server holding the port.
 */
export function relaunchWithArenaLimit(): boolean {
  if (process.env.NETWRIGHT_RELAUNCHED) {
    // The relaunched child (its own children are not): it ends when the launcher is gone.
    delete process.env.NETWRIGHT_RELAUNCHED;
    if (process.connected) process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
    return false;
  }
  if (!needsArenaLimit(process.env)) return false;
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...withArenaLimit(process.env), NETWRIGHT_RELAUNCHED: '1' },
  });
  for (const signal of FORWARDED) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  return true;
}
