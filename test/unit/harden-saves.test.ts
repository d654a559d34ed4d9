// Issue 13 item 5: a process killed (SIGKILL) at a random moment while it saves leaves the file
// as the old or the new version, and the temporary files it leaves are removed by the next save
// or at start. NETWRIGHT_SAVE_KILLS sets how many kills (the long run reported used 200).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { removeStaleTemps, saveFileAtomic } from '../../host/saveFileAtomic.ts';
import { prng } from '../helpers/onnxCases.ts';
import { repoRoot } from '../helpers/templates.ts';
import { versionText, whichVersion } from '../helpers/saveVersions.ts';
import { tempDir } from '../helpers/tempDir.ts';

const KILLS = Number(process.env.NETWRIGHT_SAVE_KILLS ?? 8);
const SIZE = 4 * 2 ** 20;

/** Starts a saving child; resolves once its first save has begun. */
function startSaver(path: string, first: number) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(repoRoot, 'test', 'helpers', 'saveChild.ts'), path, String(SIZE), String(first)],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const started = new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the saver exited early (${code})`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, started, exited };
}

const temps = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.tmp'));

test(`${KILLS} SIGKILLs at random moments during saves leave the old or the new file, and no temp files`, async (t) => {
  const dir = tempDir('nw-kill-');
  const path = join(dir, 'model.netwright.json');
  writeFileSync(path, versionText(0, SIZE));
  const rand = prng(13);
  let last = 0;
  let mostTemps = 0;
  let midWrite = 0;
  for (let k = 0; k < KILLS; k++) {
    // Each child starts from a version above anything written before, so "old or new" is checkable.
    const saver = startSaver(path, (k + 1) * 1_000_000);
    await saver.started;
    await new Promise((r) => setTimeout(r, rand() * 400));
    saver.child.kill('SIGKILL');
    await saver.exited;
    const version = whichVersion(readFileSync(path, 'utf8'), SIZE);
    assert.notEqual(version, null, `kill ${k}: the file is a whole version`);
    assert.ok(version! >= last, `kill ${k}: version ${version} is not older than ${last}`);
    last = version!;
    // Only the save in flight can leave a file; the next save clears it, so they never pile up.
    mostTemps = Math.max(mostTemps, temps(dir).length);
    if (temps(dir).length) midWrite++;
    assert.ok(temps(dir).length <= 1, `kill ${k}: ${temps(dir).join(', ')}`);
  }
  // At start (the host calls this for its autosave) and on the next save, stale files go.
  await removeStaleTemps(path);
  assert.deepEqual(temps(dir), []);
  await saveFileAtomic(path, versionText(1, SIZE));
  assert.deepEqual(readdirSync(dir), ['model.netwright.json']);
  t.diagnostic(
    `${KILLS} kills, ${midWrite} of them mid-write; last version ${last}; at most ${mostTemps} temp file(s) at once`,
  );
});

test('the next save removes a killed save’s temp file; a live writer’s is kept', async () => {
  const dir = tempDir('nw-stale-');
  const path = join(dir, 'a.json');
  const dead = join(dir, '.a.json.999999999.abc-0.tmp');
  const live = join(dir, `.a.json.${process.ppid}.abc-0.tmp`);
  const other = join(dir, '.b.json.999999999.abc-0.tmp');
  for (const f of [dead, live, other]) writeFileSync(f, 'partial');
  await saveFileAtomic(path, 'new');
  assert.deepEqual(readdirSync(dir).sort(), [
    '.a.json.' + process.ppid + '.abc-0.tmp',
    '.b.json.999999999.abc-0.tmp',
    'a.json',
  ]);
});
