// Writes assets/templates/transfer-digits.netwright.json: LeNet-5 with 5 outputs, pretrained by
// `netwright train` on the MNIST digits 0-4 (seeded, so the weights come out the same on a rerun),
// with the transfer-learning lesson. make-templates.ts leaves this file alone (training takes
// half a minute); run this script again after changing the lesson's text or the pretraining.
//   node --import tsx scripts/pretrain-digits.ts
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newDocument, parseDocument, serializeDocument } from '../engine/index.ts';
import { lessonFor, PRETRAINED, templates } from './make-templates.ts';
import { tempDir } from '../test/helpers/tempDir.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** How the shipped backbone was trained: the CLI flags, kept here so the lesson can quote them. */
export const PRETRAINING = [
  '--data',
  'mnist',
  '--keep-classes',
  '0-4',
  '--limit',
  '10000',
  '--epochs',
  '3',
  '--batch-size',
  '32',
  '--optimizer',
  'adam',
  '--lr',
  '0.002',
  '--seed',
  '0',
];

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const id = PRETRAINED;
  const spec = templates[id];
  const dir = tempDir('nw-pretrain-');
  try {
    const graph = spec.build();
    const blank = join(dir, 'blank.netwright.json');
    const trained = join(dir, 'trained.netwright.json');
    writeFileSync(blank, serializeDocument(newDocument(spec.title, graph)));
    const cli = join(ROOT, 'bin', 'netwright.js');
    execFileSync(process.execPath, [cli, 'train', blank, ...PRETRAINING, '--save', trained], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const weights = parseDocument(readFileSync(trained, 'utf8')).weights;
    const doc = {
      ...newDocument(spec.title, graph),
      description: spec.description,
      ...(spec.lesson ? { lesson: lessonFor(id, spec.lesson) } : {}),
      weights,
    };
    const out = join(ROOT, 'assets', 'templates', `${id}.netwright.json`);
    writeFileSync(out, serializeDocument(doc));
    console.log(`wrote ${out}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
