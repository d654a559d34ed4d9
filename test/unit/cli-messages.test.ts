// What the CLI says when something is wrong: output files are checked before any work, messages
// say what actually happened (issue 13, item 9), and every user error is one line naming the flag
// or file, never a stack trace (cli/errors.ts maps them in one place).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, templatesDir } from '../helpers/templates.ts';
import { tempDir } from '../helpers/tempDir.ts';

const netwright = (...args: string[]) =>
  spawnSync(process.execPath, [join(repoRoot, 'bin', 'netwright.js'), ...args], { encoding: 'utf8' });
const dir = tempDir('netwright-cli-messages-');
after(() => rmSync(dir, { recursive: true, force: true }));
const mlp = join(templatesDir, 'mlp.netwright.json');

test('train --out/--save/--checkpoint into a missing folder fails before training starts', () => {
  const missing = join(dir, 'no-such-folder');
  for (const flag of ['--out', '--save', '--checkpoint']) {
    const target = join(missing, flag === '--out' ? 'model.onnx' : 'model.out');
    // The whole MNIST training set: a run that started would take minutes, not fail at once.
    const r = netwright('train', mlp, '--data', 'mnist', '--epochs', '1', flag, target);
    assert.equal(r.status, 1, flag);
    assert.match(
      r.stderr,
      new RegExp(`^netwright: ${flag} \\S+: the folder \\S+no-such-folder does not exist; create it`, 'm'),
      flag,
    );
    assert.doesNotMatch(r.stdout + r.stderr, /Training |epoch 1/, `${flag}: no training started`);
    assert.equal(existsSync(missing), false);
  }
  // A file where the folder should be is named as such.
  const file = join(dir, 'a-file');
  writeFileSync(file, 'x');
  const r = netwright('train', mlp, '--data', 'mnist', '--out', join(file, 'model.onnx'));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /--out \S+: \S+a-file is a file, not a folder\./);
  // Nothing but the file itself is left behind: the probe is removed.
  assert.deepEqual(readdirSync(dir), ['a-file']);
});

test('a diverged run says nothing was written, without claiming the last good weights are kept', () => {
  const out = join(dir, 'diverged.onnx');
  const saved = join(dir, 'diverged.netwright.json');
  const flags = ['--optimizer', 'sgd', '--lr', '1e6', '--out', out, '--save', saved];
  const r = netwright('train', mlp, '--data', 'mnist', '--limit', '512', ...flags);
  assert.equal(r.status, 1);
  assert.match(
    r.stderr,
    /The loss became (NaN|Infinity|-Infinity) at epoch 1, step \d+, so training stopped\./,
  );
  assert.match(r.stderr, /Lower the learning rate \(1000000\) or turn on gradient clipping \(--clip\)\./);
  assert.match(r.stderr, /Nothing was written\.$/m);
  assert.doesNotMatch(r.stderr, /weights are kept/);
  assert.equal(existsSync(out), false);
  assert.equal(existsSync(saved), false);
});

test('export into a folder that refuses new files says so, not that the folder is missing', (t) => {
  const model = join(templatesDir, 'lenet5.netwright.json');
  if (!existsSync('/proc/self')) return t.skip('no /proc on this system');
  const proc = netwright('export', model, '-o', '/proc/x.onnx');
  assert.equal(proc.status, 1);
  assert.match(
    proc.stderr,
    /^netwright: -o \/proc\/x\.onnx: this folder does not accept new files; choose another/m,
  );
  assert.doesNotMatch(proc.stderr, /does not exist/);
  const missing = netwright('export', model, '-o', join(dir, 'gone', 'x.onnx'));
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /-o \S+x\.onnx: the folder \S+gone does not exist/);
  const folder = netwright('export', model, '-o', dir);
  assert.equal(folder.status, 1);
  assert.match(folder.stderr, /that is a folder; give a file name/);
});

test('user errors of every kind are one line naming the flag or file, without a stack', () => {
  const checkpoint = join(dir, 'not-a-checkpoint.ckpt');
  writeFileSync(checkpoint, 'hello');
  const broken = join(dir, 'broken.netwright.json');
  writeFileSync(broken, '{"format":"netwright","version":2,"graph":{"nodes":[],"edges":"x"}}');
  const cases: [string[], RegExp][] = [
    [['train', mlp, '--data', 'mnist', '--init', 'bogus'], /^netwright: --init bogus: unknown initializer/],
    [['train', mlp, '--data', 'csv:' + join(dir, 'none.csv')], /^netwright: --data csv:\S+none\.csv: /],
    [
      ['train', mlp, '--data', 'mnist', '--resume', checkpoint],
      /^netwright: \S+ is not a Netwright checkpoint/,
    ],
    [['summary', broken], /^netwright: \S+broken\.netwright\.json: /],
    [['grad', mlp, '--batch', join(dir, 'none.json')], /^netwright: Can't read \S+none\.json: /],
  ];
  for (const [args, message] of cases) {
    const r = netwright(...args);
    assert.equal(r.status, 1, args.join(' '));
    assert.match(r.stderr, message, args.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1, `${args.join(' ')}: ${r.stderr}`);
  }
});
