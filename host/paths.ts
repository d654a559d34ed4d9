// Where the host finds its files when the caller does not say: the templates shipped in the repo
// and a per-user data directory (Electron passes app.getPath('userData') instead).
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const defaultTemplatesDir = join(repoRoot, 'assets', 'templates');

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.NETWRIGHT_DATA_DIR) return resolve(env.NETWRIGHT_DATA_DIR);
  const base = env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(base, 'netwright');
}
