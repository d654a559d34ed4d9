// `npm run bench:peers`: Netwright's `bench` and the peer benchmarks of ../shared/peers (PyTorch,
// NumPy + OpenBLAS, TensorFlow.js WASM with 2 threads) one after another on the same machine, then
// one table of samples/s with the ratios, each figure the best of --rounds rounds. A benchmark,
// not a test: CI does not run it. Wrap it in `flock /tmp/nw-heavy.lock` on a shared machine.
//
//   npm run bench:peers -- [--rounds 2] [--models mlp,lenet,vgg] [--tfjs-models mlp,lenet]
//                          [--peers-dir DIR] [--json]
//
// The peers folder: --peers-dir, else $NETWRIGHT_PEERS_DIR, else ../shared/peers. When that folder
// has no node_modules (the TF.js bench needs them) it is copied once to $TMPDIR/netwright-peers and
// `npm ci` runs there; later runs reuse the copy while its package-lock.json is the same.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { peerTable, type Row } from './benchPeersTable.ts';

const repoRoot = resolve(import.meta.dirname, '..');
const MODELS = ['mlp', 'lenet', 'vgg'];

function fail(message: string): never {
  console.error(`bench:peers: ${message}`);
  process.exit(2);
}

function options() {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '2' },
      models: { type: 'string', default: MODELS.join(',') },
      // TF.js trains mini-VGG at ~15 samples/s here (8 s a step), so it is left out unless asked for.
      'tfjs-models': { type: 'string', default: 'mlp,lenet' },
      'peers-dir': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1)
    fail(`--rounds ${values.rounds}: expected a positive integer.`);
  const models = values.models.split(',').filter(Boolean);
  for (const m of [...models, ...values['tfjs-models'].split(',').filter(Boolean)])
    if (!MODELS.includes(m)) fail(`unknown model ${m}; choose from ${MODELS.join(', ')}.`);
  const tfjsModels = values['tfjs-models'].split(',').filter((m) => m && models.includes(m));
  return { rounds, models, tfjsModels, peersDir: values['peers-dir'], json: values.json };
}

/** A peers folder the TF.js bench can run in (node_modules installed). */
function peersFolder(given: string | undefined): string {
  const source = resolve(given ?? process.env.NETWRIGHT_PEERS_DIR ?? join(repoRoot, '..', 'shared', 'peers'));
  if (!existsSync(join(source, 'torch-bench.py')))
    fail(`${source} holds no peer benchmarks (torch-bench.py); pass --peers-dir or set NETWRIGHT_PEERS_DIR.`);
  if (existsSync(join(source, 'node_modules'))) return source;
  const copy = join(tmpdir(), 'netwright-peers');
  const lock = (dir: string) =>
    existsSync(join(dir, 'package-lock.json')) ? readFileSync(join(dir, 'package-lock.json'), 'utf8') : '';
  if (existsSync(join(copy, 'node_modules')) && lock(copy) === lock(source)) return copy;
  rmSync(copy, { recursive: true, force: true });
  cpSync(source, copy, { recursive: true });
  console.error(`bench:peers: installing the TF.js peers in ${copy} (npm ci)…`);
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: copy, stdio: 'inherit' });
  if (r.status !== 0) fail(`npm ci in ${copy} failed; install the peers by hand and pass --peers-dir.`);
  return copy;
}

/** Runs a command, returning its JSON lines; a failing peer is reported and skipped, not fatal. */
function jsonLines(
  label: string,
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): Row[] {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 1 << 26,
  });
  if (r.error || r.status !== 0) {
    console.error(
      `bench:peers: ${label} failed (${r.error?.message ?? `exit ${r.status}`}):\n${(r.stderr ?? '').slice(-2000)}`,
    );
    return [];
  }
  return r.stdout
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as Row);
}

// torch-bench.py prints no memory figure; run it under a wrapper that adds the process's peak RSS,
// one (model, mode) per process as `netwright bench` does, so the two are comparable.
const TORCH_WITH_RSS = `
import json, resource, runpy, sys
sys.argv = ['torch-bench.py'] + sys.argv[1:]
runpy.run_path('torch-bench.py', run_name='__main__')
print(json.dumps({'kind': 'rss', 'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
`;

function pytorch(dir: string, models: string[]): Row[] {
  const rows: Row[] = [];
  for (const model of models)
    for (const mode of ['train', 'infer']) {
      const lines = jsonLines(
        `PyTorch ${model} ${mode}`,
        '/usr/bin/python3',
        ['-c', TORCH_WITH_RSS, model, '--threads', '2', '--mode', mode],
        dir,
        { OMP_NUM_THREADS: '2' },
      );
      const rss = lines.find((l) => l.kind === 'rss');
      rows.push(...lines.filter((l) => l.peer).map((l) => ({ ...l, peak_rss_mb: rss?.peak_rss_mb })));
    }
  return rows;
}

function round(dir: string, o: ReturnType<typeof options>, n: number): Row[] {
  const stamp = (peer: string) =>
    console.error(`bench:peers: round ${n}, ${peer} (load ${loadavg()[0].toFixed(2)})`);
  stamp('netwright');
  const rows = jsonLines(
    'netwright bench',
    process.execPath,
    [
      '--import',
      'tsx',
      join(repoRoot, 'cli', 'main.ts'),
      'bench',
      '--json',
      '--no-analysis',
      '--models',
      o.models.join(','),
    ],
    repoRoot,
  );
  stamp('pytorch');
  rows.push(...pytorch(dir, o.models));
  if (o.models.includes('mlp')) {
    stamp('numpy');
    // numpy-bench.py's 'unset' environment is OpenBLAS's own choice of kernel, its best here.
    rows.push(...jsonLines('NumPy', 'python3', ['numpy-bench.py', '--no-haswell'], dir));
  }
  if (o.tfjsModels.length) {
    stamp('tfjs wasm-mt');
    rows.push(
      ...jsonLines('TF.js', 'node', ['tfjs-bench.mjs', o.tfjsModels.join(','), '--backend', 'wasm-mt'], dir),
    );
  }
  return rows.map((r) => ({ ...r, round: n }));
}

const o = options();
const dir = peersFolder(o.peersDir);
const all: Row[] = [];
for (let n = 1; n <= o.rounds; n++) all.push(...round(dir, o, n));
if (o.json) for (const r of all) console.log(JSON.stringify(r));
else console.log(peerTable(all, o.models, o.rounds));
