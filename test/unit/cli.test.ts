// The CLI as a user runs it: the real bin script on real files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, templatesDir } from '../helpers/templates.ts';
import { tempDir } from '../helpers/tempDir.ts';

const netwright = (...args: string[]) =>
  spawnSync(process.execPath, [join(repoRoot, 'bin', 'netwright.js'), ...args], { encoding: 'utf8' });

test('summary --json prints the DESIGN.md format with ResNet-18’s published totals', () => {
  const out = execFileSync(
    process.execPath,
    [
      join(repoRoot, 'bin', 'netwright.js'),
      'summary',
      join(templatesDir, 'resnet18.netwright.json'),
      '--json',
    ],
    { encoding: 'utf8' },
  );
  const json = JSON.parse(out);
  assert.deepEqual(json.totals, {
    params: 11_689_512,
    trainableParams: 11_689_512,
    macs: 1_814_073_344,
    flops: 3_628_146_688,
  });
  assert.deepEqual(Object.keys(json.nodes[1]), [
    'name',
    'op',
    'outputShape',
    'params',
    'trainableParams',
    'macs',
    'receptiveField',
  ]);
  assert.deepEqual(json.nodes[1], {
    name: 'conv2d_1',
    op: 'Conv2d',
    outputShape: [1, 64, 112, 112],
    params: 9408,
    trainableParams: 9408,
    macs: 64 * 3 * 49 * 112 * 112,
    receptiveField: { size: [7, 7], stride: [2, 2], start: [-3, -3] },
  });
  assert.deepEqual(json.nodes.at(-1).receptiveField, { global: true });
});

test('summary prints a torchinfo-style table and honours --input-shape', () => {
  const r = netwright('summary', join(templatesDir, 'mini-vgg.netwright.json'), '--input-shape', '8x3x32x32');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Layer \(type\)\s+Output Shape\s+Param #\s+MACs\s+Receptive field/);
  assert.match(r.stdout, /conv2d_1 \(Conv2d\)\s+\[8, 64, 32, 32\]\s+1,792\s+1,769,472\s+3x3 \/1 @-1/);
  assert.match(r.stdout, /Total MACs per sample: 77,307,904/);
});

test('a node whose shape can’t be inferred gets outputShape null and a diagnostic; bad files fail clearly', () => {
  const dir = tempDir('nw-cli-');
  const doc = JSON.parse(
    execFileSync('cat', [join(templatesDir, 'lenet5.netwright.json')], { encoding: 'utf8' }),
  );
  doc.graph.edges = doc.graph.edges.filter((e: { target: string }) => e.target !== 'flatten_1');
  const broken = join(dir, 'broken.netwright.json');
  writeFileSync(broken, JSON.stringify(doc));
  const r = netwright('summary', broken, '--json');
  assert.equal(r.status, 0, r.stderr);
  const flatten = JSON.parse(r.stdout).nodes.find((n: { name: string }) => n.name === 'flatten_1');
  assert.equal(flatten.outputShape, null);
  assert.match(flatten.diagnostic, /nothing connected to input 'x'/);

  writeFileSync(
    join(dir, 'bad.netwright.json'),
    '{"format":"netwright","version":2,"name":"x","graph":{"nodes":[{"id":"a","type":"Nope","name":"a"}],"edges":[]}}',
  );
  const bad = netwright('summary', join(dir, 'bad.netwright.json'));
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /graph\.nodes\[0\]\.type: unknown layer type 'Nope'/);
  assert.doesNotMatch(bad.stderr, /at .*\.ts/, 'no stack trace for user errors');
  assert.match(netwright('summary', join(dir, 'missing.json')).stderr, /no such file/);
});

test('serve starts browser mode on 127.0.0.1 with a token in the URL, and the page loads', async () => {
  const { spawn } = await import('node:child_process');
  const child = spawn(
    process.execPath,
    [join(repoRoot, 'bin', 'netwright.js'), 'serve', '--port', '0', '--json'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    const line = await new Promise<string>((resolve, reject) => {
      let text = '';
      const timer = setTimeout(() => reject(new Error(`no URL after 120 s: ${text}`)), 120_000);
      child.stdout!.on('data', (chunk) => {
        text += chunk;
        const found = text.split('\n').find((l) => l.startsWith('{'));
        if (found) {
          clearTimeout(timer);
          resolve(found);
        }
      });
    });
    const { url } = JSON.parse(line) as { url: string };
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{16,}$/);
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<div id="root">|Netwright/);
  } finally {
    child.kill('SIGTERM');
  }
});
