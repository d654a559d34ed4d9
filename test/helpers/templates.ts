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
