import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ProjectDocument } from '../../engine/index.ts';
import { parseDocument } from '../../engine/index.ts';

export const repoRoot = join(import.meta.dirname, '..', '..');
export const templatesDir = join(repoRoot, 'assets', 'templates');

export function templateNames(): string[] {
  return readdirSync(templatesDir)
    .filter((f) => f.endsWith('.netwright.json'))
    .map((f) => f.replace('.netwright.json', ''))
    .sort();
}

export function loadTemplate(name: string): ProjectDocument {
  return parseDocument(readFileSync(join(templatesDir, `${name}.netwright.json`), 'utf8'));
}

export interface EpochLine {
  trainLoss: number;
  testLoss: number;
  testAccuracy: number | null;
}

/**
 * `netwright train <template> --data <data> --optimizer adam --threads 1 --json [extra flags]` as a
 * user runs it; its epoch lines (the command must succeed).
 */
export function trainTemplateCli(
  name: string,
  data: string,
  epochs: number,
  lr: number,
  extra: string[] = [],
): EpochLine[] {
  const r = spawnSync(
    process.execPath,
    [
      join(repoRoot, 'bin', 'netwright.js'),
      'train',
      join(templatesDir, `${name}.netwright.json`),
      '--data',
      data,
      '--epochs',
      String(epochs),
      '--optimizer',
      'adam',
      '--lr',
      String(lr),
      '--threads',
      '1',
      '--json',
      ...extra,
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`netwright train ${name} failed: ${r.stderr}`);
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as EpochLine);
}
