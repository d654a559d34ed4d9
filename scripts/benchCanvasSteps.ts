// The steps scripts/bench-canvas.ts and scripts/profile-canvas.ts take in Chromium, as a user
// would: open the app, open a graph, drag a node while counting frames, edit an attribute.
import { chromium } from '@playwright/test';
import type { Browser, Page } from '@playwright/test';
import { join } from 'node:path';
import { GraphBuilder, newDocument, serializeDocument } from '../engine/index.ts';
import type { RunningServer } from '../server/index.ts';
import { startServer } from '../server/index.ts';

/**
 * The browser-mode server (serving `root`, else dist/renderer) and Chromium with one 1440x900
 * page that reports its errors. Close both when done.
 */
export async function launch(
  dataDir: string,
  options: { root?: string; warmJobs?: boolean },
): Promise<{ server: RunningServer; browser: Browser; page: Page }> {
  const server = await startServer({
    dataDir: join(dataDir, 'data'),
    ...(options.warmJobs ? { warmJobs: true } : {}),
    ...(options.root ? { root: options.root } : {}),
  });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
  });
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  return { server, browser, page };
}

/** 10 branches of 100 or 99 Linear/ReLU layers from one input, summed: 1,000 layers, all valid. */
export function thousandLayers(): string {
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

export const line = (o: Record<string, unknown>) => console.log(JSON.stringify({ bench: 'canvas', ...o }));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const quantile = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))];
export const round = (x: number) => Math.round(x * 10) / 10;

export async function fresh(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.locator('.app[data-ready="true"]').waitFor();
  await page.getByText('host connected').waitFor();
  const discard = page.getByRole('button', { name: 'Discard' });
  if (await discard.isVisible()) await discard.click();
}

/**
 * Waits until the document has `count` layers, the nodes in view are rendered and measured (large
 * graphs render only what is in view), and two frames have been painted since: the page answers.
 */
export async function rendered(page: Page, count: number): Promise<void> {
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

/**
 * After an import: every block expanded, the network fitted, then zoomed in close enough to drag
 * one layer, as a user would before moving it.
 */
export async function expandAndZoomIn(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Dismiss import notes' }).click();
  await menu(page, 'View', 'Expand all blocks');
  await page.waitForFunction(() => document.querySelectorAll('.react-flow__node-layer').length > 100);
  await page.getByRole('button', { name: 'Fit View' }).click();
  for (let i = 0; i < 6; i++) await page.getByRole('button', { name: 'Zoom In' }).click();
}

/** Chooses an item of a toolbar menu, as a user does. */
export async function menu(page: Page, name: string, item: string): Promise<void> {
  await page
    .getByRole('toolbar', { name: 'Main toolbar' })
    .getByRole('button', { name, exact: true })
    .click();
  const list = page.getByRole('menu', { name });
  await list
    .getByRole('menuitem', { name: item, exact: true })
    .or(list.getByRole('menuitemcheckbox', { name: item, exact: true }))
    .click();
}

/** How far a drag moves the pointer: DRAG_STEPS moves of DRAG_STEP px across, up to DRAG_SWAY px up and down. */
const DRAG_STEPS = 60;
const DRAG_STEP = 4;
const DRAG_SWAY = 40;
/**
 * How far inside the canvas the pointer stays while dragging. React Flow pans the view while a
 * dragged node's pointer is within 40 px of the canvas edge; a drag that strays there measures
 * panning the whole graph (every node repainted each frame), not moving one node.
 */
const CLEAR_OF_EDGES = 100;

/** Where the pointer grabs a node: its header. */
const grabPoint = (r: { x: number; y: number; width: number; height: number }) => ({
  x: r.x + r.width / 2,
  y: r.y + Math.min(12, r.height / 2),
});

/**
 * The id of a layer on screen whose drag keeps the pointer clear of the canvas edges, of the
 * minimap and zoom controls below, and of the Inspector beside it.
 */
export async function visibleNode(page: Page): Promise<string> {
  const canvas = (await page.getByRole('region', { name: 'Canvas' }).boundingBox())!;
  const reach = { across: DRAG_STEPS * DRAG_STEP, sway: DRAG_SWAY, clear: CLEAR_OF_EDGES };
  const id = await page.locator('.react-flow__node-layer').evaluateAll(
    (els, { c, reach }) => {
      for (const el of els) {
        const r = el.getBoundingClientRect();
        const x = r.x + r.width / 2;
        const y = r.y + Math.min(12, r.height / 2);
        if (
          x - reach.clear > c.x &&
          x + reach.across + reach.clear < c.x + c.width &&
          y - reach.sway - reach.clear > c.y &&
          // The minimap and the zoom controls take the bottom 200 px.
          y + reach.sway + 200 < c.y + c.height
        )
          return el.getAttribute('data-id');
      }
      return null;
    },
    { c: canvas, reach },
  );
  if (!id) throw new Error('no layer is on screen to drag clear of the canvas edges');
  return id;
}

/**
 * Drags a node on screen (the first one fully in view, unless given) with 60 mouse moves
 * rightwards (leftwards with `direction` -1), counting animation frames meanwhile.
 */
export async function drag(page: Page, which?: string, direction = 1): Promise<Record<string, number>> {
  const dragged = which ?? (await visibleNode(page));
  const node = page.locator(`.react-flow__node[data-id="${dragged}"]`);
  const box = (await node.boundingBox())!;
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
  const { x: x0, y: y0 } = grabPoint(box);
  const t = performance.now();
  await page.mouse.move(x0, y0);
  await page.mouse.down();
  for (let i = 1; i <= DRAG_STEPS; i++)
    await page.mouse.move(
      x0 + direction * i * DRAG_STEP,
      // Back to the starting height at the end, so a drag back returns the node where it was.
      y0 + Math.sin((i / DRAG_STEPS) * 2 * Math.PI) * DRAG_SWAY,
    );
  await page.mouse.up();
  const dragMs = performance.now() - t;
  const moved = Math.round(Math.abs((await node.boundingBox())!.x - box.x));
  const frames = await page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __stop: boolean };
    w.__stop = true;
    return w.__frames;
  });
  const intervals = frames.slice(1).map((f, i) => f - frames[i]);
  const span = frames[frames.length - 1] - frames[0];
  return {
    moves: DRAG_STEPS,
    moved_px: moved,
    drag_ms: Math.round(dragMs),
    frames: intervals.length,
    fps: round((intervals.length * 1000) / span),
    frame_ms_median: round(median(intervals)),
    frame_ms_p95: round(quantile(intervals, 0.95)),
    frame_ms_max: round(Math.max(...intervals)),
  };
}

/** Changes one attribute of a layer in the inspector and reads the analysis it caused. */
export async function editAnalysis(page: Page, type: 'Conv2d' | 'Linear', attribute: string, value: string) {
  const id = await page
    .locator('.react-flow__node-layer')
    // The node's accessible name ("conv1 (Conv2d)") holds its type at every level of detail.
    .evaluateAll(
      (els, t) =>
        els
          .find((el) => el.querySelector('[role="group"]')?.getAttribute('aria-label')?.endsWith(`(${t})`))
          ?.getAttribute('data-id'),
      type,
    );
  if (!id) throw new Error(`no ${type} on screen to edit`);
  // A drag before may have left the node off screen: fit the network, as a user would, then pick it.
  await page.getByRole('button', { name: 'Fit View' }).click();
  await page.locator(`.react-flow__node[data-id="${id}"]`).click();
  const field = page.getByRole('region', { name: 'Inspector' }).getByLabel(attribute, { exact: true });
  // The time is taken before the edit: the analysis it causes may finish within fill().
  const before = await page.evaluate(() => performance.now());
  await field.fill(value);
  await page.waitForFunction((v) => {
    const m = performance.getEntriesByName('netwright:analysis').at(-1);
    return m !== undefined && m.startTime >= v;
  }, before);
  return page.evaluate(() => performance.getEntriesByName('netwright:analysis').at(-1)!.duration);
}
