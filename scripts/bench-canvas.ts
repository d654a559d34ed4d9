// Canvas performance, measured the way a user feels it: Chromium (Playwright) against browser mode.
//   node --import tsx scripts/bench-canvas.ts [--runs 3]     (needs `npm run build:renderer` first)
// Prints one JSON line per measurement:
//   open-onnx      upload of the ONNX model zoo's ResNet-50 until its 178 layers are on screen
//                  (host: decode, import, ELK layout; renderer: analysis, first render)
//   open-project   opening a generated 1,000-layer project file until every node is rendered
//   auto-layout    Auto layout (ELK in the page) of the 1,000 layers until the nodes have moved
//   drag           frame intervals (requestAnimationFrame timestamps) while dragging one node of
//                  the 1,000-layer graph with the mouse; 16.7 ms is 60 frames per second
import { chromium } from '@playwright/test';
import type { Page } from '@playwright/test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { GraphBuilder, newDocument, serializeDocument } from '../engine/index.ts';
import { repoRoot } from '../host/paths.ts';
import { startServer } from '../server/index.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const RUNS = Math.max(1, Number(values.runs));
const RESNET50 = join(repoRoot, '..', 'shared', 'fixtures', 'onnx', 'light', 'light_resnet50.onnx');

/** 10 branches of 100 or 99 Linear/ReLU layers from one input, summed: 1,000 layers, all valid. */
function thousandLayers(): string {
  const b = new GraphBuilder();
  const x = b.input([64]);
  const ends: string[] = [];
  for (let branch = 0; branch < 10; branch++) {
    let last = x;
    for (let i = 0; i < (branch < 8 ? 100 : 99); i++)
      last = b.add(i % 2 ? 'ReLU' : 'Linear', i % 2 ? {} : { out_features: 64 }, last);
    ends.push(last);
  }
  b.add('Add', {}, ends);
  if (b.graph.nodes.length !== 1000) throw new Error(`expected 1,000 nodes, got ${b.graph.nodes.length}`);
  return serializeDocument(newDocument('Thousand layers', b.graph));
}

const line = (o: Record<string, unknown>) => console.log(JSON.stringify({ bench: 'canvas', ...o }));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const quantile = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))];
const round = (x: number) => Math.round(x * 10) / 10;

async function fresh(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.locator('.app[data-ready="true"]').waitFor();
  await page.getByText('host connected').waitFor();
  const discard = page.getByRole('button', { name: 'Discard' });
  if (await discard.isVisible()) await discard.click();
}

/**
 * Waits until the document has `count` layers, the nodes in view are rendered and measured (large
 * graphs render only what is in view), and two frames have been painted since.
 */
async function rendered(page: Page, count: number): Promise<void> {
  await page.waitForFunction(
    (n) => {
      const status = document.querySelector('[aria-label="Status"]')?.textContent ?? '';
      const nodes = [...document.querySelectorAll<HTMLElement>('.react-flow__node')];
      return (
        status.includes(`${n} layers`) &&
        nodes.length > 0 &&
        nodes.every((el) => el.style.visibility !== 'hidden')
      );
    },
    count,
    { timeout: 120_000, polling: 'raf' },
  );
  await page.evaluate(
    () => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))),
  );
}

/** The id of a layer whose header is fully on screen inside the canvas, away from its edges. */
async function visibleNode(page: Page): Promise<string> {
  const canvas = (await page.getByRole('region', { name: 'Canvas' }).boundingBox())!;
  const id = await page.locator('.react-flow__node').evaluateAll((els, c) => {
    for (const el of els) {
      const r = el.getBoundingClientRect();
      if (
        r.x > c.x + 40 &&
        r.right < c.x + c.width - 300 &&
        r.y > c.y + 40 &&
        r.bottom < c.y + c.height - 200
      )
        return el.getAttribute('data-id');
    }
    return null;
  }, canvas);
  if (!id) throw new Error('no layer is on screen to drag');
  return id;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'netwright-bench-'));
  const projectFile = join(dir, 'thousand.netwright.json');
  writeFileSync(projectFile, thousandLayers());
  const server = await startServer({ dataDir: join(dir, 'data') });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));

    for (let run = 0; run < RUNS; run++) {
      await fresh(page, server.url);
      let t = performance.now();
      await page.locator('input[data-role="import-onnx"]').setInputFiles(RESNET50);
      await rendered(page, 178);
      line({ case: 'open-onnx', model: 'resnet50', run, nodes: 178, ms: Math.round(performance.now() - t) });

      await fresh(page, server.url);
      t = performance.now();
      await page.locator('input[data-role="open-project"]').setInputFiles(projectFile);
      await rendered(page, 1000);
      line({
        case: 'open-project',
        model: 'thousand',
        run,
        nodes: 1000,
        ms: Math.round(performance.now() - t),
      });

      // Done when the rendered nodes or their places change (the layout lands, then zoom to fit).
      const placement = () =>
        [...document.querySelectorAll<HTMLElement>('.react-flow__node')]
          .slice(0, 30)
          .map((el) => `${el.getAttribute('data-id')}${el.style.transform}`)
          .join();
      const before = await page.evaluate(placement);
      t = performance.now();
      await page.getByRole('button', { name: 'Auto layout' }).click();
      await page.waitForFunction(
        (old) =>
          [...document.querySelectorAll<HTMLElement>('.react-flow__node')]
            .slice(0, 30)
            .map((el) => `${el.getAttribute('data-id')}${el.style.transform}`)
            .join() !== old,
        before,
        { timeout: 120_000, polling: 'raf' },
      );
      line({
        case: 'auto-layout',
        model: 'thousand',
        run,
        nodes: 1000,
        ms: Math.round(performance.now() - t),
      });
      await page.waitForTimeout(500);

      // Drag a node that is on screen, with 60 mouse moves, recording every animation frame.
      const dragged = await visibleNode(page);
      const target = page.locator(`.react-flow__node[data-id="${dragged}"] .layer-node__header`);
      const box = (await target.boundingBox())!;
      // A string, not a function: tsx would wrap the named arrow in a helper the page lacks.
      await page.evaluate(`(() => {
        window.__frames = [];
        window.__stop = false;
        const tick = (ts) => {
          window.__frames.push(ts);
          if (!window.__stop) requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      })()`);
      const x0 = box.x + box.width / 2;
      const y0 = box.y + box.height / 2;
      t = performance.now();
      await page.mouse.move(x0, y0);
      await page.mouse.down();
      for (let i = 1; i <= 60; i++) await page.mouse.move(x0 + i * 4, y0 + Math.sin(i / 6) * 40);
      await page.mouse.up();
      const dragMs = performance.now() - t;
      const moved = Math.round((await target.boundingBox())!.x - box.x);
      const frames = await page.evaluate(() => {
        const w = window as unknown as { __frames: number[]; __stop: boolean };
        w.__stop = true;
        return w.__frames;
      });
      const intervals = frames.slice(1).map((f, i) => f - frames[i]);
      line({
        case: 'drag',
        model: 'thousand',
        run,
        nodes: 1000,
        moves: 60,
        moved_px: moved,
        drag_ms: Math.round(dragMs),
        frames: intervals.length,
        frame_ms_median: round(median(intervals)),
        frame_ms_p95: round(quantile(intervals, 0.95)),
        frame_ms_max: round(Math.max(...intervals)),
      });
    }
  } finally {
    await browser.close();
    await server.close();
  }
}

await main();
