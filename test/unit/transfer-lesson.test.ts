// The transfer-learning lesson's claims, measured again through the CLI with the lesson's own
// settings: LeNet-5 pretrained on digits 0-4 (the shipped template), its convolutions frozen and a
// new classifier, against the same network from scratch, on the same 100 digits 5-9, seeds 1-3.
// Every number the lesson states must come out within half a point, and fine-tuning must beat
// scratch after 5 epochs at every seed by the margin the text gives.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from '../../engine/index.ts';
import { formatClassList } from '../../engine/data/index.ts';
import { lessonOf } from '../../protocol/lesson.ts';
import { TRANSFER_MEASURED } from '../../scripts/lessons.ts';
import { repoRoot } from '../helpers/templates.ts';
import { tempDir } from '../helpers/tempDir.ts';

const templates = join(repoRoot, 'assets', 'templates');
const dir = tempDir('netwright-transfer-lesson-');
after(() => rmSync(dir, { recursive: true, force: true }));

const lesson = lessonOf(
  parseDocument(readFileSync(join(templates, 'transfer-digits.netwright.json'), 'utf8')).lesson,
)!;

/** The lesson's training settings as `netwright train` flags, over 15 epochs (the text's longest run). */
function lessonFlags(): string[] {
  const { dataset, config } = lesson.training!;
  assert.equal(dataset.kind, 'mnist');
  if (dataset.kind !== 'mnist') return [];
  assert.deepEqual(dataset.keepClasses, [5, 6, 7, 8, 9]);
  assert.equal(dataset.limit, 100);
  assert.equal(config?.seed, dataset.seed, 'the CLI has one seed for data and weights');
  return [
    '--data', 'mnist',
    '--keep-classes', formatClassList(dataset.keepClasses!),
    '--limit', String(dataset.limit),
    '--test-limit', String(dataset.testLimit),
    '--batch-size', String(config!.batchSize),
    '--optimizer', config!.optimizer!.kind,
    '--lr', String(config!.lr),
    '--epochs', '15',
    '--json',
  ]; // prettier-ignore
}

/** Test accuracy (percent) by epoch of one run. */
function run(template: string, seed: number, extra: string[]): Promise<Record<number, number>> {
  const args = [
    join(repoRoot, 'bin', 'netwright.js'),
    'train',
    join(templates, `${template}.netwright.json`),
  ];
  const child = spawn(process.execPath, [...args, ...lessonFlags(), '--seed', String(seed), ...extra]);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) =>
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${template} seed ${seed}: exit ${code}\n${err}`));
      const byEpoch: Record<number, number> = {};
      for (const line of out.split('\n').filter((l) => l.startsWith('{'))) {
        const e = JSON.parse(line) as { epoch?: number; testAccuracy?: number };
        if (e.epoch !== undefined && e.testAccuracy !== undefined) byEpoch[e.epoch] = 100 * e.testAccuracy;
      }
      resolve(byEpoch);
    }),
  );
}

test('transfer lesson: a pretrained, frozen LeNet-5 beats training from scratch on 100 digits 5-9, as the lesson says', async () => {
  assert.equal(lesson.training!.config!.epochs, 5, 'the lesson trains 5 epochs; its text quotes epoch 5');
  const measured = { fineTuned: [] as Record<number, number>[], scratch: [] as Record<number, number>[] };
  for (const seed of TRANSFER_MEASURED.seeds) {
    // One at a time: two cores, and a run's timing does not matter here.
    measured.fineTuned.push(
      await run('transfer-digits', seed, ['--classes', '5', '--freeze-up-to', 'flatten_1']),
    );
    measured.scratch.push(await run('transfer-digits-scratch', seed, []));
  }
  const report = JSON.stringify(measured, (_, v: unknown) => (typeof v === 'number' ? +v.toFixed(1) : v));
  for (const arm of ['fineTuned', 'scratch'] as const)
    for (const [epoch, stated] of Object.entries(TRANSFER_MEASURED[arm]) as [string, readonly number[]][])
      stated.forEach((value, i) => {
        const got = measured[arm][i][Number(epoch)];
        assert.ok(
          Math.abs(got - value) <= 0.5,
          `${arm}, seed ${TRANSFER_MEASURED.seeds[i]}, epoch ${epoch}: measured ${got.toFixed(1)}%, the lesson says ${value}% (${report})`,
        );
      });
  // The margin the text states ("… points behind"), with the half point of slack above.
  const gaps = measured.fineTuned.map((f, i) => f[5] - measured.scratch[i][5]);
  const stated = TRANSFER_MEASURED.fineTuned[5].map((f, i) => f - TRANSFER_MEASURED.scratch[5][i]);
  assert.ok(Math.min(...gaps) >= Math.min(...stated) - 1, `gaps after 5 epochs ${gaps} (${report})`);
  assert.ok(Math.min(...gaps) > 5, `fine-tuning leads by over 5 points at every seed: ${gaps}`);
  assert.match(
    lesson.text,
    new RegExp(`${Math.min(...stated).toFixed(1)}–${Math.max(...stated).toFixed(1)} points behind`),
  );
});
