// The Done-when run: LeNet-5 exported to PyTorch trains with `torchrun --nproc_per_node=2` (gloo on
// CPU) for one epoch on a 6,000-digit MNIST subset; its test accuracy is within a point of the
// single-process run with the same global batch, and both ranks end with identical weights.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPytorchProject, writePytorchProject } from '../../host/pytorchProject.ts';
import { needTorch, PYTHON, runPythonJson } from '../helpers/python.ts';
import { loadTemplate } from '../helpers/templates.ts';
import { tempDir } from '../helpers/tempDir.ts';

const dir = tempDir('netwright-pytorch-ddp-');
after(() => rmSync(dir, { recursive: true, force: true }));

// train.py's main() returns the model; every process saves what it ended with.
const SAVE_RANK = `import os, sys
import torch
import train
model = train.main(sys.argv[1:])
torch.save(model.state_dict(), f"weights-{os.environ.get('RANK', 'single')}.pt")
`;

const SAME_WEIGHTS = `
import json, sys
import torch
a, b = (torch.load(p) for p in sys.argv[1:3])
print(json.dumps({"keys": sorted(a) == sorted(b),
                  "maxDiff": max(float((a[k].double() - b[k].double()).abs().max()) for k in a)}))
`;

function epochLines(stdout: string): Record<string, number>[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, number>)
    .filter((l) => l.event === ('epoch' as unknown as number));
}

test('torchrun --nproc_per_node=2 trains LeNet-5 as one process does, with identical weights on both ranks', async (t) => {
  if (!needTorch(t)) return;
  const folder = join(dir, 'lenet5');
  await writePytorchProject(folder, await buildPytorchProject(loadTemplate('lenet5')));
  writeFileSync(join(folder, 'save_rank.py'), SAVE_RANK);
  const flags = ['--epochs', '1', '--limit', '6000', '--json', '--out', ''];
  const env = {
    ...process.env,
    OMP_NUM_THREADS: '1',
    // Debian 12's torch 1.13 under Python 3.11: torchrun's default --redirects/--tee ("0") parse to
    // None (Python 3.11 stopped listing IntFlag's zero member), and it fails before starting a
    // process. Mapping an unused local rank (9) gives the same "no redirection" and works on every
    // version. README.md says so too.
    PET_REDIRECTS: '9:1',
    PET_TEE: '9:1',
  };
  const run = (args: string[]) => {
    const started = performance.now();
    const r = spawnSync(PYTHON, args, { cwd: folder, env, encoding: 'utf8', timeout: 300_000 });
    assert.equal(r.status, 0, `${args.join(' ')}:\n${r.stderr.slice(-3000)}`);
    return { lines: epochLines(r.stdout), seconds: (performance.now() - started) / 1000 };
  };
  const single = run(['save_rank.py', ...flags, '--checkpoint', 'single.pt']);
  const ddp = run([
    '-m',
    'torch.distributed.run',
    '--standalone',
    '--nproc_per_node=2',
    'save_rank.py',
    ...flags,
    '--checkpoint',
    'ddp.pt',
  ]);
  assert.equal(single.lines.length, 1, 'one JSON line for the epoch');
  assert.equal(ddp.lines.length, 1, 'one JSON line for the epoch, from rank 0 only');
  const [s, d] = [single.lines[0].testAccuracy, ddp.lines[0].testAccuracy];
  assert.ok(s > 0.9, `LeNet-5 learns MNIST in one epoch (${s})`);
  assert.ok(Math.abs(s - d) <= 0.01, `test accuracy: one process ${s}, torchrun 2 processes ${d}`);
  const same = runPythonJson<{ keys: boolean; maxDiff: number }>(SAME_WEIGHTS, [
    join(folder, 'weights-0.pt'),
    join(folder, 'weights-1.pt'),
  ]);
  assert.ok(same.keys);
  assert.equal(same.maxDiff, 0, 'rank 0 and rank 1 end with identical weights');
  t.diagnostic(
    `test accuracy: single ${s}, DDP ${d}; single ${single.seconds.toFixed(1)} s, torchrun ${ddp.seconds.toFixed(1)} s`,
  );
});
