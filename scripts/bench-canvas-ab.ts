// Two renderer builds compared on the canvas's tightest targets, interleaved in one process so the
// shared machine's load falls on both alike (scripts/bench-canvas.ts measures one build at a time):
//   node --import tsx scripts/bench-canvas-ab.ts --a <build> --b <build> [--rounds 5] [--case open|drag|both]
// Each round opens the 1,000-layer project (open) and drags a layer in ResNet-50 with its blocks
// expanded (drag) in A, then in B (the order alternating round by round). One JSON line per
// measurement, then the medians and B's ratio to A. Builds come from `npx vite build --outDir DIR`.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../host/paths.ts';
import { tempDir } from '../test/helpers/tempDir.ts';
import { drag, expandAndZoomIn, fresh, launch, line, rendered, thousandLayers } from './benchCanvasSteps.ts';

const { values } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string' },
    rounds: { type: 'string', default: '5' },
    case: { type: 'string', default: 'both' },
  },
});
if (!values.a || !values.b) throw new Error('Give the two builds to compare: --a DIR --b DIR');
const FIXTURES = process.env.NETWRIGHT_FIXTURES ?? join(repoRoot, '..', 'shared', 'fixtures', 'onnx');
const RESNET = join(FIXTURES, 'light', 'light_resnet50.onnx');

const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const dir = tempDir('netwright-bench-ab-');
  const project = join(dir, 'thousand.netwright.json');
  writeFileSync(project, thousandLayers());
  const builds = [
    { name: 'A', ...(await launch(join(dir, 'a'), { root: values.a, warmJobs: true })) },
    { name: 'B', ...(await launch(join(dir, 'b'), { root: values.b, warmJobs: true })) },
  ];
  const results: Record<string, number[]> = {};
  const record = (key: string, value: number) => (results[key] ??= []).push(value);
  try {
    for (let round = -1; round < Number(values.rounds); round++) {
      // Round -1 warms both up (the job threads' first imports and layouts) and is not counted.
      const order = round % 2 ? builds : [...builds].reverse();
      for (const { name, page, server } of order) {
        if (values.case !== 'drag') {
          await fresh(page, server.url);
          const t = performance.now();
          await page.locator('input[data-role="open-project"]').setInputFiles(project);
          await rendered(page, 1000);
          const ms = Math.round(performance.now() - t);
          line({ case: 'open-project', build: name, round, ms });
          if (round >= 0) record(`open-project ms ${name}`, ms);
        }
        if (values.case !== 'open') {
          await fresh(page, server.url);
          await page.locator('input[data-role="import-onnx"]').setInputFiles(RESNET);
          await rendered(page, 178);
          await expandAndZoomIn(page);
          await page.waitForTimeout(300);
          const { fps } = await drag(page);
          line({ case: 'drag', model: 'resnet50', build: name, round, fps });
          if (round >= 0) record(`resnet50 drag fps ${name}`, fps);
        }
      }
    }
    for (const key of Object.keys(results).filter((k) => k.endsWith(' A'))) {
      const [a, b] = [median(results[key]), median(results[key.replace(/ A$/, ' B')])];
      line({
        measure: key.replace(/ A$/, ''),
        median_a: a,
        median_b: b,
        b_over_a: Math.round((b / a) * 1000) / 1000,
      });
    }
  } finally {
    for (const { browser, server } of builds) {
      await browser.close();
      await server.close();
    }
  }
}

await main();
