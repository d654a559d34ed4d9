// scripts/longest-functions.ts measures functions from their first to their last line, names
// arrow functions after what they are bound to, and lists nested functions on their own.
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { functionLengths, longestFunctions } from '../../scripts/longest-functions.ts';
import { tempDir } from '../helpers/tempDir.ts';

const body = (n: number) => Array.from({ length: n }, (_, i) => `  const v${i} = ${i};`).join('\n');

describe('longest-functions script', () => {
  const root = tempDir('nw-longest-');
  after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'src'));
  // outer: lines 1..14; the inner arrow: lines 2..5; Box.method: lines 16..21.
  const source = [
    'export function outer() {',
    '  const inner = () => {',
    body(2),
    '  };',
    body(7),
    '  return inner;',
    '}',
    'class Box {',
    '  method(): number {',
    body(3),
    '    return 1;',
    '  }',
    '}',
    '',
  ].join('\n');
  writeFileSync(join(root, 'src', 'a.ts'), source);
  writeFileSync(join(root, 'src', 'b.test.ts'), `export function tiny() {\n  return 1;\n}\n`);

  it('counts each function start to end, nested ones separately, with the name a reader searches for', () => {
    const found = functionLengths(join(root, 'src', 'a.ts'), root);
    assert.deepEqual(
      found.map((f) => [f.name, f.line, f.lines]),
      [
        ['outer', 1, 14],
        ['inner', 2, 4],
        ['method', 16, 6],
      ],
    );
    assert.equal(found[0].file, join('src', 'a.ts'));
  });

  it('lists the longest first, across the folders given', () => {
    const cwd = process.cwd();
    process.chdir(root);
    try {
      const top = longestFunctions(['src'], 2);
      assert.deepEqual(
        top.map((f) => `${f.file}:${f.name}:${f.lines}`),
        [`${join('src', 'a.ts')}:outer:14`, `${join('src', 'a.ts')}:method:6`],
      );
    } finally {
      process.chdir(cwd);
    }
  });
});
